import CorralStore
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `corral serve` as a real process: SIGTERM drains (readiness 503, the running run
/// interrupted after the grace period, the finished one kept, exit 0), and a process killed
/// with SIGKILL leaves its running run to be recorded `interrupted` by the next start.
@Suite(.serialized) struct ServeProcessTests {
    static let spin = """
        def main(input):
            n = 0
            for i in range(1000000000):
                for j in range(1000000000):
                    n += 1
            return n
        """

    @Test func sigtermDrainsAndSigkillIsRecoveredOnRestart() async throws {
        let dir = temporaryPath("serve")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/corral.db"
        let key = try Self.createTenant(db: db)

        var server = try Server(db: db, log: dir + "/serve-1.log")
        defer { server.kill() }
        // The image's health check: `corral health` against the live server.
        #expect(try Self.corral(["health", "--port", "\(server.port)"]) == 0)
        #expect(try Self.corral(["health", "--port", "\(server.port)", "--path", "/nowhere"]) == 1)
        let client = Client(port: server.port, key: key)
        #expect(try await client.send("PUT", "/v1/agents/hello", ["source": "def main(input):\n    return input\n"]).status == 200)
        #expect(try await client.send("PUT", "/v1/agents/spin", ["source": Self.spin, "policy": "budget: {fuel: 1_000_000_000_000, timeout: 60s}"]).status == 200)
        let done = try await client.send("POST", "/v1/agents/hello/runs?wait=5", ["input": 7])
        #expect(done.json["status"] as? String == "returned")
        let spinning = try await client.send("POST", "/v1/agents/spin/runs", [:])
        let spinID = try #require(spinning.json["id"] as? String)

        // SIGTERM: readiness turns 503 during the grace period, then the process exits 0.
        Foundation.kill(server.process.processIdentifier, SIGTERM)
        var sawDraining = false
        for _ in 0..<100 where !sawDraining {
            if let ready = try? await client.send("GET", "/readyz", nil), ready.status == 503 { sawDraining = true }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(sawDraining)
        let exit = try await server.waitForExit(upTo: .seconds(20))
        #expect(exit == 0)
        let store = try Store(path: db)
        #expect(try await store.run(spinID)?.status == .interrupted)
        #expect(try await store.run(done.json["id"] as! String)?.status == .returned)
        #expect(try await store.integrityCheck() == "ok")

        // SIGKILL in the middle of a run: the row stays `running` until the next start.
        server = try Server(db: db, log: dir + "/serve-2.log")
        let client2 = Client(port: server.port, key: key)
        let killed = try await client2.send("POST", "/v1/agents/spin/runs", [:])
        let killedID = try #require(killed.json["id"] as? String)
        try await Task.sleep(for: .milliseconds(100))
        server.kill()
        _ = try await server.waitForExit(upTo: .seconds(10))
        #expect(try await Store(path: db).run(killedID)?.status == .running)
        server = try Server(db: db, log: dir + "/serve-3.log")
        let after = try await Client(port: server.port, key: key).send("GET", "/v1/runs/\(killedID)", nil)
        #expect(after.json["status"] as? String == "interrupted")
        server.kill()
    }

    /// Runs `corral ARGS` to its end; its exit status.
    static func corral(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: corralBinary)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    static func createTenant(db: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: corralBinary)
        p.arguments = ["tenant", "create", "acme", "--db", db]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var corralBinary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral").path
    }

    /// A `corral serve --port 0` process and the port it reported.
    struct Server {
        let process: Process
        let port: Int

        init(db: String, log: String) throws {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ServeProcessTests.corralBinary)
            p.arguments = ["serve", "--db", db, "--port", "0", "--drain-seconds", "1"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle(forWritingAtPath: log)
            try p.run()
            process = p
            var found: Int?
            for _ in 0..<500 where found == nil {
                Thread.sleep(forTimeInterval: 0.02)
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: "address=127.0.0.1:") {
                    found = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
            }
            guard let found else {
                Foundation.kill(p.processIdentifier, SIGKILL)
                throw ServerDidNotStart(log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            }
            port = found
        }

        func kill() {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }

        /// The exit status, or nil if it did not exit in time (it is then killed).
        func waitForExit(upTo limit: Duration) async throws -> Int32? {
            let end = ContinuousClock.now + limit
            while process.isRunning && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                kill()
                return nil
            }
            return process.terminationStatus
        }
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        let log: String
        var description: String { "corral serve did not report its port:\n\(log)" }
    }

    struct Client {
        let port: Int
        let key: String

        func send(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> (status: Int, json: [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
            if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
    }
}
