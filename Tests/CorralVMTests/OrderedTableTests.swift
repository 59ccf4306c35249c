import Testing

@testable import CorralVM

/// Plain ints as keys, for the tests below.
extension Int: TableKey {
    public var tableHash: Int { TableHash.mix(UInt64(bitPattern: Int64(self)), tag: 2) }
}

/// The dict and set storage: insertion order through removals, re-insertion and compaction.
@Suite struct OrderedTableTests {
    @Test func keepsInsertionOrderThroughRemovals() {
        var t: OrderedTable<Int, String> = [1: "a", 2: "b", 3: "c"]
        #expect(t.removeValue(forKey: 2) == "b")
        t[4] = "d"
        t[2] = "b2"  // a removed key comes back at the end
        t[1] = "a2"  // an existing key keeps its place
        #expect(Array(t.keys) == [1, 3, 4, 2])
        #expect(Array(t.values) == ["a2", "c", "d", "b2"])
        #expect(t.count == 4)
        #expect(t[3] == "c" && t[5] == nil)
    }

    @Test func removeFirstAndFirstSkipHoles() {
        var t = OrderedTable<Int, Int>()
        for i in 0..<5 { t[i] = i * 10 }
        t[0] = nil
        t[1] = nil
        #expect(t.first?.key == 2)
        #expect(t.removeFirst().element == 20)
        #expect(Array(t.keys) == [3, 4])
        t.removeFirst()
        t.removeFirst()
        #expect(t.isEmpty && t.first == nil)
        t[7] = 70
        #expect(Array(t.keys) == [7])
    }

    @Test func iteratesBySlotPastHoles() {
        var t = OrderedTable<Int, Int>()
        for i in 0..<6 { t[i] = i }
        t[1] = nil
        t[4] = nil
        var seen: [Int] = []
        var at = 0
        while let s = t.nextSlot(from: at) {
            seen.append(t[slot: s])
            at = s + 1
        }
        #expect(seen == [0, 2, 3, 5])
    }

    /// Many removals compact the table: it stays in order, lookups find every survivor, and a
    /// queue-like pattern (append at the back, pop the front) stays correct.
    @Test func compactsAndStaysConsistent() {
        var t = OrderedTable<Int, Int>()
        var model: [Int] = []
        for i in 0..<10_000 {
            t[i] = i
            model.append(i)
            if i % 3 == 0 {
                let k = model.removeFirst()
                #expect(t.removeFirst().key == k)
            }
            if i % 7 == 0, let k = model.dropFirst(model.count / 2).first {
                model.removeAll { $0 == k }
                #expect(t.removeValue(forKey: k) == k)
            }
        }
        #expect(t.count == model.count)
        #expect(Array(t.keys) == model)
        #expect(model.allSatisfy { t.slot(forKey: $0).map { s in t[slot: s] } == $0 })
    }

    /// A key whose hashes collide on purpose: every hash lands in one of three probe runs,
    /// so removals shift long runs back (the index keeps no tombstones).
    struct CollidingKey: TableKey {
        let n: Int
        var tableHash: Int { (n % 3) << 20 }
    }

    /// Random inserts, updates, removals and front pops against a plain model, checking every
    /// key's lookup as the table grows past the linear scan, rebuilds its index and compacts.
    @Test func randomOperationsMatchAModel() {
        var rng = SplitMix64(seed: 0xC0441)
        var t = OrderedTable<CollidingKey, Int>()
        var order: [Int] = []
        var values: [Int: Int] = [:]
        for step in 0..<6_000 {
            let k = Int(rng.next() % 400)
            switch rng.next() % 10 {
            case 0..<5:
                if values[k] == nil { order.append(k) }
                values[k] = step
                t[CollidingKey(n: k)] = step
            case 5..<8:
                let removed = t.removeValue(forKey: CollidingKey(n: k))
                #expect(removed == values.removeValue(forKey: k))
                order.removeAll { $0 == k }
            default:
                guard let k = order.first else { continue }
                order.removeFirst()
                values[k] = nil
                #expect(t.removeFirst().key.n == k)
            }
            if step % 97 == 0 {
                for probe in 0..<400 { #expect(t[CollidingKey(n: probe)] == values[probe], "step \(step) key \(probe)") }
            }
        }
        #expect(t.count == order.count)
        #expect(t.keys.map(\.n) == order)
        #expect(order.allSatisfy { t[CollidingKey(n: $0)] == values[$0] })
    }

    /// `Sandbox.lookupSlot` finds string keys by their bytes without making a `HashKey`: the
    /// hash it computes must be the key's own, below and above the linear-scan limit.
    @Test func stringKeysAreFoundByTheirBytes() {
        for n in [3, 50] {
            var t = OrderedTable<HashKey, Int>()
            let words = (0..<n).map { Array("key-\($0)".utf8) }
            for (i, w) in words.enumerated() { t[.string(w)] = i }
            t[.bytes(words[1])] = -1  // same bytes, another kind: never a match
            for (i, w) in words.enumerated() {
                let found = t.slot(hash: TableHash.bytes(w, tag: HashKey.stringTag)) { key in
                    if case .string(let b) = key { b == w } else { false }
                }
                #expect(found == t.slot(forKey: .string(w)))
                #expect(found.map { t[slot: $0] } == i)
            }
        }
    }
}
