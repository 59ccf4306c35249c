import CorralVM
import Yams

/// A policy that cannot be used, and where: `12:5: capabilities.http.hosts[1]: want a string`.
/// Unknown keys are errors too, so that a misspelt `quota` never silently grants more.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Line and column in the YAML source (1-based), when known.
    public var line: Int?
    public var column: Int?
    /// Where in the document: `capabilities.http.ports[0]`.
    public var path: String
    public var message: String

    public var description: String {
        let at = line.map { "\($0):\(column ?? 1): " } ?? ""
        return path.isEmpty ? "\(at)\(message)" : "\(at)\(path): \(message)"
    }
}

extension Policy {
    /// Policies are small; anything larger is refused before it is parsed.
    public static let maxSourceBytes = 1 << 20

    /// Parses and checks a policy (samples/policies/README.md). Every problem is a
    /// `PolicyError` with its line, column and key path.
    public init(yaml: String) throws(PolicyError) {
        guard yaml.utf8.count <= Policy.maxSourceBytes else {
            throw PolicyError(path: "", message: "policy is \(yaml.utf8.count) bytes, more than the limit of \(Policy.maxSourceBytes)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw PolicyError(path: "", message: "not valid YAML: \(error)")
        }
        guard let root else { throw PolicyError(path: "", message: "the policy is empty") }
        self.init()
        let top = try PolicyNode(root, "").mapping(allowed: ["agent", "budget", "capabilities"])
        agent = try top["agent"]?.string()
        if let b = top["budget"] { budget = try BudgetCaps(b) }
        if let caps = top["capabilities"] {
            for (module, node) in try caps.entries() {
                grants[module] = try Grant(module: module, node)
            }
        }
    }
}

extension BudgetCaps {
    fileprivate init(_ node: PolicyNode) throws(PolicyError) {
        let m = try node.mapping(allowed: ["fuel", "memory", "timeout", "max_depth"])
        self.init()
        fuel = try m["fuel"].map { n throws(PolicyError) in Int64(try n.int(min: 0)) }
        memory = try m["memory"]?.size(min: 1)
        timeout = try m["timeout"]?.duration()
        maxDepth = try m["max_depth"]?.int(min: 1)
    }
}

extension Grant {
    fileprivate init(module: String, _ node: PolicyNode) throws(PolicyError) {
        guard let catalog = CapabilityCatalog.modules[module] else {
            throw node.error("unknown capability module \"\(module)\" (known: \(CapabilityCatalog.moduleNames))")
        }
        var keys: Set<String> = ["functions", "arguments", "quota", "price"]
        switch module {
        case "http": keys.formUnion(["hosts", "schemes", "ports", "paths", "max_response", "timeout"])
        case "kv": keys.formUnion(["max_key", "max_value", "max_total"])
        default: break
        }
        let m = try node.mapping(allowed: keys)
        guard let functionsNode = m["functions"] else { throw node.error("missing \"functions\": list what the agent may call") }
        self.init(module: module, functions: [])
        if CapabilityCatalog.policyDefined.contains(module) {
            for (name, binding) in try functionsNode.entries() {
                functions.insert(name)
                native[name] = try NativeBinding(binding)
            }
        } else {
            for item in try functionsNode.list() {
                let name = try item.string()
                guard catalog.contains(where: { $0.name == name }) else {
                    let known = catalog.map(\.name).joined(separator: ", ")
                    throw item.error("\(module) has no function \"\(name)\" (it has: \(known))")
                }
                functions.insert(name)
            }
        }
        if let args = m["arguments"] {
            for (function, rules) in try args.entries() {
                guard functions.contains(function) else {
                    throw rules.error("constraints for \"\(function)\", which \"functions\" does not grant")
                }
                arguments[function] = try rules.entries().map { (path, rule) throws(PolicyError) in try ArgumentConstraint(path: path, rule) }
            }
        }
        if let q = m["quota"] { quota = try Quota(q) }
        if let p = m["price"] { price = try Price(p) }
        if module == "http" { http = try HTTPRules(m, at: node) }
        if module == "kv" { kv = try KVRules(m) }
    }
}

extension ArgumentConstraint {
    fileprivate init(path: String, _ node: PolicyNode) throws(PolicyError) {
        let m = try node.mapping(allowed: ["min", "max", "one_of", "required"])
        self.init(path: path)
        min = try m["min"]?.number()
        max = try m["max"]?.number()
        oneOf = try m["one_of"]?.list().map { item throws(PolicyError) in try item.scalarValue() }
        required = try m["required"]?.bool() ?? true
        if min == nil && max == nil && oneOf == nil { throw node.error("a constraint needs min, max or one_of") }
        if let lo = min, let hi = max, lo > hi { throw node.error("min \(lo) is above max \(hi)") }
    }
}

extension Quota {
    fileprivate init(_ node: PolicyNode) throws(PolicyError) {
        let m = try node.mapping(allowed: ["calls", "bytes_out", "bytes_in"])
        self.init()
        calls = try m["calls"]?.int(min: 0)
        bytesOut = try m["bytes_out"]?.size(min: 0)
        bytesIn = try m["bytes_in"]?.size(min: 0)
    }
}

extension Price {
    fileprivate init(_ node: PolicyNode) throws(PolicyError) {
        let m = try node.mapping(allowed: ["base", "per_byte"])
        self.init(
            base: Int64(try m["base"]?.int(min: 0) ?? 0),
            perByteUnit: Int64(try m["per_byte"]?.int(min: 0) ?? 0))
    }
}

extension HTTPRules {
    fileprivate init(_ m: [String: PolicyNode], at node: PolicyNode) throws(PolicyError) {
        guard let hostsNode = m["hosts"] else { throw node.error("missing \"hosts\": http needs the hosts it may reach") }
        let hosts = try hostsNode.list().map { h throws(PolicyError) in
            let host = try h.string().lowercased()
            guard !host.isEmpty, !host.contains("/"), !host.contains("@"), !host.contains(":") || host.hasPrefix("[") else {
                throw h.error("a host is a name, *.name or an IP literal (IPv6 in brackets), without scheme, port or path")
            }
            return host
        }
        guard !hosts.isEmpty else { throw hostsNode.error("want at least one host") }
        self.init(hosts: hosts)
        if let s = m["schemes"] {
            schemes = Set(try s.list().map { n throws(PolicyError) in
                let scheme = try n.string().lowercased()
                guard scheme == "http" || scheme == "https" else { throw n.error("scheme must be http or https") }
                return scheme
            })
        }
        if let p = m["ports"] { ports = Set(try p.list().map { n throws(PolicyError) in try n.int(min: 1, max: 65_535) }) }
        if let p = m["paths"] {
            pathPrefixes = try p.list().map { n throws(PolicyError) in
                let path = try n.string()
                guard path.hasPrefix("/") else { throw n.error("a path prefix starts with /") }
                return path
            }
        }
        if let r = m["max_response"] { maxResponseBytes = try r.size(min: 1) }
        if let t = m["timeout"] { timeout = try t.duration() }
    }
}

extension KVRules {
    fileprivate init(_ m: [String: PolicyNode]) throws(PolicyError) {
        self.init()
        if let n = m["max_key"] { maxKeyBytes = try n.size(min: 1) }
        if let n = m["max_value"] { maxValueBytes = try n.size(min: 1) }
        if let n = m["max_total"] { maxTotalBytes = try n.size(min: 1) }
    }
}

extension NativeBinding {
    fileprivate init(_ node: PolicyNode) throws(PolicyError) {
        let m = try node.mapping(allowed: ["library", "symbol", "signature", "free"])
        func required(_ key: String) throws(PolicyError) -> String {
            guard let n = m[key] else { throw node.error("missing \"\(key)\"") }
            return try n.string()
        }
        self.init(
            library: try required("library"), symbol: try required("symbol"), signature: try required("signature"),
            free: try m["free"]?.string())
    }
}

/// A node of the policy document with its key path, and typed readers that fail with a
/// `PolicyError` naming the line, the column and the path.
private struct PolicyNode {
    let node: Node
    let path: String

