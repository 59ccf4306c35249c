import Foundation
import HTTPTypes
import Testing

@testable import CorralServer

/// A tenant never sees, runs, cancels or reads the audit or kv of another tenant's agents:
/// every route is tried with the other tenant's key, and answers as if the thing did not exist.
@Suite struct TenantIsolationTests {
    @Test func everyRouteRefusesAnotherTenant() async throws {
        let h = try await ServiceHarness.make()
        try await h.test { c in
            try await c.putAgent("hello", source: Agents.hello, key: h.acme)
            try await c.putAgent("spin", source: Agents.spin, policy: Agents.spinPolicy, key: h.acme)
            let done = try await c.run("hello", input: "1", key: h.acme)
            let doneID = try #require(done["id"] as? String)
            let spinning = try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}")
            #expect(spinning.status == 202)
            let spinID = try #require(spinning["id"] as? String)

            // The other tenant: every route answers 404 not-found.
            for (method, uri, body) in [
                (.get, "/v1/agents/hello", nil), (.delete, "/v1/agents/hello", nil),
                (.post, "/v1/agents/hello/runs?wait=5", "{}"), (.get, "/v1/runs/\(doneID)", nil),
                (.get, "/v1/runs/\(doneID)/audit", nil), (.delete, "/v1/runs/\(spinID)", nil), (.get, "/v1/runs/\(spinID)", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                let a = try await c.call(method, uri, key: h.other, body: body)
                #expect(a.status == 404 && a.code == "not-found", "\(method) \(uri) as the other tenant: \(a.status) \(a.text)")
            }
            // The spinning run was not cancelled by the other tenant; its owner can.
            let cancel = try await c.call(.delete, "/v1/runs/\(spinID)", key: h.acme)
            #expect(cancel.status == 202)
            // The owner still has its agent.
            #expect(try await c.call(.get, "/v1/agents/hello", key: h.acme).status == 200)
        }
    }

    @Test func sameNamedAgentsAndTheirKVAreSeparate() async throws {
        let h = try await ServiceHarness.make()
        try await h.test { c in
            try await c.putAgent("keeper", source: Agents.kv, policy: Agents.kvPolicy, key: h.acme)
            try await c.putAgent("keeper", source: Agents.kv, policy: Agents.kvPolicy, key: h.other)
            // acme stores "a"; other's agent of the same name does not see it.
            #expect(try await c.run("keeper", input: "\"a\"", key: h.acme)["result"] is NSNull)
            #expect(try await c.run("keeper", input: "\"b\"", key: h.other)["result"] is NSNull)
            #expect(try await c.run("keeper", input: "\"c\"", key: h.acme)["result"] as? String == "a")
            #expect(try await c.run("keeper", input: "\"d\"", key: h.other)["result"] as? String == "b")
            // Deleting one tenant's agent leaves the other's.
            #expect(try await c.call(.delete, "/v1/agents/keeper", key: h.acme).status == 204)
            #expect(try await c.call(.get, "/v1/agents/keeper", key: h.acme).status == 404)
            #expect(try await c.call(.get, "/v1/agents/keeper", key: h.other).status == 200)
        }
    }
}
