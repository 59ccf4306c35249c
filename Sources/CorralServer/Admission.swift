import DequeModule
import Synchronization

/// Admits runs by memory: a run is admitted while the memory budgets of the runs admitted
/// add up to no more than `capacity`. Runs that do not fit wait in a bounded FIFO queue;
/// beyond `maxQueued` they are refused (429). Admission happens when a run is requested, so
/// the answer is immediate; a queued run then waits in `Ticket.admitted()`.
final class Admission: Sendable {
    let capacity: Int
    let maxQueued: Int

    private struct State {
        var reserved = 0
        var queue = Deque<Ticket>()
    }
    private let state = Mutex(State())

    init(capacity: Int, maxQueued: Int) {
        self.capacity = capacity
        self.maxQueued = maxQueued
    }

    enum Decision {
        case admitted
        case queued(Ticket)
        case refused
    }

    /// Asks for `bytes` of the capacity. A run asking for more than the whole capacity is
    /// never admitted; callers cap budgets at `capacity` first.
    func request(_ bytes: Int) -> Decision {
        state.withLock { s in
            if s.queue.isEmpty && s.reserved + bytes <= capacity {
                s.reserved += bytes
                return .admitted
            }
            guard s.queue.count < maxQueued else { return .refused }
            let ticket = Ticket(bytes: bytes)
            s.queue.append(ticket)
            return .queued(ticket)
        }
    }

    /// Gives back an admitted run's bytes and admits queued runs, in order, while they fit.
    func release(_ bytes: Int) {
        let admitted = state.withLock { s -> [Ticket] in
            s.reserved -= bytes
            var out: [Ticket] = []
            while let head = s.queue.first, s.reserved + head.bytes <= capacity {
                s.queue.removeFirst()
                s.reserved += head.bytes
                out.append(head)
            }
            return out
        }
        for t in admitted { t.resolve(true) }
    }

    /// Takes a queued run out of the queue (it was cancelled). False if it was admitted
    /// meanwhile: the caller then owns its bytes and must release them.
    func withdraw(_ ticket: Ticket) -> Bool {
        let removed = state.withLock { s -> Bool in
            guard let i = s.queue.firstIndex(where: { $0 === ticket }) else { return false }
            s.queue.remove(at: i)
            return true
        }
        if removed { ticket.resolve(false) }
        return removed
    }

    var queued: Int { state.withLock { $0.queue.count } }
    var reserved: Int { state.withLock { $0.reserved } }

    /// A queued run's place: resolved true when admitted, false when withdrawn.
    final class Ticket: Sendable {
        let bytes: Int
        private enum Phase {
            case waiting(CheckedContinuation<Bool, Never>?)
            case resolved(Bool)
        }
        private let phase = Mutex(Phase.waiting(nil))

        init(bytes: Int) { self.bytes = bytes }

        fileprivate func resolve(_ admitted: Bool) {
            let waiter = phase.withLock { p -> CheckedContinuation<Bool, Never>? in
                guard case .waiting(let c) = p else { return nil }
                p = .resolved(admitted)
                return c
            }
            waiter?.resume(returning: admitted)
        }

        /// Waits until the run is admitted (true) or withdrawn (false).
        func admitted() async -> Bool {
            await withCheckedContinuation { c in
                let now = phase.withLock { p -> Bool? in
                    switch p {
                    case .resolved(let r): return r
                    case .waiting:
                        p = .waiting(c)
                        return nil
                    }
                }
                if let now { c.resume(returning: now) }
            }
        }
    }
}

/// How many runs may interpret at once (`ServerSettings.cpuSlots`). A run holds a slot while
/// its code runs and gives it up while it waits in a host call, so suspended runs cost memory
/// only. Waiters are served in order.
final class CPUSlots: Sendable {
    private struct State {
        var free: Int
        var waiters = Deque<CheckedContinuation<Void, Never>>()
    }
    private let state: Mutex<State>
    let count: Int

    init(_ count: Int) {
        self.count = count
        state = Mutex(State(free: count))
    }

    func acquire() async {
        let immediate = state.withLock { s -> Bool in
            if s.free > 0 {
                s.free -= 1
                return true
            }
            return false
        }
        if immediate { return }
        await withCheckedContinuation { c in
            let now = state.withLock { s -> Bool in
                // A slot may have come free between the two locks.
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Gives the slot to the first waiter, or frees it.
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.waiters.popFirst() { return c }
            s.free += 1
            return nil
        }
        next?.resume()
    }

    var waiting: Int { state.withLock { $0.waiters.count } }
}
