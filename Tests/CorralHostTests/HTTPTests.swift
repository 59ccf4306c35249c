@testable import CorralHost
import CorralVM
import Foundation
import NIOHTTP1
import Testing

/// URLs that try to trick the check, each refused with its reason, before any connection.
@Suite struct HTTPTargetTests {
    @Test(arguments: [
        ("http://user:pw@api.example/", "URL with userinfo"),
        ("http://api.example@127.0.0.1/", "URL with userinfo"),
        ("http://2130706433/", "IPv4 address in a notation other than a.b.c.d"),
        ("http://0x7f.1/", "IPv4 address in a notation other than a.b.c.d"),
        ("http://0177.0.0.1/", "IPv4 address in a notation other than a.b.c.d"),
        ("http://127.1/", "IPv4 address in a notation other than a.b.c.d"),
        ("http://api%2eexample/", "percent-encoding or backslash in the host"),
        ("http://api.example\\@evil/", "URL with userinfo"),
        ("http://api.example\\evil/", "percent-encoding or backslash in the host"),
        ("http://api.example:+80/", "malformed port"),
        ("http://api.example:99999/", "malformed port"),
        ("http://api.example:80:80/", "more than one colon in the host"),
        ("http://api.example/v1/../admin", "dot segment in the path"),
        ("http://api.example/v1/%2e%2e/admin", "encoded dot, slash or backslash in the path"),
        ("http://api.example/v1/%2F..", "encoded dot, slash or backslash in the path"),
        ("ftp://api.example/", "scheme ftp is not http or https"),
        ("//api.example/", "not an absolute http(s) URL"),
        ("http://api.exa mple/", "URL with spaces, control or non-ASCII characters"),
        ("http://ápi.example/", "URL with spaces, control or non-ASCII characters"),
        ("http://[::1/", "unclosed IPv6 literal"),
        ("http://[fe80::1%25eth0]/", "percent-encoding or backslash in the host"),
        ("http://a_b.example/", "host with characters other than letters, digits, hyphens and dots"),
    ])
    func trickyURLsAreRefused(url: String, reason: String) {
        guard case .failure(let refusal) = HTTPTarget.parse(url) else {
            Issue.record("\(url) was accepted")
            return
        }
        #expect(refusal.message.hasPrefix(reason + ": "), "\(refusal.message)")
    }

    @Test func aPlainURLIsReadIntoItsParts() throws {
        let t = try HTTPTarget.parse("HTTPS://API.Example.:8443/v1/orders/7?x=1#frag").get()
        #expect(t == HTTPTarget(scheme: "https", host: "api.example", port: 8443, path: "/v1/orders/7", query: "x=1"))
        #expect(t.text == "https://api.example:8443/v1/orders/7?x=1")
        #expect(try HTTPTarget.parse("http://api.example").get().text == "http://api.example/")
    }

    @Test func theGrantDecidesHostSchemePortAndPath() throws {
        var rules = HTTPRules(hosts: ["api.example", "*.pay.example", "10.1.2.3"])
        rules.pathPrefixes = ["/v1/"]
        func refusal(_ url: String) throws -> String? { try HTTPTarget.parse(url).get().refusal(under: rules)?.message }
        #expect(try refusal("https://api.example/v1/orders") == nil)
        #expect(try refusal("https://eu.pay.example/v1/x") == nil)
        #expect(try refusal("https://pay.example/v1/x") == "policy: host pay.example is not allowed")
        #expect(try refusal("https://evilpay.example/v1/x") == "policy: host evilpay.example is not allowed")
        #expect(try refusal("http://api.example/v1/x") == "policy: scheme http is not allowed (allowed: https)")
        #expect(try refusal("https://api.example:8443/v1/x") == "policy: port 8443 is not allowed for api.example")
        #expect(try refusal("https://api.example/v2/x") == "policy: path /v2/x is outside the allowed prefixes")
        // A private literal the policy names is allowed; one it does not name is not a host anyway.
        #expect(try refusal("https://10.1.2.3/v1/x") == nil)
        #expect(try refusal("https://10.1.2.4/v1/x") == "policy: host 10.1.2.4 is not allowed")
    }

