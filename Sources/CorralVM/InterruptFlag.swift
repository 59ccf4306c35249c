import Synchronization

/// The one "something unusual" flag (Lua's `trap`): a deadline or a cancel request sets it,
/// and the interpreter reads it at the same block-entry points where it charges fuel.
///
/// A relaxed atomic load is a plain load on x86-64 and arm64; the prototype measured the
/// check at block entry at +0–5% (bytecode/BENCHMARKS.md), against +40–90% for reading the
/// clock every 1,024 instructions.
final class InterruptFlag: Sendable {
    static let deadline: UInt8 = 1
    static let cancel: UInt8 = 2
    let raw = Atomic<UInt8>(0)
    /// The host call in flight, cancelled along with the run so a slow host function that
    /// honours task cancellation stops waiting at once.
    let hostTask = Mutex<Task<HostValue, any Error>?>(nil)

    @inline(__always) var isSet: Bool { raw.load(ordering: .relaxed) != 0 }
    var reason: UInt8 { raw.load(ordering: .relaxed) }

    /// The first reason set wins, so a cancel after a deadline still reports the deadline.
    func set(_ reason: UInt8) {
        _ = raw.compareExchange(expected: 0, desired: reason, ordering: .relaxed)
        hostTask.withLock { $0?.cancel() }
    }
    func clear() { raw.store(0, ordering: .relaxed) }
}
