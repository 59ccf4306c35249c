import CorralCompiler
import CorralHost
import CorralVM
import Foundation
import Testing

/// Compiles an agent, links it under a policy through a gate, and runs `main(input)`: the
/// path `corral run --policy` takes, with the run's audit, `kv` and log lines kept for the
/// test to look at.
struct HostRun {
    let audit = MemoryAudit()
    let kv = MemoryKV()
    let lines = RunLog()
    var seed: UInt64 = 7
    var clock: @Sendable () -> Double = { 1_700_000_000.5 }

    struct Finished {
        var outcome: Sandbox.Outcome
        var sandbox: Sandbox
        var result: HostValue? { if case .returned(let v) = outcome { return v } else { return nil } }
        var trap: Trap? { outcome.trap }
    }

    func context(_ policy: Policy, agent: String = "agent") -> RunContext {
        let lines = self.lines
        return RunContext(
            runID: "run-1", agent: agent, policy: policy, audit: audit, kv: kv, log: { lines.log($0) }, clock: clock,
            random: RandomSource(seed: seed))
    }

    func module(_ source: String) throws -> ValidatedModule {
        try ValidatedModule.load(try StarlarkCompiler.compileBytes(source, file: "agent.star"))
    }

    /// Links and runs; a link refusal is thrown.
    func run(_ source: String, policy: Policy, input: HostValue = .none, budget: Budget = Budget(fuel: 10_000_000, memory: 16 << 20)) async throws -> Finished {
        let module = try module(source)
        let gate = CapabilityGate(context: context(policy))
        let functions = try Linker.link(module, policy: policy, gate: gate)
        let sandbox = try Sandbox(module: module, budget: policy.budget.capping(budget), hostFunctions: functions, print: { _ in })
        var outcome = await sandbox.initialize()
        if case .returned = outcome {
            outcome = await sandbox.call("main", [input])
        }
        return Finished(outcome: outcome, sandbox: sandbox)
    }
}
