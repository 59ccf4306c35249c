import CorralStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import CorralServer

/// A service on a fresh SQLite file with two tenants, driven through Hummingbird's router
/// test client (no sockets).
struct ServiceHarness {
    let service: CorralService
    let store: Store
    let acme: String
    let other: String

    static func make(_ configure: (inout ServerSettings) -> Void = { _ in }) async throws -> ServiceHarness {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corral-serve-\(UUID().uuidString).db").path
        var settings = ServerSettings()
        settings.databasePath = path
        settings.limits = PodLimits(memoryBytes: 1 << 30, cpus: 2, memorySource: "test", cpuSource: "test")
        configure(&settings)
        let store = try Store(path: path)
        let acme = try await store.createTenant(name: "acme", at: 0).key
        let other = try await store.createTenant(name: "other", at: 0).key
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return ServiceHarness(service: CorralService(store: store, settings: settings, logger: logger), store: store, acme: acme, other: other)
    }

    /// Runs `body` with a client of the service's router.
    func test(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let app = Application(router: service.router())
        try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol

        /// A request with `key` as its bearer key (none if nil); the answer's status, headers
        /// and JSON body (nil if not JSON).
        func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, body: String? = nil) async throws -> Answer {
            var headers: HTTPFields = [:]
            if let key { headers[.authorization] = "Bearer \(key)" }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            let text = String(buffer: response.body)
            return Answer(status: response.status.code, headers: response.headers, text: text, json: try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
        }

        /// Uploads an agent; fails the test unless it is accepted.
        @discardableResult
        func putAgent(_ name: String, source: String, policy: String? = nil, key: String) async throws -> Answer {
            var fields: [String: String] = ["source": source]
            if let policy { fields["policy"] = policy }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
            let answer = try await call(.put, "/v1/agents/\(name)", key: key, body: body)
            #expect(answer.status == 200, "PUT \(name): \(answer.text)")
            return answer
        }

        /// Starts a run and waits for it to end (up to 10 s).
        func run(_ name: String, input: String = "null", key: String) async throws -> Answer {
            try await call(.post, "/v1/agents/\(name)/runs?wait=10", key: key, body: "{\"input\": \(input)}")
        }
    }

    struct Answer: Sendable {
        let status: Int
        let headers: HTTPFields
        let text: String
        nonisolated(unsafe) let json: Any?

        var object: [String: Any] { json as? [String: Any] ?? [:] }
        subscript(_ key: String) -> Any? { object[key] }
        /// The error code of a refusal.
        var code: String? { (object["error"] as? [String: Any])?["code"] as? String }
        var message: String { (object["error"] as? [String: Any])?["message"] as? String ?? "" }
    }
}

/// Agents the tests upload.
enum Agents {
    static let hello = "def main(input):\n    return {\"hi\": input}\n"
    /// Spins until cancelled (its fuel and time are far beyond any test).
    static let spin = """
        def main(input):
            n = 0
            for i in range(1000000000):
                for j in range(1000000000):
                    n += 1
            return n
        """
    static let spinPolicy = "budget: {fuel: 1_000_000_000_000, timeout: 60s}\n"
    static let kv = """
        load("@kv", "get", "put")
        def main(input):
            before = get("k")
            put("k", input)
            return before
        """
    static let kvPolicy = "capabilities:\n  kv:\n    functions: [get, put]\n"
}
