import CorralHost
import CorralStore
import CorralVM
import Synchronization

/// A run the service holds in memory while it is queued or running: what `DELETE
/// /v1/runs/{id}`, `?wait=` and the drain at shutdown reach. Once it ends, the store alone has
/// it.
final class LiveRun: Sendable {
    let id: String
    let tenant: String
    let began = ContinuousClock.now
    /// The run as recorded when it started (`queued` or `running`).
    private let start: RunRecord

    /// Why the service stops a run before it ends by itself.
    enum Stop: Sendable {
        /// `DELETE /v1/runs/{id}`: recorded `trapped` with reason `cancelled`.
        case cancelled
        /// Shutdown: recorded `interrupted`.
        case interrupted
    }

    private struct State {
        var sandbox: Sandbox?
        var ticket: Admission.Ticket?
        var stop: Stop?
        /// How it ended, as recorded, with its log lines: the answer to `?wait=` without
        /// reading it back from the store.
        var ending: (RunRecord, [LogLine])?
        var waiters: [Int: (CheckedContinuation<Void, Never>, Task<Void, Never>?)] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())

    init(start: RunRecord, ticket: Admission.Ticket?) {
        self.start = start
        id = start.id
        tenant = start.tenant
        state.withLock { $0.ticket = ticket }
    }

    /// The run now: how it ended, or its start record with status `queued` or `running`.
    var snapshot: (RunRecord, [LogLine]) {
        state.withLock { s in
            if let ending = s.ending { return ending }
            var r = start
            r.status = s.ticket != nil ? .queued : .running
            return (r, [])
        }
    }

    var stop: Stop? { state.withLock { $0.stop } }
    var ticket: Admission.Ticket? { state.withLock { $0.ticket } }

    /// For a queued run: waits until it is admitted (true) or taken out of the queue (false).
    func waitAdmitted() async -> Bool {
        guard let ticket else { return true }
        return await ticket.admitted()
    }
    /// Waiting for admission: it has a ticket until it has a sandbox.
    var isQueued: Bool { state.withLock { $0.ticket != nil } }

    /// The run has a sandbox now; a stop asked for earlier reaches it at once.
    func attach(_ sandbox: Sandbox) {
        let stopNow = state.withLock { s -> Bool in
            s.sandbox = sandbox
            s.ticket = nil
            return s.stop != nil
        }
        if stopNow { sandbox.cancel() }
    }

    /// Asks the run to stop: a queued one leaves the queue, a running one is cancelled at its
    /// next block or host call. False if it has ended already. The first reason asked for is
    /// the one recorded.
    @discardableResult
    func requestStop(_ reason: Stop, admission: Admission) -> Bool {
        let (sandbox, ticket, live) = state.withLock { s -> (Sandbox?, Admission.Ticket?, Bool) in
            if s.ending != nil { return (nil, nil, false) }
            if s.stop == nil { s.stop = reason }
            return (s.sandbox, s.ticket, true)
        }
        if let ticket { _ = admission.withdraw(ticket) }
        sandbox?.cancel()
        return live
    }

    /// The run has ended and is recorded as `record`: wakes everyone waiting for it.
    func markDone(_ record: RunRecord, log: [LogLine]) {
        let waiters = state.withLock { s -> [(CheckedContinuation<Void, Never>, Task<Void, Never>?)] in
            s.ending = (record, log)
            s.sandbox = nil
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for (c, timer) in waiters {
            timer?.cancel()
            c.resume()
        }
    }

    /// Returns when the run has ended and is recorded, or after `timeout`, whichever is first.
    func waitDone(timeout: Duration) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let token = state.withLock { s -> Int? in
                if s.ending != nil { return nil }
                let token = s.nextWaiter
                s.nextWaiter += 1
                s.waiters[token] = (c, nil)
                return token
            }
            guard let token else {
                c.resume()
                return
            }
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.timeOut(token)
            }
            state.withLock { s in
                if s.waiters[token] != nil { s.waiters[token]?.1 = timer } else { timer.cancel() }
            }
        }
    }

    private func timeOut(_ token: Int) {
        let waiter = state.withLock { s in s.waiters.removeValue(forKey: token) }
        waiter?.0.resume()
    }
}
