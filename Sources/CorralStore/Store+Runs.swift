import CorralHost
import CorralVM
import Foundation
import GRDB

/// A run as the store keeps it.
public struct RunRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Admitted to the service's queue, waiting for memory to start.
        case queued
        case running, returned, trapped
        /// The process ended (killed, shut down) while the run was going.
        case interrupted

        /// How a run that has ended is recorded.
        public static func ended(trap: Trap?, interrupted: Bool) -> Status {
            interrupted ? .interrupted : trap == nil ? .returned : .trapped
        }
    }

    public var id: String
    /// The tenant that started it ('' for the command line).
    public var tenant: String
    public var agent: String
    /// The version of the agent it ran (`Store.recordAgent`), when recorded.
    public var agentVersion: Int?
    public var status: Status
    /// JSON.
    public var input: String
    /// main's result as JSON, once returned.
    public var result: String?
    public var trapReason: String?
    public var trapMessage: String?
    public var fuel: Int64
    public var memoryPeak: Int
    public var hostCalls: Int
    /// Seconds since 1970.
    public var started: Double
    public var finished: Double?
    public var wallMilliseconds: Double?

    public init(
        id: String, tenant: String, agent: String, agentVersion: Int?, status: Status, input: String, result: String? = nil,
        trapReason: String? = nil, trapMessage: String? = nil, fuel: Int64 = 0, memoryPeak: Int = 0, hostCalls: Int = 0,
        started: Double, finished: Double? = nil, wallMilliseconds: Double? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.agent = agent
        self.agentVersion = agentVersion
        self.status = status
        self.input = input
        self.result = result
        self.trapReason = trapReason
        self.trapMessage = trapMessage
        self.fuel = fuel
        self.memoryPeak = memoryPeak
        self.hostCalls = hostCalls
        self.started = started
        self.finished = finished
        self.wallMilliseconds = wallMilliseconds
    }
}

