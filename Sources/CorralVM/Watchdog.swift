import Dispatch
import Synchronization

/// Enforces deadlines and time slices for every running sandbox, from one timer on its own
/// dispatch queue.
///
/// It cannot live on the Swift cooperative pool: runs are CPU-bound between host calls, and
/// a timer task waiting behind them for a thread would never fire. Every `tick` it sets the
/// deadline bit of runs whose deadline has passed and the yield bit of the rest, so a long
/// run gives its thread to other tasks at least every `slice` and stops within about one
/// `slice` of its deadline.
final class Watchdog: Sendable {
    static let shared = Watchdog()
    static let slice = DispatchTimeInterval.milliseconds(10)

    private struct Entry {
        let flag: InterruptFlag
        let deadline: ContinuousClock.Instant?
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextToken = 0
        var timer: (any DispatchSourceTimer)?
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "corral.watchdog")

    /// Starts watching a run; pass the token to `unwatch` when the run stops driving.
    func watch(_ flag: InterruptFlag, deadline: ContinuousClock.Instant?) -> Int {
        state.withLock { s in
            let token = s.nextToken
            s.nextToken += 1
            s.entries[token] = Entry(flag: flag, deadline: deadline)
            if s.timer == nil {
                let t = DispatchSource.makeTimerSource(queue: queue)
                t.schedule(deadline: .now() + Watchdog.slice, repeating: Watchdog.slice, leeway: .milliseconds(1))
                t.setEventHandler { [weak self] in self?.tick() }
                t.resume()
                s.timer = t
            }
            return token
        }
    }

    /// Stops watching. The timer itself stops at its next tick with nothing to watch, so a
    /// stream of short runs does not create and cancel a timer each.
    func unwatch(_ token: Int) {
        state.withLock { s in s.entries[token] = nil }
    }

    /// Sets the bits in place, under the lock: a yield bit is one atomic OR. Copying the
    /// entries out each tick cost a tenth of the service's CPU with thousands of runs waiting
    /// in host calls. A passed deadline also cancels the run's host call, so those flags are
    /// set after the lock is released.
    private func tick() {
        let now = ContinuousClock.now
        let expired = state.withLock { s -> [InterruptFlag] in
            if s.entries.isEmpty, let t = s.timer {
                t.cancel()
                s.timer = nil
            }
            var expired: [InterruptFlag] = []
            for e in s.entries.values {
                if let d = e.deadline, now >= d {
                    expired.append(e.flag)
                } else {
                    e.flag.set(InterruptFlag.yield)
                }
            }
            return expired
        }
        for flag in expired { flag.set(InterruptFlag.deadline) }
    }
}
