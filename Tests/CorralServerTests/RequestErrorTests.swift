import Foundation
import Testing

@testable import CorralServer

/// Bad requests get a 4xx with a JSON error that names the problem.
@Suite struct RequestErrorTests {
    @Test func keys() async throws {
        let h = try await ServiceHarness.make()
        try await h.test { c in
            let missing = try await c.call(.get, "/v1/agents/hello", key: nil)
            #expect(missing.status == 401 && missing.code == "missing-key")
            let unknown = try await c.call(.get, "/v1/agents/hello", key: "crl_" + String(repeating: "0", count: 64))
            #expect(unknown.status == 401 && unknown.code == "unknown-key")
            let malformed = try await c.client.execute(uri: "/v1/agents/hello", method: .get, headers: [.authorization: "Basic abc"])
            #expect(malformed.status.code == 401)
            // Health, readiness and metrics need no key.
            #expect(try await c.call(.get, "/healthz", key: nil).status == 200)
            #expect(try await c.call(.get, "/readyz", key: nil).status == 200)
            #expect(try await c.call(.get, "/metrics", key: nil).status == 200)
        }
    }

    @Test func bodiesAndNames() async throws {
        let h = try await ServiceHarness.make { $0.maxRequestBodyBytes = 1024 }
        try await h.test { c in
            try await c.putAgent("hello", source: Agents.hello, key: h.acme)
            let cases: [(String, String, String, Int, String, String)] = [
                // method, uri, body, status, code, words the message has
                ("POST", "/v1/agents/hello/runs", "{\"input\": [1, 2", 400, "bad-json", "end of input"),
                ("POST", "/v1/agents/hello/runs", "[1]", 400, "bad-body", "JSON object"),
                ("POST", "/v1/agents/hello/runs", "{\"inptu\": 1}", 400, "bad-body", "unknown field \"inptu\""),
                ("POST", "/v1/agents/hello/runs?wait=abc", "{}", 400, "bad-wait", "0 to 60"),
                ("POST", "/v1/agents/hello/runs?wait=61", "{}", 400, "bad-wait", "0 to 60"),
                ("POST", "/v1/agents/nobody/runs", "{}", 404, "not-found", "no agent named \"nobody\""),
                ("POST", "/v1/agents/hello/runs", "{\"input\": \"" + String(repeating: "x", count: 2000) + "\"}", 413, "body-too-large", "over the limit"),
                ("PUT", "/v1/agents/-bad", "{\"source\": \"x = 1\"}", 400, "bad-name", "must be 1 to 64"),
                ("PUT", "/v1/agents/" + String(repeating: "a", count: 65), "{\"source\": \"x = 1\"}", 400, "bad-name", "must be 1 to 64"),
                ("PUT", "/v1/agents/a", "{}", 400, "bad-body", "give the agent's source"),
                ("PUT", "/v1/agents/a", "{\"source\": 1}", 400, "bad-body", "source must be a string"),
                ("PUT", "/v1/agents/a", "{\"source\": \"x\", \"module\": \"AA==\"}", 400, "bad-body", "not both"),
                ("PUT", "/v1/agents/a", "{\"module\": \"not base64!\"}", 400, "bad-body", "base64"),
                ("PUT", "/v1/agents/a", "{\"module\": \"AAAA\"}", 400, "malformed-module", "a:"),
                ("PUT", "/v1/agents/a", "{\"source\": \"def main(:\\n  pass\"}", 400, "syntax-error", "a.star:1:"),
                ("PUT", "/v1/agents/a", "{\"source\": \"load('lib.star', 'f')\"}", 400, "resolve-error", "a.star:1:1: cannot load \"lib.star\": an uploaded agent is one file"),
                ("PUT", "/v1/agents/a", "{\"source\": \"x = 1\", \"policy\": \"budget: {fule: 1}\"}", 400, "policy-error", "unknown key \"fule\""),
                ("PUT", "/v1/agents/a", "{\"source\": \"load('@kv', 'put')\\nput('k', 1)\", \"policy\": \"\"}", 400, "link-error", "kv.put"),
                ("PUT", "/v1/agents/a", "{\"source\": \"x = 1\", \"policy_ref\": \"refund\"}", 400, "unknown-policy", "no policies directory"),
                ("GET", "/v1/runs/nope", "", 404, "not-found", "no run \"nope\""),
                ("GET", "/v1/nothing", "", 404, "not-found", "no route"),
            ]
            for (method, uri, body, status, code, words) in cases {
                let a = try await c.call(.init(method)!, uri, key: h.acme, body: body.isEmpty ? nil : body)
                #expect(a.status == status && a.code == code && a.message.contains(words), "\(method) \(uri): \(a.status) \(a.text)")
            }
        }
    }

    /// A tenant's own policy may not bind native code: only the operator's (policy_ref) may.
    @Test func nativeBindingsOnlyFromTheOperatorsPolicies() async throws {
        let h = try await ServiceHarness.make()
        let policy = """
            capabilities:
              native:
                functions:
                  add: {library: /usr/lib/x86_64-linux-gnu/libc.so.6, symbol: labs, signature: "int64(int64)"}
            """
        try await h.test { c in
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["source": "load('@native', 'add')", "policy": policy]), as: UTF8.self)
            let a = try await c.call(.put, "/v1/agents/nat", key: h.acme, body: body)
            #expect(a.status == 400 && a.code == "policy-error" && a.message.contains("operator's policies"), "\(a.text)")
        }
    }
}
