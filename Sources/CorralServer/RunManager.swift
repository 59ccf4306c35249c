import CorralHost
import CorralStore
import CorralVM
import Foundation
import Logging
import Synchronization

/// Starts, runs, cancels and drains tenants' runs. A run is admitted by memory (`Admission`),
/// interprets only while it holds a CPU slot (`CPUSlots`), is recorded in the store before
/// its first instruction and when it ends, and has every host call audited there.
final class RunManager: Sendable {
    let store: Store
    let settings: ServerSettings
    let metrics: ServerMetrics
    let admission: Admission
    let slots: CPUSlots
    let logger: Logger

    private struct Runs {
        var live: [String: LiveRun] = [:]
        var draining = false
    }
    private let runs = Mutex(Runs())
    private let sandboxes = Atomic<Int>(0)
    private let inHostCalls = Atomic<Int>(0)

    /// The stats of a run that never got a sandbox.
    static let nothingUsed = RunStats(fuel: 0, memoryPeak: 0, wallNanoseconds: 0, hostCalls: 0, collections: 0)

    init(store: Store, settings: ServerSettings, metrics: ServerMetrics, logger: Logger) {
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        admission = Admission(capacity: settings.admissionMemory, maxQueued: settings.maxQueuedRuns)
        slots = CPUSlots(settings.cpuSlots)
    }

    var isDraining: Bool { runs.withLock { $0.draining } }
    var liveCount: Int { runs.withLock { $0.live.count } }

    func live(_ id: String) -> LiveRun? { runs.withLock { $0.live[id] } }

    /// Admits and starts a run of `agent`, or refuses it: 503 while draining, 429 when the
    /// queue is full. The run is in the store (`queued` or `running`) when this returns.
    func start(_ agent: LoadedAgent, tenant: String, input: HostValue, inputJSON: String) async throws(APIError) -> LiveRun {
        let budget = settings.budget(for: agent.policy)
        let id = UUID().uuidString.lowercased()
        let started = Date().timeIntervalSince1970
        var refusal: APIError?
        let run = runs.withLock { r -> LiveRun? in
            if r.draining {
                refusal = APIError(.serviceUnavailable, "draining", "the server is shutting down and admits no new runs", retryAfter: 5)
                return nil
            }
            let ticket: Admission.Ticket?
            switch admission.request(budget.memory) {
            case .admitted: ticket = nil
            case .queued(let t): ticket = t
            case .refused:
                refusal = APIError(
                    .tooManyRequests, "queue-full",
                    "the server is at its memory share and \(admission.maxQueued) runs are waiting; retry later", retryAfter: 1)
                return nil
            }
            let run = LiveRun(
                start: RunRecord(
                    id: id, tenant: tenant, agent: agent.record.name, agentVersion: agent.record.version,
                    status: ticket == nil ? .running : .queued, input: inputJSON, started: started),
                ticket: ticket)
            r.live[id] = run
            return run
        }
        guard let run else {
            metrics.admissionRefused(refusal!.code)
            throw refusal!
        }
        metrics.queueLength.record(admission.queued)
        do {
            try await store.startRun(
                id: id, tenant: tenant, agent: agent.record.name, agentVersion: agent.record.version, input: inputJSON,
                started: started, status: run.isQueued ? .queued : .running)
        } catch {
            // Give the admission back: a run still in the queue leaves it; one admitted (at once,
            // or from the queue meanwhile) returns its bytes.
            let withdrawn = run.ticket.map { admission.withdraw($0) } ?? false
            if !withdrawn { admission.release(budget.memory) }
            runs.withLock { _ = $0.live.removeValue(forKey: id) }
            var failed = run.snapshot.0
            failed.status = .interrupted
            run.markDone(failed, log: [])
            throw APIError(.serviceUnavailable, "store-error", "the run could not be recorded: \(error)", retryAfter: 5)
        }
        Task { await self.execute(run, agent, budget: budget, input: input) }
        return run
    }

