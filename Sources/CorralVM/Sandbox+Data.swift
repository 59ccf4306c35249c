// STUB: to be implemented (helper).
extension Sandbox {
    /// `dict.new n`: the 2n values from `base` are key, value pairs; later keys win.
    func makeDict(pairsAt base: Int, count: Int) throws(Trap) -> Value {
        throw Trap.runtime("unsupported dict")
    }

    func listPush(_ list: Value, _ item: Value) throws(Trap) {
        guard case .ref(let slot) = list, heap.object(slot).kind == .list else {
            throw Trap.runtime("list.push on \(typeName(list))")
        }
        try reserve(MemoryCost.valueSlot)
        let l = unsafeDowncast(heap.object(slot), to: ListObject.self)
        try heap.charge(MemoryCost.valueSlot)
        l.bytes += MemoryCost.valueSlot
        l.items.append(item)
    }

    func index(_ x: Value, _ k: Value) throws(Trap) -> Value {
        guard case .ref(let slot) = x, case .int(let i) = k, heap.object(slot).kind == .list else {
            throw Trap.runtime("unsupported index")
        }
        return unsafeDowncast(heap.object(slot), to: ListObject.self).items[Int(i)]
    }

    func setIndex(_ x: Value, _ k: Value, _ v: Value) throws(Trap) {
        throw Trap.runtime("unsupported index assignment")
    }

    func slice(_ x: Value, _ lo: Value, _ hi: Value, _ step: Value) throws(Trap) -> Value {
        throw Trap.runtime("unsupported slice")
    }

    /// Writes the `count` elements of `x` to stack slots `slot ..< slot + count`.
    func unpack(_ x: Value, into slot: Int, count: Int) throws(Trap) {
        throw Trap.runtime("unsupported unpack")
    }

    /// `x.name`: a bound method (or, later, a struct field).
    func attribute(_ x: Value, name: Int) throws(Trap) -> Value {
        throw Trap.runtime("\(typeName(x)) has no attribute .\(module.names[name])")
    }

    /// The elements of an iterable, for `*args` and builtins.
    func elements(of x: Value, for what: String) throws(Trap) -> [Value] {
        guard case .ref(let slot) = x, heap.object(slot).kind == .list || heap.object(slot).kind == .tuple else {
            throw Trap.runtime("\(what) must be iterable, not \(typeName(x))")
        }
        return unsafeDowncast(heap.object(slot), to: ListObject.self).items
    }

    /// The bytes of a string value, or nil if `v` is not a string.
    func stringBytes(_ v: Value) -> [UInt8]? {
        guard case .ref(let slot) = v, heap.object(slot).kind == .string else { return nil }
        return unsafeDowncast(heap.object(slot), to: StringObject.self).utf8
    }
}
