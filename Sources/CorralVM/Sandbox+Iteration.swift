/// `for` loops. `iter.begin` locks the sequence (its `iterators` count) so that it cannot be
/// mutated until `iter.end`; with the sequence fixed, iterating by position is safe for every
/// kind and needs no copy. Ranges are immutable and iterate lazily, whatever their length.
extension Sandbox {
    func iterBegin(_ x: Value) throws(Trap) -> Value {
        if isFibonacci(x) {
            try reserve(MemoryCost.sequence(2))
            return try heap.insert(IteratorObject(sequence: x))
        }
        guard let o = heapObject(x), iterableCount(x) != nil || o.kind == .stringView else {
            throw Trap.runtime("\(typeName(x)) value is not iterable")
        }
        try reserve(MemoryCost.sequence(2))
        setIterators(o, by: 1)
        return try heap.insert(IteratorObject(sequence: x, object: o))
    }

    func iterNext(_ it: Value) throws(Trap) -> Value? {
        guard case .ref(let slot) = it, heap.object(slot).kind == .iterator else {
            throw Trap.runtime("iter.next without an iterator")
        }
        let iter = unsafeDowncast(heap.object(slot), to: IteratorObject.self)
        // Lists, tuples and ranges: the iterator holds what to walk (`IteratorObject.step`).
        if iter.walksCache { return iter.step() }
        guard let o = heapObject(iter.sequence) else {
            // Only the test value `fibonacci` iterates without a heap object.
            guard isFibonacci(iter.sequence) else { return nil }
            iter.position += 1
            return .int(try fibonacciNumber(iter.position - 1))
        }
        let i = Int(iter.position)
        switch o.kind {
        // Dicts and sets: the position is a slot of their table, which skips removed entries.
        case .dict:
            let entries = unsafeDowncast(o, to: DictObject.self).entries
            guard let s = entries.nextSlot(from: i) else { return nil }
            iter.position = Int64(s + 1)
            return entries[slot: s].key
        case .set:
            let elements = unsafeDowncast(o, to: SetObject.self).elements
            guard let s = elements.nextSlot(from: i) else { return nil }
            iter.position = Int64(s + 1)
            return elements[slot: s]
        case .stringView:
            // The position is a byte offset into the string.
            guard let (v, after) = try stringViewElement(unsafeDowncast(o, to: StringViewObject.self), at: i) else { return nil }
            iter.position = Int64(after)
            return v
        default:
            return nil
        }
    }

    /// Unlocks the sequence, once however often it is called.
    func iterEnd(_ it: Value) {
        guard case .ref(let slot) = it, heap.object(slot).kind == .iterator else { return }
        let iter = unsafeDowncast(heap.object(slot), to: IteratorObject.self)
        guard !iter.released, let o = heapObject(iter.sequence) else { return }
        iter.released = true
        setIterators(o, by: -1)
    }

    /// The test value `fibonacci` (Go's eval_test.go): an infinite iterable, 0, 1, 1, 2, 3, …
    private func isFibonacci(_ x: Value) -> Bool {
        if case .builtin(let id) = x { return Builtin.all[Int(id)] == .testFibonacci }
        return false
    }

    /// The n-th Fibonacci number, by iteration (n is small: the 93rd leaves 64 bits).
    private func fibonacciNumber(_ n: Int64) throws(Trap) -> Int64 {
        var (a, b): (Int64, Int64) = (0, 1)
        for _ in 0..<n {
            let (next, overflow) = a.addingReportingOverflow(b)
            if overflow { throw Trap.runtime("fibonacci: element \(n) does not fit in 64 bits") }
            (a, b) = (b, next)
        }
        return a
    }

    private func setIterators(_ o: HeapObject, by delta: Int) {
        switch o.kind {
        case .list, .tuple: unsafeDowncast(o, to: ListObject.self).iterators += delta
        case .dict: unsafeDowncast(o, to: DictObject.self).iterators += delta
        case .set: unsafeDowncast(o, to: SetObject.self).iterators += delta
        default: break
        }
    }
}
