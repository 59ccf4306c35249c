import CorralHost
import CorralStore
import CorralVM
import Foundation
import Hummingbird
import Logging
import Synchronization

/// The service's parts, shared by every request: the store, the agents, the runs, the
/// metrics, and the tenants' keys already seen.
public final class CorralService: Sendable {
    let store: Store
    let settings: ServerSettings
    let catalog: AgentCatalog
    let runs: RunManager
    let metrics: ServerMetrics
    let logger: Logger
    /// Tenants by API key, so a known key is not hashed again on every request. Only keys
    /// that were found are kept, so a tenant created by `corral tenant create` while the
    /// server runs is found on its first request.
    private let tenantsByKey = Mutex<[String: TenantRecord]>([:])

    public init(store: Store, settings: ServerSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
        metrics = ServerMetrics()
        catalog = AgentCatalog(store: store, policiesDirectory: settings.policiesDirectory)
        runs = RunManager(store: store, settings: settings, metrics: metrics, logger: logger)
    }

    /// The tenant whose key the request carries (`Authorization: Bearer KEY`), or 401.
    func tenant(of request: Request) async throws(APIError) -> TenantRecord {
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized("missing-key", "requests need the header Authorization: Bearer KEY (corral tenant create NAME prints a key)")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw Self.unauthorized("bad-key", "the Authorization header must be Bearer KEY")
        }
        let key = String(parts[1])
        if let known = tenantsByKey.withLock({ $0[key] }) { return known }
        let hash = Store.keyHash(key)
        let found: TenantRecord?
        do {
            found = try await store.tenant(keyHash: hash)
        } catch {
            throw APIError(.serviceUnavailable, "store-error", "\(error)", retryAfter: 5)
        }
        guard let found else { throw Self.unauthorized("unknown-key", "the API key is not one this server knows") }
        tenantsByKey.withLock { $0[key] = found }
        return found
    }

    private static func unauthorized(_ code: String, _ message: String) -> APIError {
        APIError(.unauthorized, code, message)
    }

    /// A name of an agent, tenant or operator policy: 1 to 64 of A-Z a-z 0-9 . _ -, starting
    /// with a letter or digit (so it is safe as a file name and in a URL path).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func isAlphanumeric(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) }
        return (1...64).contains(bytes.count) && isAlphanumeric(bytes[0])
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }
    }

    /// Drains the runs (`RunManager.drain`) with the configured grace period.
    public func drain() async { await runs.drain(grace: settings.drainGrace) }
}
