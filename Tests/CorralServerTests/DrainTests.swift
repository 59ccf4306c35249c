import CorralStore
import Foundation
import Testing

@testable import CorralServer

/// Shutdown: readiness turns 503, new runs are refused, running ones get the grace period
/// and are then interrupted and recorded; runs that ended stay as they were.
@Suite struct DrainTests {
    @Test func drainInterruptsWhatOutlivesTheGrace() async throws {
        let h = try await ServiceHarness.make { $0.drainGrace = .milliseconds(300) }
        try await h.test { c in
            try await c.putAgent("hello", source: Agents.hello, key: h.acme)
            try await c.putAgent("spin", source: Agents.spin, policy: Agents.spinPolicy, key: h.acme)
            let done = try await c.run("hello", key: h.acme)
            let spin = try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}")
            let spinID = try #require(spin["id"] as? String)
            let began = ContinuousClock.now
            let drain = Task { await h.service.drain() }
            while !h.service.runs.isDraining { await Task.yield() }
            let ready = try await c.call(.get, "/readyz", key: nil)
            #expect(ready.status == 503 && ready.code == "draining")
            let refused = try await c.call(.post, "/v1/agents/hello/runs", key: h.acme, body: "{}")
            #expect(refused.status == 503 && refused.code == "draining")
            await drain.value
            #expect(ContinuousClock.now - began >= .milliseconds(300))
            let record = try #require(try await h.store.run(spinID))
            #expect(record.status == .interrupted)
            #expect(record.trapReason == "cancelled")
            #expect(try await h.store.run(done["id"] as! String)?.status == .returned)
        }
    }
}
