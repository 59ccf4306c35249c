// STUB: to be implemented (helper).
extension Sandbox {
    func iterBegin(_ x: Value) throws(Trap) -> Value {
        guard case .ref(let slot) = x, heap.object(slot).kind == .list || heap.object(slot).kind == .tuple else {
            throw Trap.runtime("\(typeName(x)) is not iterable")
        }
        try reserve(MemoryCost.sequence(2))
        unsafeDowncast(heap.object(slot), to: ListObject.self).iterators += 1
        return try heap.insert(IteratorObject(sequence: x))
    }

    func iterNext(_ it: Value) throws(Trap) -> Value? {
        guard case .ref(let slot) = it, heap.object(slot).kind == .iterator else {
            throw Trap.runtime("iter.next without an iterator")
        }
        let iter = unsafeDowncast(heap.object(slot), to: IteratorObject.self)
        guard case .ref(let s) = iter.sequence else { return nil }
        let l = unsafeDowncast(heap.object(s), to: ListObject.self)
        guard iter.position < l.items.count else { return nil }
        iter.position += 1
        return l.items[Int(iter.position - 1)]
    }

    func iterEnd(_ it: Value) {
        guard case .ref(let slot) = it, heap.object(slot).kind == .iterator else { return }
        let iter = unsafeDowncast(heap.object(slot), to: IteratorObject.self)
        guard !iter.released, case .ref(let s) = iter.sequence else { return }
        iter.released = true
        unsafeDowncast(heap.object(s), to: ListObject.self).iterators -= 1
    }
}
