import CorralHost
import CorralStore
import Foundation
import Testing

@testable import CorralServer

/// Runs through the API: results and traps recorded, fuel exact, cancel, audit, metrics.
@Suite struct RunLifecycleTests {
    @Test func aRunReturnsItsResultWithExactFuel() async throws {
        let h = try await ServiceHarness.make()
        try await h.test { c in
            let put = try await c.putAgent("hello", source: Agents.hello, key: h.acme)
            #expect(put["version"] as? Int == 1)
            // The same content again keeps its version; new content makes version 2.
            #expect(try await c.putAgent("hello", source: Agents.hello, key: h.acme)["version"] as? Int == 1)
            let a = try await c.run("hello", input: "[1, \"two\"]", key: h.acme)
            #expect(a.status == 200)
            #expect(a["status"] as? String == "returned")
            #expect((a["result"] as? [String: Any])?["hi"] as? [AnyHashable] == [1, "two"])
            #expect(a["fuel"] as? Int == 11)
            #expect(a["agent_version"] as? Int == 1)
            #expect(a.headers[.location] == "/v1/runs/\(a["id"] as? String ?? "")")
            // The run is in the store as the API said.
            let record = try #require(try await h.store.run(a["id"] as! String))
            #expect(record.status == .returned && record.fuel == 11 && record.result == "{\"hi\": [1, \"two\"]}")
            // Without wait, the run as it is when the answer is written: 202 while it is queued
            // or running, 200 if it has already ended; GET finds it ended soon after.
            let later = try await c.call(.post, "/v1/agents/hello/runs", key: h.acme, body: "{\"input\": 3}")
            #expect(later.status == (["queued", "running"].contains(later["status"] as? String) ? 202 : 200))
            let id = try #require(later["id"] as? String)
            var status = ""
            for _ in 0..<200 where status != "returned" {
                status = try await c.call(.get, "/v1/runs/\(id)", key: h.acme)["status"] as? String ?? ""
                if status != "returned" { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(status == "returned")
        }
    }

    @Test func trapsPrintsAndTheAuditAreRecorded() async throws {
        let h = try await ServiceHarness.make()
        let source = """
            load("@log", "info")
            def main(input):
                print("starting", input)
                info("checked", {"n": input})
                return 1 // input
            """
        try await h.test { c in
            try await c.putAgent("div", source: source, policy: "capabilities:\n  log:\n    functions: [info]\n", key: h.acme)
            let ok = try await c.run("div", input: "2", key: h.acme)
            #expect(ok["status"] as? String == "returned")
            let log = try #require(ok["log"] as? [[String: Any]])
            #expect(log.map { $0["level"] as? String } == ["print", "info"])
            #expect(log.first?["message"] as? String == "starting 2")
            let trapped = try await c.run("div", input: "0", key: h.acme)
            #expect(trapped["status"] as? String == "trapped")
            let trap = try #require(trapped["trap"] as? [String: Any])
            #expect(trap["reason"] as? String == "runtime-error")
            #expect((trap["message"] as? String ?? "").contains("division by zero"))
            let audit = try await c.call(.get, "/v1/runs/\(trapped["id"] as! String)/audit", key: h.acme)
            let entries = try #require(audit["entries"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["capability"] as? String == "log" && entries.first?["outcome"] as? String == "ok")
            // The metrics count both runs and the host calls.
            let metrics = try await c.call(.get, "/metrics", key: nil).text
            #expect(metrics.contains("corral_runs_total{outcome=\"returned\",reason=\"none\"} 1"))
            #expect(metrics.contains("corral_runs_total{outcome=\"trapped\",reason=\"runtime-error\"} 1"))
            #expect(metrics.contains("corral_host_calls_total{capability=\"log\",outcome=\"ok\"} 2"))
        }
    }

    @Test func cancelStopsARunningRun() async throws {
        let h = try await ServiceHarness.make()
        try await h.test { c in
            try await c.putAgent("spin", source: Agents.spin, policy: Agents.spinPolicy, key: h.acme)
            let started = try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}")
            let id = try #require(started["id"] as? String)
            #expect(try await c.call(.delete, "/v1/runs/\(id)", key: h.acme).status == 202)
            let run = h.service.runs.live(id)
            await run?.waitDone(timeout: .seconds(10))
            let after = try await c.call(.get, "/v1/runs/\(id)", key: h.acme)
            #expect(after["status"] as? String == "trapped")
            #expect((after["trap"] as? [String: Any])?["reason"] as? String == "cancelled")
            // A run that has ended cannot be cancelled.
            let again = try await c.call(.delete, "/v1/runs/\(id)", key: h.acme)
            #expect(again.status == 409 && again.code == "run-finished")
        }
    }

    /// The policy's budget is the run's, capped by what the pod has.
    @Test func budgetsAreCappedByThePod() async throws {
        var settings = ServerSettings()
        settings.limits = PodLimits(memoryBytes: 100 << 20, cpus: 0.5, memorySource: "test", cpuSource: "test")
        settings.memoryShare = 0.5
        #expect(settings.admissionMemory == 50 << 20)
        #expect(settings.cpuSlots == 1)
        let big = try Policy(yaml: "budget: {memory: 1GiB, timeout: 1h, fuel: 5}\n")
        let b = settings.budget(for: big)
        #expect(b.memory == 50 << 20 && b.timeout == .seconds(300) && b.fuel == 5)
        let none = settings.budget(for: .denyAll)
        #expect(none == settings.defaultBudget)
    }
}
