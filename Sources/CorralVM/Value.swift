/// A Starlark value as the interpreter holds it: a tag and a plain payload, never a class
/// reference, so copying, pushing and popping values costs no reference counting.
///
/// Everything that needs storage (strings, big ints, lists, closures, …) lives in the
/// sandbox's `Heap` and is named here by its slot index. A value is only meaningful inside the
/// sandbox that made it; values leave a sandbox only as copies (`HostValue`).
public enum Value: Sendable, Equatable {
    case none
    case bool(Bool)
    /// The 64-bit fast path of Starlark's arbitrary-precision int; results that overflow are
    /// promoted to a heap `BigIntObject`, and big results that fit are demoted back here.
    case int(Int64)
    case float(Double)
    /// A heap object.
    case ref(UInt32)
    /// A module function that closes over nothing and has no defaults: no heap object needed,
    /// so the common call path never touches the heap.
    case function(UInt32)
    /// A builtin function of the VM, by `Builtin` id.
    case builtin(UInt32)
    /// A host function, by import index.
    case host(UInt32)
    /// The contents of a local, global or cell that has not been assigned. Never visible to a
    /// program: reading it traps.
    case unbound
}

extension Value {
    @inline(__always) var isUnbound: Bool {
        if case .unbound = self { return true }
        return false
    }
}
