import Foundation
import Testing

@testable import CorralServer

/// A tenant's own policy cannot reach inside: naming a loopback, private or link-local host
/// grants it only in the operator's policies (`--policies`, `policy_ref`).
@Suite struct OperatorPolicyTests {
    static let agent = """
        load("@http", "get")
        def main(input):
            return get("http://127.0.0.1:9/inside")["status"]
        """
    static let policy = """
        capabilities:
          http:
            functions: [get]
            hosts: [127.0.0.1]
            schemes: [http]
            ports: [9]
            timeout: 2s
        """

    @Test func onlyTheOperatorsPoliciesMayNameInternalHosts() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corral-policies-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.policy.write(toFile: dir + "/inside.yaml", atomically: true, encoding: .utf8)
        let h = try await ServiceHarness.make { $0.policiesDirectory = dir }
        try await h.test { c in
            try await c.putAgent("tenant-policy", source: Self.agent, policy: Self.policy, key: h.acme)
            let refused = try await c.run("tenant-policy", key: h.acme)
            let trap = try #require(refused["trap"] as? [String: Any])
            #expect(trap["reason"] as? String == "capability-denied")
            #expect((trap["message"] as? String ?? "").contains("127.0.0.1 is a loopback address, which only the operator's policies may grant"))

            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["source": Self.agent, "policy_ref": "inside"]), as: UTF8.self)
            let put = try await c.call(.put, "/v1/agents/operator-policy", key: h.acme, body: body)
            #expect(put.status == 200 && put["policy_ref"] as? String == "inside")
            // The gate lets the call through; nothing listens on port 9, so it fails there.
            let allowed = try await c.run("operator-policy", key: h.acme)
            #expect((allowed["trap"] as? [String: Any])?["reason"] as? String == "host-error", "\(allowed.text)")
            let unknown = try await c.call(.put, "/v1/agents/x", key: h.acme, body: "{\"source\": \"x = 1\", \"policy_ref\": \"nope\"}")
            #expect(unknown.status == 400 && unknown.code == "unknown-policy")
        }
    }
}