extension Store {
    /// Records a run as `running` (or `queued`) before its first instruction, so a process
    /// killed during it leaves a trace that the next start marks `interrupted`.
    public func startRun(
        id: String, tenant: String = "", agent: String, agentVersion: Int? = nil, input: String, started: Double,
        status: RunRecord.Status = .running
    ) async throws(StoreError) {
        try await write { db in
            try db.cachedStatement(
                sql: "INSERT INTO runs (id, tenant, agent, agent_version, status, input, started) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [id, tenant, agent, agentVersion, status.rawValue, input, started])
        }
    }

    /// A queued run that has left the queue and is about to run.
    public func markRunning(id: String) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE runs SET status = 'running' WHERE id = ? AND status = 'queued'", arguments: [id])
        }
    }

    /// Records how a run ended, with its stats and log lines, in one transaction.
    /// `interrupted` records a run the service stopped while shutting down (its trap says how).
    public func finishRun(
        id: String, result: String?, trap: Trap?, stats: RunStats, log: [LogLine], finished: Double, interrupted: Bool = false
    ) async throws(StoreError) {
        let status = RunRecord.Status.ended(trap: trap, interrupted: interrupted).rawValue
        try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE runs SET status = ?, result = ?, trap_reason = ?, trap_message = ?, fuel = ?, memory_peak = ?,
                        host_calls = ?, finished = ?, wall_ms = ? WHERE id = ?
                    """
            ).execute(
                arguments: [
                    status, result, trap?.reason.rawValue, trap?.message, stats.fuel,
                    stats.memoryPeak, stats.hostCalls, finished, Double(stats.wallNanoseconds) / 1e6, id,
                ])
            for (i, line) in log.enumerated() {
                let fields = line.fields == .none ? nil : try? HostValueJSON.encode(line.fields)
                try db.cachedStatement(sql: "INSERT INTO log (run, seq, level, message, fields) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [id, i + 1, line.level, line.message, fields])
            }
        }
    }

    /// Marks every run a dead process left `running` or `queued` as `interrupted`; returns how
    /// many.
    @discardableResult
    public func markInterruptedRuns(at time: Double) async throws(StoreError) -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE runs SET status = 'interrupted', finished = ? WHERE status IN ('running', 'queued')", arguments: [time])
            return db.changesCount
        }
    }

    public func run(_ id: String) async throws(StoreError) -> RunRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ?"), arguments: [id]).map(RunRecord.init(row:))
        }
    }

    /// The run's log lines, in order.
    public func logLines(run: String) async throws(StoreError) -> [LogLine] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT level, message, fields FROM log WHERE run = ? ORDER BY seq"), arguments: [run]).map { row in
                let fields: String? = row["fields"]
                return LogLine(level: row["level"], message: row["message"], fields: fields.flatMap { try? HostValueJSON.parse($0) } ?? .none)
            }
        }
    }
}

extension RunRecord {
    init(row: Row) {
        id = row["id"]
        tenant = row["tenant"]
        agent = row["agent"]
        agentVersion = row["agent_version"]
        status = Status(rawValue: row["status"]) ?? .interrupted
        input = row["input"]
        result = row["result"]
        trapReason = row["trap_reason"]
        trapMessage = row["trap_message"]
        fuel = row["fuel"]
        memoryPeak = row["memory_peak"]
        hostCalls = row["host_calls"]
        started = row["started"]
        finished = row["finished"]
        wallMilliseconds = row["wall_ms"]
    }
}

/// The audit log: `Store` is the `AuditSink` of runs it records. Each entry is committed
/// before the agent sees the call's answer.
extension Store: AuditSink {
    public func record(_ entry: AuditEntry) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO audit (run, seq, capability, function, arg_digest, arg_bytes, outcome, detail, fuel, duration_ms, time, answer)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    entry.run, entry.sequence, entry.capability, entry.function, entry.argumentDigest, entry.argumentBytes,
                    entry.outcome.word, entry.outcome.detail, entry.fuel, entry.duration.milliseconds, entry.time,
                    entry.answer,
                ])
        }
    }

    /// A run's audit entries, in order.
    public func auditEntries(run: String) async throws(StoreError) -> [AuditEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE run = ? ORDER BY seq", arguments: [run]).map { row in
                let word: String = row["outcome"]
                let detail: String = row["detail"] ?? ""
                let outcome: AuditEntry.Outcome = word == "ok" ? .ok : word == "denied" ? .denied(detail) : .failed(detail)
                let ms: Double = row["duration_ms"]
                return AuditEntry(
                    run: row["run"], sequence: row["seq"], capability: row["capability"], function: row["function"],
                    argumentDigest: row["arg_digest"], argumentBytes: row["arg_bytes"], outcome: outcome, fuel: row["fuel"],
                    duration: .nanoseconds(Int64(ms * 1e6)), time: row["time"], answer: row["answer"])
            }
        }
    }
}

/// `kv` in SQLite: one row per key, values as JSON text.
extension Store: KVStore {
    public func get(namespace: String, key: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM kv WHERE namespace = ? AND key = ?", arguments: [namespace, key])
        }
    }

    public func put(namespace: String, key: String, value: String, maxTotalBytes: Int) async throws -> Bool {
        try await write { db in
            // The namespace's total after the write, counted in the same transaction.
            let others = try Int.fetchOne(
                db, sql: "SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB))), 0) FROM kv WHERE namespace = ? AND key <> ?",
                arguments: [namespace, key]) ?? 0
            guard others + key.utf8.count + value.utf8.count <= maxTotalBytes else { return false }
            try db.execute(
                sql: "INSERT INTO kv (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
                arguments: [namespace, key, value])
            return true
        }
    }

    public func delete(namespace: String, key: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM kv WHERE namespace = ? AND key = ?", arguments: [namespace, key])
            return db.changesCount > 0
        }
    }

    public func list(namespace: String, prefix: String, limit: Int) async throws -> [String] {
        try await read { db in
            // Not LIKE, so that % and _ in a prefix mean themselves; `key >= prefix` lets the
            // primary key's index start at the first candidate.
            try String.fetchAll(
                db, sql: "SELECT key FROM kv WHERE namespace = ? AND key >= ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?",
                arguments: [namespace, prefix, prefix.unicodeScalars.count, prefix, limit])
        }
    }
}

extension Store {
    /// The ids of runs with `status`, oldest first.
    public func runIDs(status: RunRecord.Status) async throws(StoreError) -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT id FROM runs WHERE status = ? ORDER BY started, id", arguments: [status.rawValue])
        }
    }

    /// How many audit entries the store holds, over all runs.
    public func auditCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit") ?? 0 }
    }
}
