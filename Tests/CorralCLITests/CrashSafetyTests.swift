import CorralStore
import Foundation
import Testing

/// A `corral run --db` process killed with SIGKILL in the middle of its runs: every row that
/// was committed before the kill is still there, and the file passes SQLite's integrity check.
@Suite struct CrashSafetyTests {
    @Test func sigkillMidRunLosesNoCommittedRow() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the corral executable first")
        let dir = temporaryPath("crash")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
            load("@kv", "put")
            load("@log", "info")
            def main(input):
                for i in range(20):
                    put("k%d" % i, {"i": i, "input": input})
                info("done", {"n": 20})
                return 20
            """.write(toFile: dir + "/agent.star", atomically: true, encoding: .utf8)
        try "capabilities:\n  kv: {functions: [put]}\n  log: {functions: [info]}\n".write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let db = dir + "/corral.db"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", dir + "/agent.star", "--policy", dir + "/policy.yaml", "--db", db, "--repeat", "1000000", "--input", "1"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }

        // Wait until some runs have finished, then take what is committed as the reference.
        var finished: [String] = []
        var committedAudit = 0
        for _ in 0..<200 where finished.count < 5 {
            try await Task.sleep(for: .milliseconds(50))
            guard FileManager.default.fileExists(atPath: db), let store = try? Store(path: db) else { continue }
            finished = (try? await store.runIDs(status: .returned)) ?? []
            committedAudit = (try? await store.auditCount()) ?? 0
        }
        try #require(finished.count >= 5, "the child recorded too few runs to test")
        // Let it get into the middle of further runs, then kill it without warning.
        try await Task.sleep(for: .milliseconds(150))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)

        let store = try Store(path: db)
        #expect(try await store.integrityCheck() == "ok")
        let after = try await store.runIDs(status: .returned)
        #expect(Set(finished).isSubset(of: Set(after)), "a finished run was lost")
        #expect(try await store.auditCount() >= committedAudit)
        for id in finished {
            let entries = try await store.auditEntries(run: id)
            #expect(entries.map(\.sequence) == Array(1...21), "run \(id) lost audit rows")
            #expect(try await store.logLines(run: id).count == 1)
        }
        // What the killed process left running is marked interrupted on the next start.
        let leftRunning = try await store.runIDs(status: .running)
        #expect(try await store.markInterruptedRuns(at: 0) == leftRunning.count)
        #expect(try await store.runIDs(status: .running).isEmpty)
    }
}