    @Test func privateAndSpecialAddressesAreNotPublic() {
        for text in ["10.0.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0", "224.0.0.1"] {
            #expect(IPAddress(ipv4: text)?.isPublic == false, "\(text)")
        }
        for text in ["::1", "::", "fe80::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1"] {
            #expect(IPAddress(ipv6: text)?.isPublic == false, "\(text)")
        }
        #expect(IPAddress(ipv4: "93.184.216.34")?.isPublic == true)
        #expect(IPAddress(ipv6: "2606:4700::1111")?.isPublic == true)
    }

    @Test func aNameThatLeadsInsideIsRefusedUnlessNamed() throws {
        let target = try HTTPTarget.parse("http://localhost/").get()
        #expect(target.resolvedRefusal(under: HTTPRules(hosts: ["*"]))?.message == "policy: localhost resolves to a loopback address, which the policy does not name")
        #expect(target.resolvedRefusal(under: HTTPRules(hosts: ["localhost"])) == nil)
    }
}

/// The `http` capability against a real server on loopback.
@Suite struct HTTPCapabilityTests {
    static func server() async throws -> LoopbackServer {
        try await LoopbackServer(routes: [
            "/v1/orders/42": { _ in .init(body: Array(#"{"id": 42, "amount": 30, "currency": "EUR"}"#.utf8)) },
            "/v1/refunds": { seen in .init(status: .created, body: Array(seen.body.utf8)) },
            "/v1/moved": { _ in .init(status: .found, headers: [("location", "/v1/orders/42")]) },
            "/v1/escape": { _ in .init(status: .found, headers: [("location", "http://169.254.169.254/latest/meta-data/")]) },
            "/v1/big": { _ in .init(headers: [("content-type", "text/plain")], body: Array(repeating: UInt8(ascii: "x"), count: 300_000)) },
            "/v1/slow": { _ in .init(body: Array("{}".utf8), delay: .seconds(3)) },
            "/admin": { _ in .init(body: Array("secret".utf8)) },
        ])
    }

    static func policy(port: Int, extra: String = "") throws -> Policy {
        try Policy(yaml: """
            capabilities:
              http:
                functions: [get, post]
                hosts: [127.0.0.1]
                schemes: [http]
                ports: [\(port)]
                paths: [/v1/]
                max_response: 100KiB
                timeout: 1s
                arguments:
                  post:
                    json.amount: {max: 50}
            \(extra)
            """)
    }

    @Test func getsAndPostsJSON() async throws {
        let server = try await Self.server()
        defer { Task { try? await server.stop() } }
        let base = "http://127.0.0.1:\(server.port)"
        let run = HostRun()
        let done = try await run.run("""
            load("@http", "get", "post")
            def main(input):
                order = get("\(base)/v1/orders/42")
                refund = post("\(base)/v1/refunds", json = {"order": order["json"]["id"], "amount": order["json"]["amount"]}, headers = {"X-Request": "r1"})
                return [order["status"], order["json"]["amount"], refund["status"], refund["json"], refund["headers"]["content-type"]]
            """, policy: try Self.policy(port: server.port))
        #expect(done.trap == nil, "\(String(describing: done.trap))")
        #expect(done.result == .list([
            .int(200), .int(30), .int(201), .dict([HostValueEntry(.string("order"), .int(42)), HostValueEntry(.string("amount"), .int(30))]),
            .string("application/json"),
        ]))
        let seen = server.requests
        #expect(seen.map { "\($0.method) \($0.uri)" } == ["GET /v1/orders/42", "POST /v1/refunds"])
        #expect(seen[1].headers["x-request"] == "r1")
        #expect(seen[1].headers["content-type"] == "application/json")
        #expect(run.audit.entries.map(\.outcome) == [.ok, .ok])
    }

