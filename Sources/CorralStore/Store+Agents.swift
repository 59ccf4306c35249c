import Crypto
import Foundation
import GRDB

/// An agent version as the store keeps it: the module's bytes (what runs) and the policy's
/// text (what it may do), named by a content hash of both.
public struct AgentRecord: Sendable, Equatable {
    public var name: String
    public var version: Int
    /// SHA-256, hex, of the module bytes and the policy text.
    public var hash: String
    public var module: [UInt8]
    public var policy: String
    public var created: Double
}

extension Store {
    /// The content hash of an agent version.
    public static func agentHash(module: [UInt8], policy: String) -> String {
        var h = SHA256()
        h.update(data: module)
        h.update(data: [0])
        h.update(data: Array(policy.utf8))
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Records `module` and `policy` as the agent's newest version, unless the newest already
    /// has the same content; returns that version. Versions count from 1.
    public func recordAgent(name: String, module: [UInt8], policy: String, at time: Double) async throws(StoreError) -> AgentRecord {
        let hash = Store.agentHash(module: module, policy: policy)
        return try await write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM agents WHERE name = ? ORDER BY version DESC LIMIT 1", arguments: [name]),
                row["hash"] as String == hash
            {
                return AgentRecord(row: row)
            }
            let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM agents WHERE name = ?", arguments: [name]) ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO agents (name, version, hash, module, policy, created) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [name, next, hash, Data(module), policy, time])
            return AgentRecord(name: name, version: next, hash: hash, module: module, policy: policy, created: time)
        }
    }

    /// Every version of the agent, oldest first.
    public func agentVersions(_ name: String) async throws(StoreError) -> [AgentRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agents WHERE name = ? ORDER BY version", arguments: [name]).map(AgentRecord.init(row:))
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
        name = row["name"]
        version = row["version"]
        hash = row["hash"]
        module = [UInt8](row["module"] as Data)
        policy = row["policy"]
        created = row["created"]
    }
}
