import CorralVM
import Crypto
import Synchronization

/// One host call as the audit log keeps it: which run, in which order, what was asked (a digest
/// and a size, not the arguments themselves), what came of it, and what it cost.
public struct AuditEntry: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case ok
        /// Refused by the policy: the rule that refused it.
        case denied(String)
        /// The capability failed (a network error, a bad argument).
        case failed(String)

        /// `ok`, `denied` or `failed`: the column the store indexes.
        public var word: String {
            switch self {
            case .ok: return "ok"
            case .denied: return "denied"
            case .failed: return "failed"
            }
        }

        public var detail: String? {
            switch self {
            case .ok: return nil
            case .denied(let d), .failed(let d): return d
            }
        }
    }

    public var run: String
    /// 1 for the run's first host call, and so on.
    public var sequence: Int
    public var capability: String
    public var function: String
    /// SHA-256 of the arguments as canonical JSON (`AuditEntry.digest`), hex.
    public var argumentDigest: String
    /// The arguments' size as the VM counts a crossing.
    public var argumentBytes: Int
    public var outcome: Outcome
    /// The fuel the VM charged for the call: base price and bytes both ways.
    public var fuel: Int64
    public var duration: Duration
    /// Seconds since 1970 when the call was made.
    public var time: Double
    /// For `clock` and `random`: the answer, as JSON, so that a run can be replayed.
    public var answer: String?

    public init(
        run: String, sequence: Int, capability: String, function: String, argumentDigest: String, argumentBytes: Int,
        outcome: Outcome, fuel: Int64, duration: Duration, time: Double, answer: String? = nil
    ) {
        self.run = run
        self.sequence = sequence
        self.capability = capability
        self.function = function
        self.argumentDigest = argumentDigest
        self.argumentBytes = argumentBytes
        self.outcome = outcome
        self.fuel = fuel
        self.duration = duration
        self.time = time
        self.answer = answer
    }
}

/// Where audit entries go: the SQLite store in a service, memory in tests and `corral run`.
/// `record` is awaited before the agent sees the call's answer, so a run never gets ahead of
/// its audit.
public protocol AuditSink: Sendable {
    func record(_ entry: AuditEntry) async throws
}

/// Audit entries kept in memory, in order.
public final class MemoryAudit: AuditSink {
    private let stored = Mutex<[AuditEntry]>([])

    public init() {}

    public func record(_ entry: AuditEntry) async throws {
        stored.withLock { $0.append(entry) }
    }

    public var entries: [AuditEntry] { stored.withLock { $0 } }
}

/// The digest an audit entry keeps of a call's arguments: SHA-256, hex, of a canonical form
/// that every value has (JSON has no bytes and no non-string keys), so that two calls with
/// the same arguments have the same digest on every machine.
enum AuditDigest {
    static func of(_ call: HostCall) -> String {
        var out: [UInt8] = []
        for v in call.positional { canonical(v, into: &out) }
        for (name, v) in call.named {
            out.append(UInt8(ascii: "="))
            chunk(Array(name.utf8), into: &out)
            canonical(v, into: &out)
        }
        return Hex.string(SHA256.hash(data: out))
    }

    /// A type letter and the contents; lengths first, so no two values share a form.
    private static func canonical(_ v: HostValue, into out: inout [UInt8]) {
        switch v {
        case .none: out.append(UInt8(ascii: "N"))
        case .bool(let b): out.append(b ? UInt8(ascii: "T") : UInt8(ascii: "F"))
        case .int(let i):
            out.append(UInt8(ascii: "i"))
            chunk(Array(String(i).utf8), into: &out)
        case .float(let d):
            out.append(UInt8(ascii: "f"))
            chunk(Array(String(d.bitPattern, radix: 16).utf8), into: &out)
        case .string(let s):
            out.append(UInt8(ascii: "s"))
            chunk(Array(s.utf8), into: &out)
        case .bytes(let b):
            out.append(UInt8(ascii: "b"))
            chunk(b, into: &out)
        case .list(let items): sequence(UInt8(ascii: "l"), items, into: &out)
        case .tuple(let items): sequence(UInt8(ascii: "t"), items, into: &out)
        case .dict(let entries):
            out.append(UInt8(ascii: "d"))
            chunk(Array(String(entries.count).utf8), into: &out)
            for e in entries {
                canonical(e.key, into: &out)
                canonical(e.value, into: &out)
            }
        }
    }

    private static func sequence(_ tag: UInt8, _ items: [HostValue], into out: inout [UInt8]) {
        out.append(tag)
        chunk(Array(String(items.count).utf8), into: &out)
        for i in items { canonical(i, into: &out) }
    }

    private static func chunk(_ bytes: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: Array(String(bytes.count).utf8))
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: bytes)
    }
}

/// Lowercase hexadecimal text of bytes: digests and keys. One pass, no formatting calls (a
/// key is hashed on every request).
public enum Hex {
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