    @Test(arguments: [
        ("post(BASE + \"/v1/refunds\", json = {\"amount\": 80})", "http.post: policy: argument json.amount = 80 is above the maximum 50", false),
        ("get(BASE + \"/admin\")", "http.get: policy: path /admin is outside the allowed prefixes", false),
        ("get(\"http://127.0.0.1:1/v1/x\")", "http.get: policy: port 1 is not allowed for 127.0.0.1", false),
        ("get(\"http://2130706433:\" + PORT + \"/v1/orders/42\")", "http.get: policy: IPv4 address in a notation other than a.b.c.d: http://2130706433:PORT/v1/orders/42", false),
        ("get(\"http://localhost:\" + PORT + \"/v1/orders/42\")", "http.get: policy: host localhost is not allowed", false),
        ("get(BASE + \"/v1/escape\")", "http.get: policy: host 169.254.169.254 is not allowed (redirected to http://169.254.169.254/latest/meta-data/)", true),
        ("get(BASE + \"/v1/big\")", "http.get: policy: the answer from 127.0.0.1 is larger than 102400 bytes", true),
        ("get(BASE + \"/v1/orders/42\", headers = {\"Host\": \"internal\"})", "http.get: policy: header Host cannot be set", false),
    ])
    func refusalsTrapWithTheirRule(call: String, message: String, reachesServer: Bool) async throws {
        let server = try await Self.server()
        defer { Task { try? await server.stop() } }
        let run = HostRun()
        let done = try await run.run("""
            load("@http", "get", "post")
            BASE = "http://127.0.0.1:\(server.port)"
            PORT = "\(server.port)"
            def main(input):
                return \(call)
            """, policy: try Self.policy(port: server.port))
        let trap = try #require(done.trap)
        #expect(trap.reason == .capabilityDenied)
        let expected = message.replacingOccurrences(of: "PORT", with: "\(server.port)")
        #expect(trap.message.hasPrefix(expected), "\(trap.message)")
        #expect(run.audit.entries.last?.outcome.word == "denied")
        #expect(!server.requests.isEmpty == reachesServer)
    }

    @Test func redirectsAreFollowedOnlyWhereTheGrantAllows() async throws {
        let server = try await Self.server()
        defer { Task { try? await server.stop() } }
        let run = HostRun()
        let done = try await run.run("""
            load("@http", "get")
            def main(input):
                return get("http://127.0.0.1:\(server.port)/v1/moved")["json"]["id"]
            """, policy: try Self.policy(port: server.port))
        #expect(done.result == .int(42))
        #expect(server.requests.map(\.uri) == ["/v1/moved", "/v1/orders/42"])
        // A redirect to the cloud metadata address is refused, and never requested.
        let escape = try await HostRun().run("""
            load("@http", "get")
            def main(input):
                return get("http://127.0.0.1:\(server.port)/v1/escape")
            """, policy: try Self.policy(port: server.port))
        #expect(escape.trap?.message == "http.get: policy: host 169.254.169.254 is not allowed (redirected to http://169.254.169.254/latest/meta-data/)")
    }

    @Test func aSlowAnswerEndsAtTheGrantTimeout() async throws {
        let server = try await Self.server()
        defer { Task { try? await server.stop() } }
        let host = HostRun()
        let done = try await host.run("""
            load("@http", "get")
            def main(input):
                return get("http://127.0.0.1:\(server.port)/v1/slow")
            """, policy: try Self.policy(port: server.port))
        #expect(done.trap?.reason == .hostError)
        #expect(done.trap?.message.hasPrefix("http.get: 127.0.0.1:") == true, "\(String(describing: done.trap))")
        // The server answers after 3 s, the grant allows 1 s: the call, as audited, ended at
        // the grant's timeout. (The call's own time, not the test's: in a full parallel test
        // run, CPU-bound suites can delay the test's task by seconds around the call.)
        let call = try #require(host.audit.entries.first)
        #expect(call.duration >= .milliseconds(900) && call.duration < .seconds(2.5), "\(call.duration)")
    }
}