    /// Waits for admission if queued, runs the agent, records the end.
    private func execute(_ run: LiveRun, _ agent: LoadedAgent, budget: Budget, input: HostValue) async {
        let lines = RunLog()
        if run.isQueued {
            let admitted = await run.waitAdmitted()
            metrics.queueLength.record(admission.queued)
            guard admitted else {
                let trap = Trap(.cancelled, run.stop == .interrupted ? "the server shut down while the run was queued" : "the run was cancelled while queued")
                await finish(run, agent: agent, outcome: .trapped(trap), stats: RunManager.nothingUsed, lines: lines)
                return
            }
            do { try await store.markRunning(id: run.id) } catch { logger.error("store: \(error)", metadata: ["run": "\(run.id)"]) }
        }
        defer { admission.release(budget.memory) }
        await slots.acquire()
        let context = RunContext(
            runID: run.id, agent: run.tenant + "/" + agent.record.name, policy: agent.policy,
            audit: CountingAudit(store: store, metrics: metrics), kv: store, log: { lines.log($0) }, native: agent.native)
        let gate = CapabilityGate(context: context)
        let outcome: Sandbox.Outcome
        var stats = RunManager.nothingUsed
        do {
            let functions = try Linker.link(agent.module, policy: agent.policy, gate: gate).map(releasingSlot)
            let sandbox = try Sandbox(module: agent.module, budget: budget, hostFunctions: functions, print: { lines.print($0) })
            metrics.liveSandboxes.record(sandboxes.add(1, ordering: .relaxed).newValue)
            run.attach(sandbox)
            var o = await sandbox.initialize()
            if case .returned = o, agent.hasMain { o = await sandbox.call("main", [input]) }
            outcome = o
            stats = sandbox.stats
            metrics.liveSandboxes.record(sandboxes.subtract(1, ordering: .relaxed).newValue)
        } catch {
            // The agent was linked against its policy when it was stored, so this is not
            // expected; should it happen, the run traps and the server goes on.
            outcome = .trapped(Trap(.capabilityDenied, "link: \(error)"))
        }
        slots.release()
        await finish(run, agent: agent, outcome: outcome, stats: stats, lines: lines)
    }

    /// Records the run's end, counts it and wakes its waiters.
    private func finish(_ run: LiveRun, agent: LoadedAgent, outcome: Sandbox.Outcome, stats: RunStats, lines: RunLog) async {
        let interrupted = run.stop == .interrupted
        var result: String?
        var trap = outcome.trap
        if let value = outcome.value {
            do { result = try HostValueJSON.encode(value) } catch {
                trap = Trap(.runtimeError, "main's result is not JSON: \(error)")
            }
        }
        let log = lines.all
        var record = run.snapshot.0
        record.status = .ended(trap: trap, interrupted: interrupted)
        record.result = result
        record.trapReason = trap?.reason.rawValue
        record.trapMessage = trap?.message
        record.fuel = stats.fuel
        record.memoryPeak = stats.memoryPeak
        record.hostCalls = stats.hostCalls
        record.finished = Date().timeIntervalSince1970
        record.wallMilliseconds = Double(stats.wallNanoseconds) / 1e6
        do {
            try await store.finishRun(
                id: run.id, result: result, trap: trap, stats: stats, log: log, finished: record.finished!, interrupted: interrupted)
        } catch {
            // The row stays `running`; the next start records it `interrupted`.
            logger.error("store: the end of a run was not recorded: \(error)", metadata: ["run": "\(run.id)"])
        }
        metrics.runFinished(
            outcome: record.status.rawValue, reason: trap?.reason.rawValue ?? "none",
            fuel: stats.fuel, duration: ContinuousClock.now - run.began)
        runs.withLock { _ = $0.live.removeValue(forKey: run.id) }
        metrics.queueLength.record(admission.queued)
        run.markDone(record, log: log)
    }

    /// A host function that gives up the run's CPU slot while it waits, and takes one back
    /// before the run goes on.
    private func releasingSlot(_ f: HostFunction) -> HostFunction {
        var out = f
        let body = f.body, slots = self.slots
        out.body = { [self] call in
            slots.release()
            metrics.suspendedRuns.record(inHostCalls.add(1, ordering: .relaxed).newValue)
            defer { metrics.suspendedRuns.record(inHostCalls.subtract(1, ordering: .relaxed).newValue) }
            do {
                let answer = try await body(call)
                await slots.acquire()
                return answer
            } catch {
                await slots.acquire()
                throw error
            }
        }
        return out
    }

    /// Cancels a tenant's run. Nil if it is not live (finished, or never existed).
    func cancel(_ id: String, tenant: String) -> LiveRun? {
        guard let run = live(id), run.tenant == tenant else { return nil }
        return run.requestStop(.cancelled, admission: admission) ? run : nil
    }

    /// Shutdown: admits nothing more, stops queued runs at once, gives running ones `grace`
    /// to finish, then cancels them; every one is recorded (`interrupted` if stopped) before
    /// this returns, or after at most 10 s more.
    func drain(grace: Duration) async {
        let queued = runs.withLock { r -> [LiveRun] in
            r.draining = true
            return r.live.values.filter(\.isQueued)
        }
        logger.info("draining", metadata: ["live": "\(liveCount)", "queued": "\(queued.count)", "grace": "\(grace)"])
        for run in queued { run.requestStop(.interrupted, admission: admission) }
        await waitForNoLiveRuns(upTo: grace)
        let left = runs.withLock { Array($0.live.values) }
        if !left.isEmpty {
            logger.warning("grace period over: interrupting runs", metadata: ["runs": "\(left.count)"])
            for run in left { run.requestStop(.interrupted, admission: admission) }
            await waitForNoLiveRuns(upTo: .seconds(10))
        }
        logger.info("drained", metadata: ["live": "\(liveCount)"])
    }

    private func waitForNoLiveRuns(upTo limit: Duration) async {
        let end = ContinuousClock.now + limit
        while liveCount > 0 && ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
