import CorralHost
import CorralVM
import Foundation
import GRDB

/// A store that cannot do what was asked, with the file and SQLite's own words
/// (`corral.db: database or disk is full`).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The SQLite file behind a host: runs, the audit entries and log lines of each, and every
/// agent's `kv` namespace.
///
/// One writer: GRDB's `DatabasePool` runs writes one at a time, in WAL mode, so readers never
/// wait for it and a write is durable once its transaction commits. Another process holding
/// the file gets a busy timeout rather than an immediate error. The schema is created and
/// upgraded by migrations (`Store.migrator`).
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool

    /// How long a write waits for another process's lock before failing.
    public static let busyTimeout: TimeInterval = 5

    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(Store.busyTimeout)
        config.label = "corral.store"
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Store.migrator.migrate(pool)
        } catch {
            throw StoreError(message: "\(path): \(Store.words(error))")
        }
    }

    /// The schema, one migration per version; a migration never changes once released.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: runs, audit, log, kv") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY,
                    agent TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'returned', 'trapped', 'interrupted')),
                    input TEXT NOT NULL,
                    result TEXT,
                    trap_reason TEXT,
                    trap_message TEXT,
                    fuel INTEGER NOT NULL DEFAULT 0,
                    memory_peak INTEGER NOT NULL DEFAULT 0,
                    host_calls INTEGER NOT NULL DEFAULT 0,
                    started REAL NOT NULL,
                    finished REAL,
                    wall_ms REAL
                );
                CREATE INDEX runs_by_agent ON runs (agent, started);
                CREATE INDEX runs_by_status ON runs (status);
                CREATE TABLE audit (
                    run TEXT NOT NULL REFERENCES runs (id),
                    seq INTEGER NOT NULL,
                    capability TEXT NOT NULL,
                    function TEXT NOT NULL,
                    arg_digest TEXT NOT NULL,
                    arg_bytes INTEGER NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
                    detail TEXT,
                    fuel INTEGER NOT NULL,
                    duration_ms REAL NOT NULL,
                    time REAL NOT NULL,
                    answer TEXT,
                    PRIMARY KEY (run, seq)
                );
                CREATE TABLE log (
                    run TEXT NOT NULL REFERENCES runs (id),
                    seq INTEGER NOT NULL,
                    level TEXT NOT NULL,
                    message TEXT NOT NULL,
                    fields TEXT,
                    PRIMARY KEY (run, seq)
                );
                CREATE TABLE kv (
                    namespace TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (namespace, key)
                );
                """)
        }
        m.registerMigration("v2: agents with versions and content hashes") { db in
            try db.execute(sql: """
                CREATE TABLE agents (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    module BLOB NOT NULL,
                    policy TEXT NOT NULL,
                    created REAL NOT NULL,
                    PRIMARY KEY (name, version)
                );
                ALTER TABLE runs ADD COLUMN agent_version INTEGER;
                """)
        }
        // The service: tenants with hashed API keys; agents and runs belong to a tenant ('' for
        // the command line's own); runs may wait in the admission queue; an agent may be
        // deleted while its versions stay for the runs that name them. SQLite cannot change a
        // primary key or a CHECK in place, so agents and runs are rebuilt (GRDB defers foreign
        // key checks to the end of the migration).
        m.registerMigration("v3: tenants; agents and runs per tenant; queued runs") { db in
            try db.execute(sql: """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    key_hash TEXT NOT NULL UNIQUE,
                    created REAL NOT NULL
                );
                CREATE TABLE agents_v3 (
                    tenant TEXT NOT NULL DEFAULT '',
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    module BLOB NOT NULL,
                    policy TEXT NOT NULL,
                    policy_ref TEXT,
                    created REAL NOT NULL,
                    deleted REAL,
                    PRIMARY KEY (tenant, name, version)
                );
                INSERT INTO agents_v3 (tenant, name, version, hash, module, policy, created)
                    SELECT '', name, version, hash, module, policy, created FROM agents;
                DROP TABLE agents;
                ALTER TABLE agents_v3 RENAME TO agents;
                CREATE TABLE runs_v3 (
                    id TEXT PRIMARY KEY,
                    tenant TEXT NOT NULL DEFAULT '',
                    agent TEXT NOT NULL,
                    agent_version INTEGER,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'returned', 'trapped', 'interrupted')),
                    input TEXT NOT NULL,
                    result TEXT,
                    trap_reason TEXT,
                    trap_message TEXT,
                    fuel INTEGER NOT NULL DEFAULT 0,
                    memory_peak INTEGER NOT NULL DEFAULT 0,
                    host_calls INTEGER NOT NULL DEFAULT 0,
                    started REAL NOT NULL,
                    finished REAL,
                    wall_ms REAL
                );
                INSERT INTO runs_v3 (id, agent, agent_version, status, input, result, trap_reason, trap_message, fuel,
                        memory_peak, host_calls, started, finished, wall_ms)
                    SELECT id, agent, agent_version, status, input, result, trap_reason, trap_message, fuel,
                        memory_peak, host_calls, started, finished, wall_ms FROM runs;
                DROP TABLE runs;
                ALTER TABLE runs_v3 RENAME TO runs;
                CREATE INDEX runs_by_agent ON runs (tenant, agent, started);
                CREATE INDEX runs_by_status ON runs (status);
                """)
        }
        return m
    }

    /// Runs a write transaction, turning SQLite's errors into `StoreError`s that name the file.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw StoreError(message: "\(path): \(Store.words(error))")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StoreError(message: "\(path): \(Store.words(error))")
        }
    }

    /// SQLite's message for a database error (`database or disk is full`), else the error.
    static func words(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        return "\(error)"
    }

    /// SQLite's own check of the file: "ok", or what is wrong.
    public func integrityCheck() async throws(StoreError) -> String {
        try await read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}

extension Store {
    /// `wal` once the store has opened the file.
    public func journalMode() async throws(StoreError) -> String {
        try await read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}
