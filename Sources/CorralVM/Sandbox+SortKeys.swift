/// Sorting the pairs that the `sorted` prelude decorates, `(key, index)`, when every key is an
/// int or every key is a tuple of ints of one length: the common keys (`lambda r: r["id"]`,
/// `lambda t: (-t["score"], t["id"])`). The pairs are compared as plain numbers, and each
/// comparison charges exactly the fuel that `order` charges for the same two tuples, in the same
/// steps, so the sort makes the same comparisons (the merge is the same) for the same fuel, and
/// an out-of-fuel trap comes at the same comparison. Through `order`, every comparison looked
/// both tuples up in the heap and retained their item arrays: most of a keyed sort's time.
extension Sandbox {
    /// The pairs as rows of ints, or nil when they are not all of one such form.
    private struct DecoratedRows {
        /// Ints per key: nil for int keys, m for tuples of m ints.
        let tupleWidth: Int?
        /// Per row: the key's ints, then the index.
        var ints: [Int64] = []
        /// Per row, tuple keys only: the key tuple's slot (`order` takes one tuple as equal to
        /// itself without comparing or charging).
        var keySlots: [UInt32] = []
        var rowWidth: Int { (tupleWidth ?? 1) + 1 }
    }

    private func decoratedRows(_ pairs: [Value]) -> DecoratedRows? {
        guard let first = sequenceObject(pairs[0]), first.kind == .tuple, first.items.count == 2 else { return nil }
        var width: Int?
        if case .ref = first.items[0] {
            guard let key = sequenceObject(first.items[0]), key.kind == .tuple else { return nil }
            width = key.items.count
        }
        var rows = DecoratedRows(tupleWidth: width)
        rows.ints.reserveCapacity(pairs.count * rows.rowWidth)
        for v in pairs {
            guard let pair = sequenceObject(v), pair.kind == .tuple, pair.items.count == 2,
                  case .int(let index) = pair.items[1] else { return nil }
            if let width {
                guard case .ref(let slot) = pair.items[0], let key = sequenceObject(pair.items[0]), key.kind == .tuple,
                      key.items.count == width else { return nil }
                for item in key.items {
                    guard case .int(let i) = item else { return nil }
                    rows.ints.append(i)
                }
                rows.keySlots.append(slot)
            } else {
                guard case .int(let k) = pair.items[0] else { return nil }
                rows.ints.append(k)
            }
            rows.ints.append(index)
        }
        return rows
    }

    /// Sorts `pairs` if they are decorated int keys; false leaves them to the general sort.
    func sortDecoratedIntKeys(_ pairs: inout [Value], reverse: Bool) throws(Trap) -> Bool {
        guard let rows = decoratedRows(pairs) else { return false }
        let w = rows.rowWidth
        var order = Array(0..<pairs.count)
        try rows.ints.withUnsafeBufferPointer { (ints) throws(Trap) in
            try Sandbox.bottomUpMergeSort(&order) { (r: Int, l: Int) throws(Trap) -> Bool in
                let c = try compareRows(r, l, ints, w, rows)
                return reverse ? c > 0 : c < 0
            }
        }
        let original = pairs
        for (k, row) in order.enumerated() { pairs[k] = original[row] }
        return true
    }

    /// `order` on rows `r` and `l`, charging what it charges: one element for the keys, the
    /// keys' own comparison (`quickElementOrder`), and one element for the indexes when the
    /// keys are equal.
    @inline(__always)
    private func compareRows(_ r: Int, _ l: Int, _ ints: UnsafeBufferPointer<Int64>, _ w: Int, _ rows: DecoratedRows) throws(Trap) -> Int {
        let a = r &* w, b = l &* w
        try useFuel(elements: 1)
        if let m = rows.tupleWidth {
            if rows.keySlots[r] != rows.keySlots[l] {
                var j = 0
                while j < m && ints[a &+ j] == ints[b &+ j] { j &+= 1 }
                try useFuel(elements: m)
                if j < m {
                    try useFuel(elements: j + 1)
                    return ints[a &+ j] < ints[b &+ j] ? -1 : 1
                }
            }
        } else if ints[a] != ints[b] {
            return ints[a] < ints[b] ? -1 : 1
        }
        try useFuel(elements: 1)
        let i = ints[a &+ w &- 1], k = ints[b &+ w &- 1]
        return i == k ? 0 : (i < k ? -1 : 1)
    }
}
