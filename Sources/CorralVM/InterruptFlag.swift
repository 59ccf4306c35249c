import Synchronization

/// The one "something unusual" flag (Lua's `trap`): a deadline, a cancel request or the end
/// of a time slice sets it, and the interpreter reads it at the same block-entry points where
/// it charges fuel.
///
/// A relaxed atomic load is a plain load on x86-64 and arm64; the prototype measured the
/// check at block entry at +0–5% (Benchmarks/README.md), against +40–90% for reading the
/// clock every 1,024 instructions.
final class InterruptFlag: Sendable {
    // The bits sit at the top of a signed 64-bit word, so the word doubles as a fuel floor:
    // a block entry tests `fuel - cost >= word` in one compare, which holds exactly when the
    // fuel covers the cost and no bit is set, because fuel never exceeds `Sandbox.maxFuel`
    // (below the lowest bit). Checking fuel and flag separately cost two more compares and
    // branches at every block entry (Benchmarks/README.md, "Results").
    static let deadline: Int64 = 1 << 62
    static let cancel: Int64 = 1 << 61
    /// The run has had its time slice: it should let other tasks onto its thread.
    static let yield: Int64 = 1 << 60

    let raw = Atomic<Int64>(0)
    /// The host call in flight, cancelled along with the run so a slow host function that
    /// honours task cancellation stops waiting at once.
    let hostTask = Mutex<Task<HostValue, any Error>?>(nil)

    /// Zero, or at least `yield` when any bit is set: the floor fuel must stay at or above
    /// after paying for a block.
    @inline(__always) var floor: Int64 { raw.load(ordering: .relaxed) }

    var isSet: Bool { floor != 0 }

    /// Why the run must stop, or nil if the flag only asks it to yield. A deadline reports
    /// first: it is the more useful answer when both happened.
    var stopReason: Int64? {
        let bits = raw.load(ordering: .relaxed)
        if bits & InterruptFlag.deadline != 0 { return InterruptFlag.deadline }
        if bits & InterruptFlag.cancel != 0 { return InterruptFlag.cancel }
        return nil
    }

    func set(_ bit: Int64) {
        raw.bitwiseOr(bit, ordering: .relaxed)
        if bit != InterruptFlag.yield { hostTask.withLock { $0?.cancel() } }
    }

    func clearYield() { raw.bitwiseAnd(~InterruptFlag.yield, ordering: .relaxed) }
}
