import CorralStore
import Foundation
import Testing

@testable import CorralCLI

/// Every sample under samples/ as `samples/run NAME` runs it: the agent with its policy and
/// input against the loopback APIs (samples/apis.py, a real HTTP server the test starts), the
/// run recorded in a fresh SQLite file; the exit code, the result or the trap, and the run's
/// audit rows must be those of the sample's expected.json.
@Suite(.serialized) struct SamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Expected: Decodable {
        var exit: Int32
        var trap: String?
        var message: String?
        var audit: [String: Int]
    }

    /// The loopback APIs, started for the duration of `body`.
    static func withAPIs(_ body: () async throws -> Void) async throws {
        let p = Process()
        // Debian's python3 itself, not a wrapper (a pyenv shim would outlive its SIGTERM's
        // target and keep the port).
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [root.appendingPathComponent("samples/apis.py").path, "--port", "18461"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            // SIGKILL: the test runner may start children with SIGTERM blocked.
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        try #require(line.hasPrefix("listening on http://127.0.0.1:18461"), "samples/apis.py did not start (port 18461 busy?): \(line)")
        try await body()
    }

    @Test func everySampleEndsAsItsExpectedJSONSays() async throws {
        let samples = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("samples").path)
            .filter { FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("samples/\($0)/expected.json").path) }
            .sorted()
        #expect(samples == [
            "call-flood", "deep-recursion", "exfiltrate", "fraud", "memory-bomb", "redirect-escape", "refund",
            "refund-over-ceiling", "returns", "router", "runaway-loop",
        ])
        let plugin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("libCorralSamplePlugin.so").path
        try await Self.withAPIs {
            for name in samples {
                let source = Self.root.appendingPathComponent("samples/\(name)")
                let dir = temporaryPath("sample-\(name)")
                try FileManager.default.copyItem(atPath: source.path, toPath: dir)
                try? FileManager.default.removeItem(atPath: dir + "/libCorralSamplePlugin.so")
                if try String(contentsOfFile: dir + "/policy.yaml", encoding: .utf8).contains("libCorralSamplePlugin.so") {
                    try FileManager.default.copyItem(atPath: plugin, toPath: dir + "/libCorralSamplePlugin.so")
                }
                let expectedData = try Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json"))
                let expected = try JSONDecoder().decode(Expected.self, from: expectedData)
                let db = dir + "/corral.db"
                let r = await runCLI([
                    "run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--input-file", dir + "/input.json", "--db", db,
                ])
                #expect(r.code == expected.exit, "\(name): exit \(r.code): \(r.err.prefix(500))")
                if expected.exit == 0 {
                    let want = (try JSONSerialization.jsonObject(with: expectedData) as? [String: Any])?["result"] as? NSObject
                    let got = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? NSObject
                    #expect(got == want, "\(name): result \(r.out)")
                } else {
                    let first = r.err.split(separator: "\n").first.map(String.init) ?? ""
                    #expect(first == "corral: \(expected.trap ?? ""): \(expected.message ?? "")", "\(name)")
                }
                let run = r.err.split(separator: "\n").last { $0.hasPrefix("run: ") }.map { String($0.dropFirst(5)) }
                let id = try #require(run, "\(name): no run id")
                let store = try Store(path: db)
                #expect(try await store.run(id)?.status.rawValue == (expected.exit == 0 ? "returned" : "trapped"), "\(name)")
                var counts: [String: Int] = [:]
                for e in try await store.auditEntries(run: id) { counts["\(e.capability).\(e.function) \(e.outcome.word)", default: 0] += 1 }
                #expect(counts == expected.audit, "\(name): audit \(counts)")
            }
        }
    }
}
