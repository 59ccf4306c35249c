import Synchronization

/// The one "something unusual" flag (Lua's `trap`): a deadline, a cancel request or the end
/// of a time slice sets it, and the interpreter reads it at the same block-entry points where
/// it charges fuel.
///
/// A relaxed atomic load is a plain load on x86-64 and arm64; the prototype measured the
/// check at block entry at +0–5% (Benchmarks/README.md), against +40–90% for reading the
/// clock every 1,024 instructions.
final class InterruptFlag: Sendable {
    static let deadline: UInt8 = 1
    static let cancel: UInt8 = 2
    /// The run has had its time slice: it should let other tasks onto its thread.
    static let yield: UInt8 = 4

    let raw = Atomic<UInt8>(0)
    /// The host call in flight, cancelled along with the run so a slow host function that
    /// honours task cancellation stops waiting at once.
    let hostTask = Mutex<Task<HostValue, any Error>?>(nil)

    @inline(__always) var isSet: Bool { raw.load(ordering: .relaxed) != 0 }

    /// Why the run must stop, or nil if the flag only asks it to yield. A deadline reports
    /// first: it is the more useful answer when both happened.
    var stopReason: UInt8? {
        let bits = raw.load(ordering: .relaxed)
        if bits & InterruptFlag.deadline != 0 { return InterruptFlag.deadline }
        if bits & InterruptFlag.cancel != 0 { return InterruptFlag.cancel }
        return nil
    }

    func set(_ bit: UInt8) {
        raw.bitwiseOr(bit, ordering: .relaxed)
        if bit != InterruptFlag.yield { hostTask.withLock { $0?.cancel() } }
    }

    func clearYield() { raw.bitwiseAnd(~InterruptFlag.yield, ordering: .relaxed) }
}
