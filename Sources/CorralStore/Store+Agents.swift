import CorralHost
import Crypto
import Foundation
import GRDB

/// An agent version as the store keeps it: the module's bytes (what runs) and the policy's
/// text (what it may do), named by a content hash of both.
public struct AgentRecord: Sendable, Equatable {
    /// The tenant that owns it ('' for the command line's agents).
    public var tenant: String
    public var name: String
    public var version: Int
    /// SHA-256, hex, of the module bytes and the policy text.
    public var hash: String
    public var module: [UInt8]
    public var policy: String
    /// The operator's policy file the policy text came from (`corral serve --policies`), if
    /// it came from one: only those may bind native code.
    public var policyRef: String?
    public var created: Double

    public init(
        tenant: String, name: String, version: Int, hash: String, module: [UInt8], policy: String, policyRef: String?, created: Double
    ) {
        self.tenant = tenant
        self.name = name
        self.version = version
        self.hash = hash
        self.module = module
        self.policy = policy
        self.policyRef = policyRef
        self.created = created
    }
}

extension Store {
    /// The content hash of an agent version.
    public static func agentHash(module: [UInt8], policy: String) -> String {
        var h = SHA256()
        h.update(data: module)
        h.update(data: [0])
        h.update(data: Array(policy.utf8))
        return Hex.string(h.finalize())
    }

    /// Records `module` and `policy` as the agent's newest version, unless the newest already
    /// has the same content; returns that version. Versions count from 1.
    /// A deleted agent's next upload starts a new version after its last, so version numbers
    /// are never reused and old runs keep naming what they ran.
    public func recordAgent(
        tenant: String = "", name: String, module: [UInt8], policy: String, policyRef: String? = nil, at time: Double
    ) async throws(StoreError) -> AgentRecord {
        let hash = Store.agentHash(module: module, policy: policy)
        return try await write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM agents WHERE tenant = ? AND name = ? ORDER BY version DESC LIMIT 1", arguments: [tenant, name]),
                row["hash"] as String == hash, row["deleted"] as Double? == nil, row["policy_ref"] as String? == policyRef
            {
                return AgentRecord(row: row)
            }
            let next =
                (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM agents WHERE tenant = ? AND name = ?", arguments: [tenant, name]) ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO agents (tenant, name, version, hash, module, policy, policy_ref, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [tenant, name, next, hash, Data(module), policy, policyRef, time])
            return AgentRecord(
                tenant: tenant, name: name, version: next, hash: hash, module: module, policy: policy, policyRef: policyRef, created: time)
        }
    }

    /// Every version of the agent, oldest first, deleted ones included.
    public func agentVersions(tenant: String = "", _ name: String) async throws(StoreError) -> [AgentRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM agents WHERE tenant = ? AND name = ? ORDER BY version", arguments: [tenant, name]
            ).map(AgentRecord.init(row:))
        }
    }

    /// The agent's newest version, unless it was deleted.
    public func currentAgent(tenant: String, name: String) async throws(StoreError) -> AgentRecord? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM agents WHERE tenant = ? AND name = ? ORDER BY version DESC LIMIT 1", arguments: [tenant, name]
            ).flatMap { row in row["deleted"] as Double? == nil ? AgentRecord(row: row) : nil }
        }
    }

    /// Marks every version of the agent deleted (they stay for the runs that name them);
    /// false if there was no current agent of that name.
    public func deleteAgent(tenant: String, name: String, at time: Double) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE agents SET deleted = ? WHERE tenant = ? AND name = ? AND deleted IS NULL", arguments: [time, tenant, name])
            return db.changesCount > 0
        }
    }

    /// Ties a run to the agent version it ran.
    public func setAgentVersion(run: String, version: Int) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE runs SET agent_version = ? WHERE id = ?", arguments: [version, run])
        }
    }
}

extension AgentRecord {
    init(row: Row) {
        tenant = row["tenant"]
        name = row["name"]
        version = row["version"]
        hash = row["hash"]
        module = [UInt8](row["module"] as Data)
        policy = row["policy"]
        policyRef = row["policy_ref"]
        created = row["created"]
    }
}
