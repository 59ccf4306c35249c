import CorralHost
import Crypto
import Foundation
import GRDB

/// A tenant of the service: who owns agents and runs. Its API key is never stored, only the
/// key's SHA-256, so the file does not hand out keys to whoever reads it.
public struct TenantRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var created: Double
}

extension Store {
    /// The hash stored for an API key: SHA-256, hex. Keys are 32 random bytes, so an unsalted
    /// fast hash is enough: there is nothing to guess from.
    public static func keyHash(_ key: String) -> String {
        Hex.string(SHA256.hash(data: Array(key.utf8)))
    }

    /// Creates a tenant and returns it with its API key, which exists nowhere else afterwards.
    /// A name already taken is an error naming it.
    public func createTenant(name: String, at time: Double) async throws(StoreError) -> (TenantRecord, key: String) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let key = "crl_" + Hex.string(bytes)
        let tenant = TenantRecord(id: UUID().uuidString.lowercased(), name: name, created: time)
        let taken = try await write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE name = ?", arguments: [name]) != nil { return true }
            try db.execute(
                sql: "INSERT INTO tenants (id, name, key_hash, created) VALUES (?, ?, ?, ?)",
                arguments: [tenant.id, name, Store.keyHash(key), time])
            return false
        }
        if taken { throw StoreError(message: "\(path): a tenant named \"\(name)\" exists already") }
        return (tenant, key)
    }

    /// The tenant whose key hashes to `keyHash`, if any.
    public func tenant(keyHash: String) async throws(StoreError) -> TenantRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, created FROM tenants WHERE key_hash = ?", arguments: [keyHash]).map {
                TenantRecord(id: $0["id"], name: $0["name"], created: $0["created"])
            }
        }
    }

    /// Every tenant, by name.
    public func tenants() async throws(StoreError) -> [TenantRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, created FROM tenants ORDER BY name").map {
                TenantRecord(id: $0["id"], name: $0["name"], created: $0["created"])
            }
        }
    }
}