    init(_ node: Node, _ path: String) {
        self.node = node
        self.path = path
    }

    func error(_ message: String) -> PolicyError {
        PolicyError(line: node.mark?.line, column: node.mark?.column, path: path, message: message)
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The entries of a mapping with string keys, in document order.
    func entries() throws(PolicyError) -> [(String, PolicyNode)] {
        try keyedEntries().map { ($0.0, $0.2) }
    }

    /// Each entry with its key's node too, for errors that point at the key.
    private func keyedEntries() throws(PolicyError) -> [(String, PolicyNode, PolicyNode)] {
        guard case .mapping(let mapping) = node else { throw error("want a mapping (key: value lines)") }
        var seen: Set<String> = []
        var out: [(String, PolicyNode, PolicyNode)] = []
        for (k, v) in mapping {
            guard case .scalar(let key) = k else { throw PolicyNode(k, path).error("keys must be plain strings") }
            let keyNode = PolicyNode(k, child(key.string))
            guard seen.insert(key.string).inserted else { throw keyNode.error("\"\(key.string)\" appears twice") }
            out.append((key.string, keyNode, PolicyNode(v, child(key.string))))
        }
        return out
    }

    /// A mapping whose keys must all be in `allowed`.
    func mapping(allowed: Set<String>) throws(PolicyError) -> [String: PolicyNode] {
        var out: [String: PolicyNode] = [:]
        for (key, keyNode, value) in try keyedEntries() {
            guard allowed.contains(key) else {
                throw keyNode.error("unknown key \"\(key)\" (allowed here: \(allowed.sorted().joined(separator: ", ")))")
            }
            out[key] = value
        }
        return out
    }

    func list() throws(PolicyError) -> [PolicyNode] {
        guard case .sequence(let seq) = node else { throw error("want a list") }
        return seq.enumerated().map { PolicyNode($0.element, "\(path)[\($0.offset)]") }
    }

    private func scalar() throws(PolicyError) -> Node.Scalar {
        switch node {
        case .scalar(let s): return s
        case .alias: throw error("aliases are not allowed in a policy")
        default: throw error("want a single value, not a list or mapping")
        }
    }

    func string() throws(PolicyError) -> String { try scalar().string }

    func int(min: Int = .min, max: Int = .max) throws(PolicyError) -> Int {
        guard let n = Int(try scalar().string.replacingUnderscores), n >= min, n <= max else {
            throw error("want a whole number\(min > .min ? " of at least \(min)" : "")\(max < .max ? " and at most \(max)" : "")")
        }
        return n
    }

    func number() throws(PolicyError) -> Double {
        guard let d = Double(try scalar().string.replacingUnderscores), d.isFinite else { throw error("want a number") }
        return d
    }

    func bool() throws(PolicyError) -> Bool {
        switch try scalar().string {
        case "true": return true
        case "false": return false
        default: throw error("want true or false")
        }
    }

    func size(min: Int) throws(PolicyError) -> Int {
        guard let n = ByteSize.parse(try scalar().string.replacingUnderscores), n >= min else {
            throw error("want a size: \(ByteSize.help)")
        }
        return n
    }

    func duration() throws(PolicyError) -> Duration {
        guard let d = DurationText.parse(try scalar().string) else { throw error("want a duration: \(DurationText.help)") }
        return d
    }

    /// A scalar as a value for `one_of`: a bool, an int, a float or a string, as YAML reads it
    /// (quoted scalars stay strings).
    func scalarValue() throws(PolicyError) -> HostValue {
        let s = try scalar()
        if s.style == .plain {
            if s.string == "true" { return .bool(true) }
            if s.string == "false" { return .bool(false) }
            if let i = Int(s.string) { return .int(i) }
            if let d = Double(s.string), d.isFinite { return .float(d) }
        }
        return .string(s.string)
    }
}

extension String {
    /// YAML writers use 1_000_000 for readability.
    fileprivate var replacingUnderscores: String { filter { $0 != "_" } }
}
