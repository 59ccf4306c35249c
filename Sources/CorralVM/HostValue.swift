import BigInt

/// A value crossing between a sandbox and the host: a deep copy, detached from any heap, so
/// the host never holds a reference into the sandbox and the sandbox never sees host memory.
public indirect enum HostValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(BigInt)
    case float(Double)
    /// Starlark strings are byte sequences; host strings are Swift strings (invalid UTF-8 is
    /// replaced when copying out).
    case string(String)
    case bytes([UInt8])
    case list([HostValue])
    case tuple([HostValue])
    /// Insertion-ordered entries.
    case dict([HostValueEntry])

    public static func int(_ v: Int) -> HostValue { .int(BigInt(v)) }
}

public struct HostValueEntry: Sendable, Equatable {
    public var key: HostValue
    public var value: HostValue
    public init(_ key: HostValue, _ value: HostValue) {
        self.key = key
        self.value = value
    }
}

/// A call from a sandbox to the host, with copied arguments.
public struct HostCall: Sendable {
    /// The import being called.
    public var module: String
    public var name: String
    public var positional: [HostValue]
    public var named: [(name: String, value: HostValue)]
    /// When the run must end; a host function should give up by then.
    public var deadline: ContinuousClock.Instant?
}

/// An error a host function reports. It ends the run with the given reason
/// (`host-error` by default, `capability-denied` for policy refusals).
public struct HostError: Error, Sendable, Equatable {
    public var reason: TrapReason
    public var message: String
    public init(_ message: String, reason: TrapReason = .hostError) {
        self.reason = reason
        self.message = message
    }
}

/// A host function bound to an import. The VM knows nothing of what it does: HTTP, SQLite
/// and libffi live in other targets and reach the VM only through these.
public struct HostFunction: Sendable {
    public var module: String
    public var name: String
    /// Fuel for each call, before it is made.
    public var basePrice: Int64
    /// Fuel per `FuelSchedule.bytesPerFuel` bytes of arguments and result copied.
    public var pricePerByteUnit: Int64
    public var body: @Sendable (HostCall) async throws -> HostValue

    public init(
        module: String, name: String, basePrice: Int64 = 100, pricePerByteUnit: Int64 = 1,
        body: @escaping @Sendable (HostCall) async throws -> HostValue
    ) {
        self.module = module
        self.name = name
        self.basePrice = basePrice
        self.pricePerByteUnit = pricePerByteUnit
        self.body = body
    }
}

extension HostValue {
    /// The bytes this value counts for when it crosses between a sandbox and the host, as the
    /// VM counts them for a host call's price (bytecode/SPEC.md §6.7): 8 per value, plus the
    /// length of each string and bytes, plus 8 per word of an int outside 64 bits. (A string
    /// the sandbox sent with invalid UTF-8 was counted at its original length.) The host's
    /// quotas and audit use it so that they agree with the fuel charged.
    public var crossingSize: Int {
        switch self {
        case .none, .bool, .float: return 8
        case .int(let i): return Int64(exactly: i) == nil ? 8 + 8 * i.magnitude.words.count : 8
        case .string(let s): return 8 + s.utf8.count
        case .bytes(let b): return 8 + b.count
        case .list(let items), .tuple(let items): return items.reduce(8) { $0 + $1.crossingSize }
        case .dict(let entries): return entries.reduce(8) { $0 + $1.key.crossingSize + $1.value.crossingSize }
        }
    }
}
