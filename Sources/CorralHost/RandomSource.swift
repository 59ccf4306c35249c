import BigInt
import CorralVM
import Synchronization

/// `random`: numbers from the system's generator, or from a seed (tests, replays). Every
/// answer is written to the audit log (`AuditEntry.answer`), so a run can be replayed.
public final class RandomSource: Sendable {
    private let generator: Mutex<SeededGenerator?>

    /// The system's generator.
    public init() { generator = Mutex(nil) }

    /// A deterministic sequence from `seed`.
    public init(seed: UInt64) { generator = Mutex(SeededGenerator(state: seed)) }

    private func next() -> UInt64 {
        generator.withLock { g -> UInt64 in
            if g == nil {
                var system = SystemRandomNumberGenerator()
                return system.next()
            }
            return g!.next()
        }
    }

    func call(_ name: String, _ arguments: [String: HostValue]) throws(HostError) -> HostValue {
        switch name {
        case "float":
            // 53 random bits: a uniform double in [0, 1).
            return .float(Double(next() >> 11) * 0x1p-53)
        default:
            guard case .int(let low) = arguments["low"] ?? .none, case .int(let high) = arguments["high"] ?? .none,
                let lo = Int64(exactly: low), let hi = Int64(exactly: high)
            else { throw HostError("low and high must be ints within 64 bits") }
            guard lo <= hi else { throw HostError("low \(lo) is above high \(hi)") }
            // Uniform in [lo, hi] by rejection, without modulo bias.
            let span = UInt64(bitPattern: hi &- lo) &+ 1
            if span == 0 { return .int(BigInt(Int64(bitPattern: next()))) }
            let limit = UInt64.max - UInt64.max % span
            var r = next()
            while r >= limit { r = next() }
            return .int(BigInt(lo &+ Int64(bitPattern: r % span)))
        }
    }
}

/// SplitMix64: small, fast and fully determined by its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
