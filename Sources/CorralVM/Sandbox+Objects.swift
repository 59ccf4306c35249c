import BigInt
import CorralBytecode

/// Typed views of values and the shared rules of every operation: nesting limits, all-or-nothing
/// fuel, overflow-checked sizes and the frozen/iterating checks before a mutation.
extension Sandbox {
    /// How deep equality and ordering follow nested lists, tuples and dicts before trapping.
    /// They iterate with explicit stacks (a debug build needs over 2 KiB of native stack per
    /// level when recursing, measured), so this only stops two distinct cyclic values, as
    /// Go Starlark's comparison depth limit does.
    static let maxNesting = 1_000

    /// How deep tuples used as dict keys or set elements may nest. A `HashKey` is a recursive
    /// Swift enum that the standard library hashes, compares and frees by recursion, so this is
    /// kept low enough for a 256 KiB thread stack in a debug build (measured: 100 levels fit,
    /// 1,000 do not).
    static let maxKeyNesting = 100

    /// The heap object behind `v`, if it is one.
    @inline(__always) func heapObject(_ v: Value) -> HeapObject? {
        guard case .ref(let slot) = v else { return nil }
        return heap.object(slot)
    }

    /// The heap object kind of `v`, or nil for values that live outside the heap.
    @inline(__always) func kind(_ v: Value) -> ObjectKind? {
        guard case .ref(let slot) = v else { return nil }
        return heap.object(slot).kind
    }

    /// A list or a tuple.
    func sequenceObject(_ v: Value) -> ListObject? {
        guard let o = heapObject(v), o.kind == .list || o.kind == .tuple else { return nil }
        return unsafeDowncast(o, to: ListObject.self)
    }

    /// A list (mutable), not a tuple.
    func listObject(_ v: Value) -> ListObject? {
        guard let o = heapObject(v), o.kind == .list else { return nil }
        return unsafeDowncast(o, to: ListObject.self)
    }

    func dictObject(_ v: Value) -> DictObject? {
        guard let o = heapObject(v), o.kind == .dict else { return nil }
        return unsafeDowncast(o, to: DictObject.self)
    }

    func setObject(_ v: Value) -> SetObject? {
        guard let o = heapObject(v), o.kind == .set else { return nil }
        return unsafeDowncast(o, to: SetObject.self)
    }

    func rangeObject(_ v: Value) -> RangeObject? {
        guard let o = heapObject(v), o.kind == .range else { return nil }
        return unsafeDowncast(o, to: RangeObject.self)
    }

    /// The contents of a bytes value, or nil if `v` is not one.
    func bytesData(_ v: Value) -> [UInt8]? {
        guard let o = heapObject(v), o.kind == .bytes else { return nil }
        return unsafeDowncast(o, to: BytesObject.self).data
    }

    /// Runs `body` so that fuel is all or nothing: if it runs out of fuel part-way (after
    /// charging for earlier steps), the fuel is put back as it was, so that resuming with more
    /// fuel repeats the operation at exactly the price a larger budget would have paid once.
    /// Bodies charge all their fuel before they mutate anything.
    @inline(__always) func atomicFuel<T>(_ body: () throws(Trap) -> T) throws(Trap) -> T {
        let saved = fuel
        do throws(Trap) {
            return try body()
        } catch {
            if error.reason == .outOfFuel { fuel = saved }
            throw error
        }
    }

    /// Fuel for `count` elements of work.
    @inline(__always) func useFuel(elements count: Int) throws(Trap) {
        try useFuel(Int64(count) &* Int64(FuelSchedule.perElement))
    }

    /// `header + unit * count` bytes, or an out-of-memory trap when that cannot even be
    /// represented: huge requests must fail before anything is allocated.
    func checkedSize(_ count: Int, unit: Int, header: Int = MemoryCost.header) throws(Trap) -> Int {
        let (product, o1) = count.multipliedReportingOverflow(by: unit)
        let (total, o2) = product.addingReportingOverflow(header)
        guard count >= 0, !o1, !o2 else {
            throw Trap(.outOfMemory, "an allocation of \(count) × \(unit) bytes exceeds the memory limit of \(heap.limit) bytes")
        }
        return total
    }

    /// Grows a mutable object's charge by `delta` bytes (reserve, then charge), before the
    /// caller adds the entries that `delta` pays for.
    func grow(_ o: HeapObject, by delta: Int) throws(Trap) {
        guard delta > 0 else { return }
        try reserve(delta)
        try heap.charge(delta)
        o.bytes += delta
    }

