import CorralVM
import Synchronization

/// Where `kv` keeps values: per agent namespace, as JSON text. The SQLite store implements it
/// for the service; `MemoryKV` serves tests and one-off runs.
public protocol KVStore: Sendable {
    func get(namespace: String, key: String) async throws -> String?
    /// Stores `value` unless the namespace would then hold more than `maxTotalBytes` (keys and
    /// values); returns false, storing nothing, if it would.
    func put(namespace: String, key: String, value: String, maxTotalBytes: Int) async throws -> Bool
    /// True if the key was there.
    func delete(namespace: String, key: String) async throws -> Bool
    /// Keys starting with `prefix`, sorted, at most `limit`.
    func list(namespace: String, prefix: String, limit: Int) async throws -> [String]
}

/// A `KVStore` in memory.
public final class MemoryKV: KVStore {
    private let spaces = Mutex<[String: [String: String]]>([:])

    public init() {}

    public func get(namespace: String, key: String) async throws -> String? {
        spaces.withLock { $0[namespace]?[key] }
    }

    public func put(namespace: String, key: String, value: String, maxTotalBytes: Int) async throws -> Bool {
        spaces.withLock { spaces -> Bool in
            var space = spaces[namespace, default: [:]]
            space[key] = value
            let total = space.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            guard total <= maxTotalBytes else { return false }
            spaces[namespace] = space
            return true
        }
    }

    public func delete(namespace: String, key: String) async throws -> Bool {
        spaces.withLock { $0[namespace]?.removeValue(forKey: key) != nil }
    }

    public func list(namespace: String, prefix: String, limit: Int) async throws -> [String] {
        spaces.withLock { ($0[namespace] ?? [:]).keys.filter { $0.hasPrefix(prefix) }.sorted().prefix(limit).map { $0 } }
    }
}

/// `kv`: get, put, delete and list in the agent's own namespace, with the grant's sizes.
enum KVCapability {
    /// Most keys one `list` returns.
    static let listLimit = 1_000

    static func call(_ name: String, _ arguments: [String: HostValue], rules: KVRules, context: RunContext) async throws -> HostValue {
        let store = context.kv, space = context.agent
        if name == "list" {
            let prefix = try string(arguments["prefix"] ?? .string(""), "prefix", name)
            return .list(try await store.list(namespace: space, prefix: prefix, limit: listLimit).map { .string($0) })
        }
        let key = try string(arguments["key"] ?? .none, "key", name)
        guard !key.isEmpty, key.utf8.count <= rules.maxKeyBytes else {
            throw HostError("policy: kv keys are 1 to \(rules.maxKeyBytes) bytes", reason: .capabilityDenied)
        }
        switch name {
        case "get":
            guard let text = try await store.get(namespace: space, key: key) else { return arguments["default"] ?? .none }
            do {
                return try HostValueJSON.parse(text)
            } catch {
                throw HostError("the stored value of \"\(key)\" is not JSON: \(error)")
            }
        case "put":
            let value = arguments["value"] ?? .none
            let text: String
            do {
                text = try HostValueJSON.encode(value)
            } catch {
                throw HostError("the value must be JSON data (\(error))")
            }
            guard text.utf8.count <= rules.maxValueBytes else {
                throw HostError("policy: kv values are at most \(rules.maxValueBytes) bytes as JSON (this one is \(text.utf8.count))", reason: .capabilityDenied)
            }
            guard try await store.put(namespace: space, key: key, value: text, maxTotalBytes: rules.maxTotalBytes) else {
                throw HostError("policy: kv holds at most \(rules.maxTotalBytes) bytes for this agent", reason: .capabilityDenied)
            }
            return .none
        default:
            return .bool(try await store.delete(namespace: space, key: key))
        }
    }

    private static func string(_ v: HostValue, _ parameter: String, _ function: String) throws(HostError) -> String {
        guard case .string(let s) = v else { throw HostError("\(parameter) must be a string") }
        return s
    }
}
