import CorralBytecode
import CorralCompiler
import CorralHost
import CorralNative
import CorralStore
import CorralVM
import Foundation
import Synchronization

/// An agent ready to run: its validated module, parsed policy and bound native functions.
struct LoadedAgent: Sendable {
    var record: AgentRecord
    var module: ValidatedModule
    var policy: Policy
    var native: NativePlugins?
    /// Whether a run calls `main(input)` after the top level.
    let hasMain: Bool

    init(record: AgentRecord, module: ValidatedModule, policy: Policy, native: NativePlugins?) {
        self.record = record
        self.module = module
        self.policy = policy
        self.native = native
        hasMain = module.module.exports.contains { $0.name == "main" }
    }
}

/// Tenants' agents: checks uploads (compile, validate, parse the policy, link) and keeps
/// loaded agents in memory so that starting a run decodes nothing. The store is the truth;
/// this is a cache of it, dropped per agent on every change.
final class AgentCatalog: Sendable {
    let store: Store
    let policiesDirectory: String?
    private let loaded = Mutex<[String: LoadedAgent]>([:])

    init(store: Store, policiesDirectory: String?) {
        self.store = store
        self.policiesDirectory = policiesDirectory
    }

    /// An agent or tenant name: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
    static func checkName(_ name: String, what: String = "agent") throws(APIError) {
        guard CorralService.isValidName(name) else {
            throw .badRequest(
                "bad-name", "\(what) name \(JSONOut.string(String(name.prefix(80))).text) must be 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit")
        }
    }

    /// Checks and records an upload (`PUT /v1/agents/{name}`): the newest version, or the
    /// current one if the content is unchanged.
    func put(tenant: String, name: String, upload: AgentUpload) async throws(APIError) -> LoadedAgent {
        let module = try compile(upload, name: name)
        let validated: ValidatedModule
        do {
            validated = try ValidatedModule.validate(module)
        } catch {
            throw .badRequest("invalid-module", "\(name): \(error)")
        }
        let (policyText, policyRef) = try policySource(upload)
        let (policy, native) = try bind(policyText: policyText, policyRef: policyRef, module: validated)
        let record: AgentRecord
        do {
            record = try await store.recordAgent(
                tenant: tenant, name: name, module: ModuleEncoder.encode(module), policy: policyText, policyRef: policyRef,
                at: Date().timeIntervalSince1970)
        } catch {
            throw APIError(.serviceUnavailable, "store-error", "the agent could not be stored: \(error)", retryAfter: 5)
        }
        let agent = LoadedAgent(record: record, module: validated, policy: policy, native: native)
        loaded.withLock { $0[Self.key(tenant, name)] = agent }
        return agent
    }

    /// The tenant's current version of the agent.
    func get(tenant: String, name: String) async throws(APIError) -> LoadedAgent {
        if let hit = loaded.withLock({ $0[Self.key(tenant, name)] }) { return hit }
        let record: AgentRecord?
        do {
            record = try await store.currentAgent(tenant: tenant, name: name)
        } catch {
            throw APIError(.serviceUnavailable, "store-error", "\(error)", retryAfter: 5)
        }
        guard let record else { throw .notFound("no agent named \"\(name)\"") }
        let module: ValidatedModule
        do {
            module = try ValidatedModule.load(record.module)
        } catch {
            throw APIError(.internalServerError, "invalid-module", "stored agent \(name) v\(record.version) no longer validates: \(error)")
        }
        let (policy, native) = try bind(policyText: record.policy, policyRef: record.policyRef, module: module)
        let agent = LoadedAgent(record: record, module: module, policy: policy, native: native)
        loaded.withLock { $0[Self.key(tenant, name)] = agent }
        return agent
    }

    /// Deletes the agent (its versions stay for the runs that name them).
    func delete(tenant: String, name: String) async throws(APIError) {
        loaded.withLock { $0[Self.key(tenant, name)] = nil }
        let existed: Bool
        do {
            existed = try await store.deleteAgent(tenant: tenant, name: name, at: Date().timeIntervalSince1970)
        } catch {
            throw APIError(.serviceUnavailable, "store-error", "\(error)", retryAfter: 5)
        }
        guard existed else { throw .notFound("no agent named \"\(name)\"") }
    }

    private static func key(_ tenant: String, _ name: String) -> String { tenant + "/" + name }

    /// The module of an upload: Starlark compiled (loads of other files are refused: an
    /// upload is one file), or a binary module decoded.
    private func compile(_ upload: AgentUpload, name: String) throws(APIError) -> Module {
        switch upload.code {
        case .source(let text):
            do {
                return try StarlarkCompiler.compile(text, file: "\(name).star") { path in
                    throw LoadFailure("an uploaded agent is one file; \(path) cannot be loaded")
                }
            } catch {
                throw .badRequest(error.kind.rawValue, error.rendered)
            }
        case .module(let bytes):
            do {
                return try ModuleDecoder.decode(bytes)
            } catch {
                throw .badRequest("malformed-module", "\(name): \(error)")
            }
        }
    }

    /// The policy text of an upload, and the operator's file it came from if named by
    /// `policy_ref`.
    private func policySource(_ upload: AgentUpload) throws(APIError) -> (String, String?) {
        switch upload.policy {
        case .none: return ("", nil)
        case .inline(let text): return (text, nil)
        case .reference(let ref):
            try AgentCatalog.checkName(ref, what: "policy_ref")
            guard let dir = policiesDirectory else {
                throw .badRequest("unknown-policy", "policy_ref \"\(ref)\": this server has no policies directory (corral serve --policies)")
            }
            let path = URL(fileURLWithPath: dir).appendingPathComponent(ref + ".yaml").path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .badRequest("unknown-policy", "policy_ref \"\(ref)\": no \(ref).yaml in the server's policies directory")
            }
            return (String(decoding: data, as: UTF8.self), ref)
        }
    }

    /// Parses the policy, links the module against it and binds native functions; every
    /// failure is a 400 that says what and where. `policyRef` names the operator's file the
    /// text came from, if it did.
    private func bind(
        policyText: String, policyRef: String?, module: ValidatedModule
    ) throws(APIError) -> (Policy, NativePlugins?) {
        var policy = Policy.denyAll
        if !policyText.isEmpty {
            do {
                policy = try Policy(yaml: policyText)
            } catch {
                throw .badRequest("policy-error", "policy:\(error.line == nil ? " " : "")\(error)")
            }
        }
        if policyRef == nil {
            policy.grants["http"]?.http?.namedInternalHostsAllowed = false
        }
        var native: NativePlugins?
        if let bindings = policy.grants["native"]?.native, !bindings.isEmpty {
            // A tenant's own policy could name any library on the host: only the operator's may.
            guard policyRef != nil, let dir = policiesDirectory else {
                throw .badRequest(
                    "policy-error", "policy: native bindings are allowed only in the operator's policies (policy_ref), not in an uploaded policy")
            }
            do {
                native = try NativePlugins(bindings: bindings, directory: dir)
            } catch {
                throw .badRequest("link-error", "native: \(error)")
            }
        }
        do {
            try Linker.check(module.module.imports.map { ($0.module, $0.name) }, against: policy)
        } catch {
            throw .badRequest("link-error", "\(error)")
        }
        return (policy, native)
    }
}

/// The body of `PUT /v1/agents/{name}`.
struct AgentUpload: Sendable {
    enum Code: Sendable {
        case source(String)
        case module([UInt8])
    }
    enum PolicySource: Sendable {
        case none
        case inline(String)
        case reference(String)
    }
    var code: Code
    var policy: PolicySource
}