    /// Gives back `delta` bytes after the caller removed the entries they paid for.
    func shrink(_ o: HeapObject, by delta: Int) {
        guard delta > 0 else { return }
        heap.release(delta)
        o.bytes -= delta
    }

    /// Traps unless `o` (a list, dict or set) may be mutated now: Starlark rejects mutating
    /// a frozen value and mutating a collection while a loop iterates over it.
    @inline(__always) func checkMutable(_ o: HeapObject, _ verb: @autoclosure () -> String) throws(Trap) {
        // The usual answer, before any words are built: not frozen, and not iterated.
        if !o.frozen {
            switch o.kind {
            case .list: if unsafeDowncast(o, to: ListObject.self).iterators == 0 { return }
            case .dict: if unsafeDowncast(o, to: DictObject.self).iterators == 0 { return }
            case .set: if unsafeDowncast(o, to: SetObject.self).iterators == 0 { return }
            default: break
            }
        }
        try refuseMutation(o, verb())
    }

    /// `checkMutable`'s error, in Go Starlark's words.
    private func refuseMutation(_ o: HeapObject, _ verb: String) throws(Trap) {
        let name: String
        let iterating: Bool
        switch o.kind {
        case .list:
            name = "list"
            iterating = unsafeDowncast(o, to: ListObject.self).iterators > 0
        case .dict:
            name = "dict"
            iterating = unsafeDowncast(o, to: DictObject.self).iterators > 0
        case .set:
            name = "set"
            iterating = unsafeDowncast(o, to: SetObject.self).iterators > 0
        default:
            throw Trap.runtime("cannot \(verb) a value of type \(o.kind)")
        }
        // Go Starlark's words: dicts and sets are hash tables there.
        let table = o.kind == .list ? name : "hash table"
        if o.frozen { throw Trap.runtime("cannot \(verb) frozen \(table)") }
        if iterating { throw Trap.runtime("cannot \(verb) \(table) during iteration") }
    }
}

/// A builtin's arguments bound to its parameters: slot `i` holds the argument for the `i`-th
/// name, nil when it was not passed. Inline, because a `[Value?]` cost about 500 instructions
/// per call (an allocation, plus a generic-metadata lookup for its storage class every time),
/// more than many builtins' own work.
struct BoundArguments {
    static let capacity = 4
    private var slots: (Value?, Value?, Value?, Value?) = (nil, nil, nil, nil)

    subscript(i: Int) -> Value? {
        get {
            switch i {
            case 0: return slots.0
            case 1: return slots.1
            case 2: return slots.2
            default: return slots.3
            }
        }
        set {
            switch i {
            case 0: slots.0 = newValue
            case 1: slots.1 = newValue
            case 2: slots.2 = newValue
            default: slots.3 = newValue
            }
        }
    }
}

/// A call's arguments bound to a builtin's parameter names, Go Starlark's `UnpackArgs` in
/// miniature: positional first, then by name; every builtin reports errors the same way.
extension Arguments {
    /// Binds to `names` (at most four); the first `required` must be present. Returns one slot
    /// per name.
    /// `function` is only needed for an error, so it is built only then (a method's name
    /// from its `MethodName`, say).
    func bind(_ function: @autoclosure () -> String, _ names: [String], required: Int) throws(Trap) -> BoundArguments {
        precondition(names.count <= BoundArguments.capacity, "\(function()): bind takes at most \(BoundArguments.capacity) names")
        var out = BoundArguments()
        guard positional.count <= names.count else {
            throw Trap.runtime("\(function()): got \(positional.count) arguments, want at most \(names.count)")
        }
        for (i, v) in positional.enumerated() { out[i] = v }
        // The common call: everything by position, every required argument given.
        if named.isEmpty && positional.count >= required { return out }
        let function = function()
        for (name, v) in named {
            guard let i = names.firstIndex(of: name) else {
                throw Trap.runtime("\(function): unexpected keyword argument \"\(name)\"")
            }
            guard out[i] == nil else {
                throw Trap.runtime("\(function): got multiple values for parameter \"\(name)\"")
            }
            out[i] = v
        }
        for i in 0..<required where out[i] == nil {
            throw Trap.runtime("\(function): missing argument for \(names[i])")
        }
        return out
    }

    /// Traps if any argument is passed by name (for builtins that take positional ones only).
    func noNamed(_ function: String) throws(Trap) {
        if let first = named.first {
            throw Trap.runtime("\(function): unexpected keyword argument \"\(first.name)\"")
        }
    }
}
