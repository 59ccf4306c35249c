import CorralVM

/// What an operator grants one agent. Deny by default: an agent may call only the capability
/// functions listed here, with arguments inside the constraints, within the quotas, at the
/// prices given; everything else fails the link or traps `capability-denied`.
///
/// Policies are YAML (`Policy(yaml:)`, Policy+YAML.swift) so that they can live in a Kubernetes
/// ConfigMap; samples/policies/README.md documents the format with examples.
public struct Policy: Sendable, Equatable {
    /// The agent this policy is written for, if it names one (informational).
    public var agent: String?
    /// Caps on the run's budget; nil fields leave the caller's value.
    public var budget = BudgetCaps()
    /// Grants by capability module name (`http`, `kv`, …).
    public var grants: [String: Grant] = [:]

    public init(agent: String? = nil, budget: BudgetCaps = BudgetCaps(), grants: [String: Grant] = [:]) {
        self.agent = agent
        self.budget = budget
        self.grants = grants
    }

    /// A policy that grants nothing: any import fails the link.
    public static let denyAll = Policy()
}

/// The `budget:` section: the most a run of this agent may use. A caller (the CLI, the
/// service) may ask for less, never more.
public struct BudgetCaps: Sendable, Equatable {
    public var fuel: Int64?
    public var memory: Int?
    public var timeout: Duration?
    public var maxDepth: Int?

    public init(fuel: Int64? = nil, memory: Int? = nil, timeout: Duration? = nil, maxDepth: Int? = nil) {
        self.fuel = fuel
        self.memory = memory
        self.timeout = timeout
        self.maxDepth = maxDepth
    }

    /// `budget` with every field lowered to its cap.
    public func capping(_ budget: Budget) -> Budget {
        var b = budget
        if let fuel { b.fuel = min(b.fuel, fuel) }
        if let memory { b.memory = min(b.memory, memory) }
        if let timeout { b.timeout = b.timeout.map { min($0, timeout) } ?? timeout }
        if let maxDepth { b.maxDepth = min(b.maxDepth, maxDepth) }
        return b
    }
}

/// One capability module's grant: which of its functions, under which constraints.
public struct Grant: Sendable, Equatable {
    public var module: String
    /// The granted function names.
    public var functions: Set<String>
    /// Constraints on arguments, by function name.
    public var arguments: [String: [ArgumentConstraint]] = [:]
    /// Limits per run, over all the granted functions of this module.
    public var quota = Quota()
    /// Fuel per call; nil keeps the capability's own price.
    public var price: Price?
    /// `http` only: where requests may go.
    public var http: HTTPRules?
    /// `kv` only: sizes.
    public var kv: KVRules?
    /// `native` only: the C function behind each granted function.
    public var native: [String: NativeBinding] = [:]

    public init(module: String, functions: Set<String>) {
        self.module = module
        self.functions = functions
    }
}

/// A rule on one argument: `path` names a parameter (`amount`), or a key inside a dict
/// argument (`json.amount`). A call whose argument breaks the rule traps
/// `capability-denied` and the message names the rule.
public struct ArgumentConstraint: Sendable, Equatable {
    public var path: String
    public var min: Double?
    public var max: Double?
    /// Allowed values (strings, numbers, bools), compared exactly.
    public var oneOf: [HostValue]?
    /// Whether the argument must be present (a rule on an absent argument fails unless false).
    public var required = true

    public init(path: String, min: Double? = nil, max: Double? = nil, oneOf: [HostValue]? = nil, required: Bool = true) {
        self.path = path
        self.min = min
        self.max = max
        self.oneOf = oneOf
        self.required = required
    }
}

/// Per-run limits of one capability module. Nil is unlimited.
public struct Quota: Sendable, Equatable {
    public var calls: Int?
    /// Bytes of arguments sent (as the VM measures a crossing, bytecode/SPEC.md §6.7).
    public var bytesOut: Int?
    /// Bytes of answers received.
    public var bytesIn: Int?

    public init(calls: Int? = nil, bytesOut: Int? = nil, bytesIn: Int? = nil) {
        self.calls = calls
        self.bytesOut = bytesOut
        self.bytesIn = bytesIn
    }
}

/// Fuel for a host call: `base`, plus `perByteUnit` per 8 bytes crossing either way.
public struct Price: Sendable, Equatable {
    public var base: Int64
    public var perByteUnit: Int64

    public init(base: Int64, perByteUnit: Int64) {
        self.base = base
        self.perByteUnit = perByteUnit
    }
}

/// Where `http` requests may go. A URL must match a host, a scheme, a port and a path prefix.
public struct HTTPRules: Sendable, Equatable {
    /// Host names (`api.example.com`), wildcards of one label or more (`*.example.com`), or IP
    /// literals. Private, loopback and link-local addresses are refused unless named here as
    /// literals or as names (`localhost`).
    public var hosts: [String]
    public var schemes: Set<String> = ["https"]
    /// Allowed ports; nil allows only the scheme's default port.
    public var ports: Set<Int>?
    public var pathPrefixes: [String] = ["/"]
    public var maxResponseBytes = 1 << 20
    public var timeout: Duration = .seconds(10)
    /// Whether naming a private, loopback or link-local host in `hosts` lets requests reach
    /// it. The service turns it off for tenants' own policies, so that a tenant cannot grant
    /// itself the cluster's insides (only the operator's policies may).
    public var namedInternalHostsAllowed = true

    public init(hosts: [String]) {
        self.hosts = hosts
    }
}

/// Sizes for `kv`.
public struct KVRules: Sendable, Equatable {
    public var maxKeyBytes = 256
    public var maxValueBytes = 64 << 10
    /// The most the agent's namespace may hold, keys and values together.
    public var maxTotalBytes = 16 << 20

    public init() {}
}

/// A native plugin function: a symbol in a shared library, called through libffi with the
/// given C signature (`int64(string, double)`, …).
public struct NativeBinding: Sendable, Equatable {
    public var library: String
    public var symbol: String
    public var signature: String
    /// For an output string: the function that frees it.
    public var free: String?

    public init(library: String, symbol: String, signature: String, free: String? = nil) {
        self.library = library
        self.symbol = symbol
        self.signature = signature
        self.free = free
    }
}
