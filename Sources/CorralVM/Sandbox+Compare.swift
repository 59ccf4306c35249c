// STUB: to be implemented (helper).
extension Sandbox {
    /// Starlark truth: False, None, 0, 0.0 and empty collections are false.
    @inline(__always) func truth(_ v: Value) -> Bool {
        switch v {
        case .bool(let b): return b
        case .none, .unbound: return false
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .function, .builtin, .host: return true
        case .ref(let slot): return refTruth(slot)
        }
    }

    func refTruth(_ slot: UInt32) -> Bool { true }

    func equal(_ x: Value, _ y: Value) throws(Trap) -> Bool { x == y }

    func compare(_ op: ComparisonOperator, _ x: Value, _ y: Value) throws(Trap) -> Bool {
        throw Trap.runtime("unsupported comparison")
    }

    /// The dict/set key for `v`; traps for unhashable values (lists, dicts, sets).
    func hashKey(_ v: Value) throws(Trap) -> HashKey {
        switch v {
        case .int(let i): return .int(i)
        default: throw Trap.runtime("unhashable type: \(typeName(v))")
        }
    }
}
