import CorralCompiler
import CorralHost
import CorralStore
import CorralVM
import Foundation
import Testing

/// The SQLite store on a real file: schema, WAL, runs, audit entries through the gate, log
/// lines and kv.
@Suite struct StoreTests {
    func freshStore() throws -> Store {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corral-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try Store(path: dir.appendingPathComponent("corral.db").path)
    }

    @Test func opensInWALModeAndPassesItsIntegrityCheck() async throws {
        let store = try freshStore()
        #expect(try await store.integrityCheck() == "ok")
        #expect(try await store.journalMode() == "wal")
        // Opening it again runs no migration twice.
        let again = try Store(path: store.path)
        #expect(try await again.integrityCheck() == "ok")
    }

    @Test func aRunThroughTheGateIsRecordedWithItsAuditAndLog() async throws {
        let store = try freshStore()
        let policy = try Policy(yaml: """
            agent: counter
            capabilities:
              kv: {functions: [get, put]}
              log: {functions: [info]}
              random: {functions: [int]}
            """)
        let context = RunContext(
            runID: "r1", agent: "counter", policy: policy, audit: store, kv: store, clock: { 1_000.25 },
            random: RandomSource(seed: 1))
        let module = try ValidatedModule.load(try StarlarkCompiler.compileBytes("""
            load("@kv", "get", "put")
            load("@log", "info")
            load("@random", "int")
            def main(input):
                put("n", get("n", 0) + input)
                info("added", {"by": input, "roll": int(1, 3)})
                return get("n")
            """, file: "counter.star"))
        let sandbox = try Sandbox(
            module: module, budget: Budget(fuel: 1_000_000, memory: 8 << 20),
            hostFunctions: try Linker.link(module, policy: policy, gate: CapabilityGate(context: context)), print: { _ in })
        try await store.startRun(id: "r1", agent: "counter", input: "5", started: 1_000)
        #expect(try await store.run("r1")?.status == .running)
        _ = await sandbox.initialize()
        let outcome = await sandbox.call("main", [.int(5)])
        #expect(outcome == .returned(.int(5)))
        let line = LogLine(level: "info", message: "added", fields: .dict([HostValueEntry(.string("by"), .int(5))]))
        try await store.finishRun(id: "r1", result: "5", trap: nil, stats: sandbox.stats, log: [line], finished: 1_001)

        let record = try #require(try await store.run("r1"))
        #expect(record.status == .returned)
        #expect(record.result == "5")
        #expect(record.fuel == sandbox.stats.fuel)
        #expect(record.hostCalls == 5)
        #expect(record.started == 1_000 && record.finished == 1_001)
        let audit = try await store.auditEntries(run: "r1")
        #expect(audit.map { "\($0.sequence) \($0.capability).\($0.function) \($0.outcome.word)" } == [
            "1 kv.get ok", "2 kv.put ok", "3 random.int ok", "4 log.info ok", "5 kv.get ok",
        ])
        #expect(audit.allSatisfy { $0.time == 1_000.25 && $0.argumentDigest.count == 64 && $0.fuel > 0 })
        #expect(audit[2].answer == "3")  // seed 1 gives 3 first, everywhere
        #expect(try await store.logLines(run: "r1") == [line])
        #expect(try await store.get(namespace: "counter", key: "n") == "5")
    }

    @Test func kvKeepsNamespacesApartAndHonoursTheTotal() async throws {
        let store = try freshStore()
        #expect(try await store.put(namespace: "a", key: "x", value: "1", maxTotalBytes: 100))
        #expect(try await store.put(namespace: "b", key: "x", value: "2", maxTotalBytes: 100))
        #expect(try await store.put(namespace: "a", key: "100%_done", value: "3", maxTotalBytes: 100))
        #expect(try await store.put(namespace: "a", key: "100xy", value: "4", maxTotalBytes: 100))
        #expect(try await store.get(namespace: "a", key: "x") == "1")
        #expect(try await store.get(namespace: "b", key: "x") == "2")
        // % and _ in a prefix are themselves, not patterns.
        #expect(try await store.list(namespace: "a", prefix: "100%", limit: 10) == ["100%_done"])
        #expect(try await store.list(namespace: "a", prefix: "", limit: 2) == ["100%_done", "100xy"])
        // Replacing a value counts its new size once; going over the total stores nothing.
        #expect(try await store.put(namespace: "b", key: "x", value: String(repeating: "z", count: 99), maxTotalBytes: 100))
        #expect(try await store.put(namespace: "b", key: "y", value: "1", maxTotalBytes: 100) == false)
        #expect(try await store.get(namespace: "b", key: "y") == nil)
        #expect(try await store.delete(namespace: "a", key: "x"))
        #expect(try await store.delete(namespace: "a", key: "x") == false)
    }

    @Test func agentVersionsFollowTheirContent() async throws {
        let store = try freshStore()
        let v1 = try await store.recordAgent(name: "refund", module: [1, 2, 3], policy: "agent: refund\n", at: 10)
        #expect(v1.version == 1)
        #expect(v1.hash == Store.agentHash(module: [1, 2, 3], policy: "agent: refund\n"))
        #expect(v1.hash.count == 64)
        // The same content is the same version; a new policy or module is the next one.
        #expect(try await store.recordAgent(name: "refund", module: [1, 2, 3], policy: "agent: refund\n", at: 11).version == 1)
        #expect(try await store.recordAgent(name: "refund", module: [1, 2, 3], policy: "agent: refund\nbudget: {fuel: 5}\n", at: 12).version == 2)
        #expect(try await store.recordAgent(name: "refund", module: [9], policy: "agent: refund\nbudget: {fuel: 5}\n", at: 13).version == 3)
        #expect(try await store.recordAgent(name: "other", module: [1, 2, 3], policy: "agent: refund\n", at: 14).version == 1)
        let versions = try await store.agentVersions("refund")
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(versions.map(\.created) == [10, 12, 13])
        #expect(versions[2].module == [9])
        try await store.startRun(id: "r", agent: "refund", agentVersion: 3, input: "null", started: 20)
        #expect(try await store.run("r")?.agentVersion == 3)
    }

    @Test func runsLeftRunningAreMarkedInterrupted() async throws {
        let store = try freshStore()
        try await store.startRun(id: "dead", agent: "a", input: "null", started: 1)
        try await store.startRun(id: "done", agent: "a", input: "null", started: 1)
        try await store.finishRun(
            id: "done", result: "1", trap: nil, stats: RunStats(fuel: 1, memoryPeak: 1, wallNanoseconds: 1, hostCalls: 0, collections: 0),
            log: [], finished: 2)
        #expect(try await store.markInterruptedRuns(at: 3) == 1)
        #expect(try await store.run("dead")?.status == .interrupted)
        #expect(try await store.run("done")?.status == .returned)
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corral-bad-\(UUID().uuidString).db").path
        try "not a database, just text that is long enough to have a header".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.self) { try Store(path: path) }
        do { _ = try Store(path: path) } catch {
            #expect(error.description == "\(path): file is not a database")
        }
    }
}
