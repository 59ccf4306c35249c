import CorralStore
import Foundation
import Testing

@testable import CorralCLI

/// `corral run --policy`: the policy grants what the agent loads, caps the budget, and its
/// mistakes and refusals end the run before it starts (exit 2), with where and why.
@Suite struct PolicyRunTests {
    let agent = """
        load("@kv", "get", "put")
        load("@log", "info")

        def main(input):
            put("count", get("count", 0) + input)
            info("counted", {"by": input})
            return get("count")
        """

    func files(policy: String) throws -> String {
        let dir = temporaryPath("policy")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try agent.write(toFile: dir + "/agent.star", atomically: true, encoding: .utf8)
        try policy.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func grantedCapabilitiesRunAndLogToStderr() async throws {
        let dir = try files(policy: "capabilities:\n  kv: {functions: [get, put]}\n  log: {functions: [info]}\n")
        let r = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--input", "3"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "3")
        #expect(r.err == #"log: info: counted {"by": 3}"#)
    }

    @Test func withoutAPolicyNothingIsGranted() async throws {
        let dir = try files(policy: "")
        let r = await runCLI(["run", dir + "/agent.star"])
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("corral: link-error: \(dir)/agent.star: the policy does not grant what the agent imports: kv.put: the policy grants nothing of kv; kv.get: the policy grants nothing of kv; log.info: the policy grants nothing of log"))
        #expect(r.err.hasSuffix("(no --policy given)"))
    }

    @Test func anUngrantedFunctionIsALinkError() async throws {
        let dir = try files(policy: "capabilities:\n  kv: {functions: [get]}\n  log: {functions: [info]}\n")
        let r = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml"])
        #expect(r.code == 2)
        #expect(r.err == "corral: link-error: \(dir)/agent.star: the policy does not grant what the agent imports: kv.put: kv grants get only")
    }

    @Test func aBadPolicyIsAPolicyErrorWithItsPlace() async throws {
        let dir = try files(policy: "capabilities:\n  kv:\n    functions: [get, put]\n    quota: {calls: many}\n")
        let r = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml"])
        #expect(r.code == 2)
        #expect(r.err == "corral: policy-error: \(dir)/policy.yaml:4:20: capabilities.kv.quota.calls: want a whole number of at least 0")
    }

    @Test func aDeniedCallTrapsWithItsRule() async throws {
        let dir = try files(policy: "capabilities:\n  kv:\n    functions: [get, put]\n    arguments:\n      put: {value: {max: 2}}\n  log: {functions: [info]}\n")
        let r = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--input", "5"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("corral: capability-denied: kv.put: policy: argument value = 5 is above the maximum 2\n  at main (\(dir)/agent.star:5:5)"))
    }

    @Test func thePolicyBudgetCapsTheFlags() async throws {
        let dir = try files(policy: "budget: {fuel: 100}\ncapabilities:\n  kv: {functions: [get, put]}\n  log: {functions: [info]}\n")
        let r = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--fuel", "1000000", "--input", "1"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("corral: out-of-fuel:"))
    }

    @Test func runsRecordedInTheStoreAndTheirAudit() async throws {
        let dir = try files(policy: "capabilities:\n  kv: {functions: [get, put]}\n  log: {functions: [info]}\n")
        let db = dir + "/corral.db"
        let first = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--db", db, "--input", "2"])
        #expect(first.code == 0)
        let second = await runCLI(["run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--db", db, "--input", "3"])
        // kv lives in the file: the second run sees the first run's count.
        #expect(second.out == "5")
        let id = try #require(second.err.split(separator: "\n").last.flatMap { $0.hasPrefix("run: ") ? String($0.dropFirst(5)) : nil })
        let audit = await runCLI(["audit", id, "--db", db])
        #expect(audit.code == 0)
        let lines = audit.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "run \(id) agent agent: returned, fuel 3158, 4 host calls")
        let calls = lines.dropFirst().map { $0.components(separatedBy: "  ").prefix(4).joined(separator: "  ") }
        #expect(calls == ["1  kv.get  ok  fuel 1003", "2  kv.put  ok  fuel 1003", "3  log.info  ok  fuel 106", "4  kv.get  ok  fuel 1002"])
        let store = try Store(path: db)
        #expect(try await store.run(id)?.agentVersion == 1)
        #expect(try await store.agentVersions("agent").count == 1)
        let missing = await runCLI(["audit", "nope", "--db", db])
        #expect(missing.code == 2)
        #expect(missing.err == "corral: not-found: no run nope in \(db)")
    }
}
