import BigInt
import CorralBytecode

/// Truth, equality, ordering and hashing.
///
/// Equality and ordering are deep for lists, tuples, dicts and sets, charge one fuel per
/// element and one per 8 bytes compared, and stop at `Sandbox.maxNesting` levels (a list that
/// contains itself compares by identity first, so `a == a` is cheap; two distinct cyclic
/// lists trap at the limit, as in Go Starlark).
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

    /// Truth of a heap value: collections are true when non-empty; big ints are never zero
    /// (zero is always `.int`), functions are always true.
    func refTruth(_ slot: UInt32) -> Bool {
        let o = heap.object(slot)
        switch o.kind {
        case .string: return !unsafeDowncast(o, to: StringObject.self).utf8.isEmpty
        case .bytes: return !unsafeDowncast(o, to: BytesObject.self).data.isEmpty
        case .list, .tuple: return !unsafeDowncast(o, to: ListObject.self).items.isEmpty
        case .dict: return !unsafeDowncast(o, to: DictObject.self).entries.isEmpty
        case .set: return !unsafeDowncast(o, to: SetObject.self).elements.isEmpty
        case .range: return unsafeDowncast(o, to: RangeObject.self).count > 0
        case .bigInt, .function, .cell, .iterator, .boundMethod, .module, .stringView: return true
        }
    }

    func equal(_ x: Value, _ y: Value) throws(Trap) -> Bool {
        try atomicFuel { () throws(Trap) -> Bool in try equalValues(x, y, depth: 0) }
    }

    func compare(_ op: ComparisonOperator, _ x: Value, _ y: Value) throws(Trap) -> Bool {
        if let a = setObject(x), let b = setObject(y) { return try setCompare(op, a, b) }
        let c = try atomicFuel { () throws(Trap) -> Int in try order(x, y, op.symbol, depth: 0) }
        switch op {
        case .lt: return c < 0
        case .le: return c <= 0
        case .gt: return c > 0
        case .ge: return c >= 0
        }
    }

    /// Sets order by inclusion: `a <= b` is subset, `a < b` proper subset (so neither of two
    /// unrelated sets is less than the other). Fuel: one per element of the left side checked.
    private func setCompare(_ op: ComparisonOperator, _ a: SetObject, _ b: SetObject) throws(Trap) -> Bool {
        let (small, large) = op == .lt || op == .le ? (a, b) : (b, a)
        if small.elements.count > large.elements.count { return false }
        if (op == .lt || op == .gt) && small.elements.count == large.elements.count { return false }
        try useFuel(elements: small.elements.count)
        return small.elements.keys.allSatisfy { large.elements[$0] != nil }
    }

    /// The dict/set key for `v`; traps for unhashable values (lists, dicts, sets).
    func hashKey(_ v: Value) throws(Trap) -> HashKey {
        var work = 0
        return try makeKey(v, work: &work)
    }

    /// `hashKey`, charging one fuel per 8 bytes and per element hashed: a long string key
    /// costs in proportion every time it is looked up.
    func chargedKey(_ v: Value) throws(Trap) -> HashKey {
        var work = 0
        let k = try makeKey(v, work: &work)
        try useFuel(bytes: work)
        return k
    }

    /// The slot of key `k` in a dict's or set's table, charging exactly what `chargedKey`
    /// charges. A string key, the usual one, is looked up by its bytes without making a
    /// `HashKey` (building, copying and destroying one showed in every dict-heavy profile).
    /// The table is `inout`, though only read, so that it is read in place from the object
    /// that holds it (see `OrderedTable.slot(forKey:hash:)`).
    func lookupSlot<E>(_ table: inout OrderedTable<HashKey, E>, _ k: Value) throws(Trap) -> Int? {
        if let bytes = stringBytes(k) {
            try useFuel(bytes: bytes.count)
            return table.slot(hash: TableHash.bytes(bytes, tag: HashKey.stringTag)) { key in
                if case .string(let b) = key { return b == bytes }
                return false
            }
        }
        let key = try chargedKey(k)
        return table.slot(forKey: key, hash: key.tableHash)
    }

    // MARK: - Equality

    /// Deep equality. Numbers compare by value across int, big int and float (1 == 1.0).
    ///
    /// Iterative (an explicit stack of pairs still to compare, visited depth first, left to
    /// right), so the native stack does not grow with nesting; `depth` still counts levels so
    /// that two distinct cyclic values stop at `Sandbox.maxNesting`.
    func equalValues(_ x: Value, _ y: Value, depth: Int) throws(Trap) -> Bool {
        if let r = try shallowEqual(x, y) { return r }
        var work: [(Value, Value, Int)] = []
        // Two lists or tuples of flat values (sort keys, records) are decided here without the
        // work stack: the same checks, charges and order as the loop below.
        if let oa = heapObject(x), oa.kind != .dict, let ob = heapObject(y) {
            try checkNesting(depth)
            let ia = unsafeDowncast(oa, to: ListObject.self).items, ib = unsafeDowncast(ob, to: ListObject.self).items
            try useFuel(elements: ia.count)
            var i = 0
            while i < ia.count, let r = try shallowEqual(ia[i], ib[i]) {
                if !r { return false }
                i += 1
            }
            if i == ia.count { return true }
            // A nested pair at i: the loop takes over from it, left to right.
            for j in (i..<ia.count).reversed() { work.append((ia[j], ib[j], depth + 1)) }
        } else {
            work.append((x, y, depth))
        }
        while let next = work.popLast() {
            let (a, b, d) = next
            if let r = try shallowEqual(a, b) {
                if !r { return false }
                continue
            }
            try checkNesting(d)
            // Same-kind lists, tuples or dicts of the same size: compare their children.
            guard let oa = heapObject(a), let ob = heapObject(b) else { return false }
            if oa.kind == .dict {
                let ea = unsafeDowncast(oa, to: DictObject.self).entries, eb = unsafeDowncast(ob, to: DictObject.self).entries
                try useFuel(elements: ea.count)
                var pairs: [(Value, Value, Int)] = []
                pairs.reserveCapacity(ea.count)
                for (k, e) in ea {
                    guard let f = eb[k] else { return false }
                    pairs.append((e.value, f.value, d + 1))
                }
                work.append(contentsOf: pairs.reversed())
            } else {
                let ia = unsafeDowncast(oa, to: ListObject.self).items, ib = unsafeDowncast(ob, to: ListObject.self).items
                try useFuel(elements: ia.count)
                for i in ia.indices.reversed() { work.append((ia[i], ib[i], d + 1)) }
            }
        }
        return true
    }

    /// Equality decided without looking inside: nil for two distinct lists, tuples or dicts of
    /// the same kind and size, whose elements must be compared.
    private func shallowEqual(_ x: Value, _ y: Value) throws(Trap) -> Bool? {
        switch (x, y) {
        case (.none, .none): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.float(a), .float(b)): return floatOrder(a, b) == 0
        case let (.function(a), .function(b)), let (.builtin(a), .builtin(b)), let (.host(a), .host(b)): return a == b
        default: break
        }
        guard case .ref(let sx) = x, case .ref(let sy) = y else {
            // At most one side is on the heap: only a number mix (int, float, big int) can
            // still be equal.
            if let a = number(x), let b = number(y) { return numberOrder(a, b) == 0 }
            return false
        }
        if sx == sy { return true }
        let ox = heap.object(sx), oy = heap.object(sy)
        guard ox.kind == oy.kind else { return false }
        switch ox.kind {
        case .string, .bytes:
            let a = byteContents(ox), b = byteContents(oy)
            guard a.count == b.count else { return false }
            try useFuel(bytes: a.count)
            return a == b
        case .list, .tuple:
            let a = unsafeDowncast(ox, to: ListObject.self).items, b = unsafeDowncast(oy, to: ListObject.self).items
            return a.count == b.count ? nil : false
        case .dict:
            let a = unsafeDowncast(ox, to: DictObject.self).entries, b = unsafeDowncast(oy, to: DictObject.self).entries
            return a.count == b.count ? nil : false
        case .set:
            let a = unsafeDowncast(ox, to: SetObject.self).elements, b = unsafeDowncast(oy, to: SetObject.self).elements
            guard a.count == b.count else { return false }
            try useFuel(elements: a.count)
            for k in a.keys where b[k] == nil { return false }
            return true
        case .range:
            let a = unsafeDowncast(ox, to: RangeObject.self), b = unsafeDowncast(oy, to: RangeObject.self)
            let n = a.count
            return n == b.count && (n == 0 || (a.start == b.start && (n == 1 || a.step == b.step)))
        case .bigInt:
            return unsafeDowncast(ox, to: BigIntObject.self).value == unsafeDowncast(oy, to: BigIntObject.self).value
        case .function, .cell, .iterator, .boundMethod, .module, .stringView:
            return false
        }
    }

    // MARK: - Ordering

    /// Three-way order for `<` and friends and for sorting: numbers, bools, strings and bytes
    /// (bytewise), lists and tuples (lexicographic, like Go Starlark: the first unequal
    /// elements decide). Anything else traps with `symbol` in the message. Descending into
    /// the first unequal elements is a loop, not a recursion.
    func order(_ x: Value, _ y: Value, _ symbol: String, depth: Int) throws(Trap) -> Int {
        var x = x, y = y, depth = depth
        descend: while true {
            // Plain ints and floats first: `Number` carries a BigInt, which costs copies.
            switch (x, y) {
            case let (.int(a), .int(b)): return a < b ? -1 : (a > b ? 1 : 0)
            case let (.float(a), .float(b)): return floatOrder(a, b)
            default: break
            }
            if case .ref(let sx) = x, case .ref(let sy) = y, heap.object(sx).kind == heap.object(sy).kind {
                // Unowned: the heap keeps both alive, and comparing retains nothing (ARC
                // traffic was a third of a sort's time).
                unowned(unsafe) let ox = heap.object(sx), oy = heap.object(sy)
                switch ox.kind {
                case .string, .bytes:
                    let a = byteContents(ox), b = byteContents(oy)
                    try useFuel(bytes: min(a.count, b.count))
                    return Sandbox.byteOrder(a, b)
                case .list, .tuple:
                    unowned(unsafe) let la = unsafeDowncast(ox, to: ListObject.self), lb = unsafeDowncast(oy, to: ListObject.self)
                    try checkNesting(depth)
                    // Through the raw buffers: copying the two item arrays out retained both on
                    // every comparison. Comparing neither allocates nor mutates, so they stay put.
                    let step = try la.items.withUnsafeBufferPointer { (a) throws(Trap) -> SequenceStep in
                        try lb.items.withUnsafeBufferPointer { (b) throws(Trap) -> SequenceStep in
                            for i in 0..<min(a.count, b.count) {
                                try useFuel(elements: 1)
                                if let c = try quickElementOrder(a[i], b[i], depth: depth) {
                                    if c == 0 { continue }
                                    return .decided(c)
                                }
                                if !(try equalValues(a[i], b[i], depth: depth + 1)) { return .descend(a[i], b[i]) }
                            }
                            return .decided(a.count < b.count ? -1 : (a.count > b.count ? 1 : 0))
                        }
                    }
                    switch step {
                    case .decided(let c): return c
                    case .descend(let p, let q):
                        (x, y, depth) = (p, q, depth + 1)
                        continue descend
                    }
                default:
                    break
                }
            }
            // Numbers after strings and sequences: `number` copies a big int's value.
            if let a = number(x), let b = number(y) { return numberOrder(a, b) }
            if case .bool(let a) = x, case .bool(let b) = y { return a == b ? 0 : (a ? 1 : -1) }
            throw Trap.runtime("\(typeName(x)) \(symbol) \(typeName(y)) not implemented")
        }
    }

    /// How comparing two sequences goes on: decided, or down into their first unequal elements.
    private enum SequenceStep {
        case decided(Int)
        case descend(Value, Value)
    }

    /// The common elements of sort keys (ints, strings, flat tuples of ints), ordered without
    /// the `equalValues`-then-`order` round trip of the sequence loop above, charging exactly
    /// what that round trip charges. Nil, having charged nothing, for anything else.
    private func quickElementOrder(_ x: Value, _ y: Value, depth: Int) throws(Trap) -> Int? {
        switch (x, y) {
        case let (.int(p), .int(q)): return p == q ? 0 : (p < q ? -1 : 1)
        case let (.ref(sx), .ref(sy)):
            if sx == sy { return 0 }
            unowned(unsafe) let ox = heap.object(sx), oy = heap.object(sy)
            guard ox.kind == oy.kind else { return nil }
            switch ox.kind {
            case .string:
                let a = unsafeDowncast(ox, to: StringObject.self).utf8, b = unsafeDowncast(oy, to: StringObject.self).utf8
                if a.count == b.count {
                    try useFuel(bytes: a.count)  // equality
                    if a == b { return 0 }
                }
                try useFuel(bytes: min(a.count, b.count))  // order
                return Sandbox.byteOrder(a, b)
            case .list, .tuple:
                let a = unsafeDowncast(ox, to: ListObject.self).items, b = unsafeDowncast(oy, to: ListObject.self).items
                guard a.count == b.count else { return nil }
                // Equality charges every element up front; the first unequal pair then costs one
                // per element again in `order`, up to and including it.
                var j = 0
                while j < a.count {
                    guard case .int(let p) = a[j], case .int(let q) = b[j] else { return nil }
                    if p != q { break }
                    j += 1
                }
                try checkNesting(depth + 1)
                try useFuel(elements: a.count)
                guard j < a.count, case .int(let p) = a[j], case .int(let q) = b[j] else { return 0 }
                try useFuel(elements: j + 1)
                return p < q ? -1 : 1
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// Bytewise three-way order, shorter first on a common prefix.
    static func byteOrder(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
    }

    // MARK: - Hashing

    /// The key of `v`. Tuples of tuples are built with an explicit stack (each frame holds a
    /// tuple's items and the keys made so far). The key itself is a recursive Swift value that
    /// Swift hashes, compares and frees recursively, hence the lower `maxKeyNesting` limit.
    private func makeKey(_ v: Value, work: inout Int) throws(Trap) -> HashKey {
        guard let first = tupleItems(v) else { return try leafKey(v, work: &work) }
        var frames: [(items: [Value], keys: [HashKey])] = [(first, [])]
        work &+= FuelSchedule.bytesPerFuel * first.count
        while let top = frames.last {
            let done = top.keys.count
            if done == top.items.count {
                frames.removeLast()
                let key = HashKey.tuple(top.keys)
                if frames.isEmpty { return key }
                frames[frames.count - 1].keys.append(key)
                continue
            }
            let item = top.items[done]
            if let inner = tupleItems(item) {
                guard frames.count < Sandbox.maxKeyNesting else {
                    throw Trap.runtime("unhashable: a tuple nested more than \(Sandbox.maxKeyNesting) deep cannot be a key")
                }
                work &+= FuelSchedule.bytesPerFuel * inner.count
                frames.append((inner, []))
            } else {
                frames[frames.count - 1].keys.append(try leafKey(item, work: &work))
            }
        }
        return .none
    }

    private func tupleItems(_ v: Value) -> [Value]? {
        guard let o = heapObject(v), o.kind == .tuple else { return nil }
        return unsafeDowncast(o, to: ListObject.self).items
    }

    /// The key of anything but a tuple.
    private func leafKey(_ v: Value, work: inout Int) throws(Trap) -> HashKey {
        switch v {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return floatKey(d)
        case .function(let i): return .callable(0, i)
        case .builtin(let i): return .callable(1, i)
        case .host(let i): return .callable(2, i)
        case .unbound: throw Trap.runtime("unhashable type: unbound")
        case .ref(let slot):
            let o = heap.object(slot)
            switch o.kind {
            case .string:
                let s = unsafeDowncast(o, to: StringObject.self).utf8
                work &+= s.count
                return .string(s)
            case .bytes:
                let b = unsafeDowncast(o, to: BytesObject.self).data
                work &+= b.count
                return .bytes(b)
            case .bigInt:
                let b = unsafeDowncast(o, to: BigIntObject.self).value
                work &+= 8 * b.magnitude.words.count
                return .big(b)
            // Slots of reachable objects are never reused, and a key keeps its object reachable.
            case .function: return .callable(3, slot)
            case .boundMethod: return .callable(4, slot)
            case .module:
                // Go's starlarkstruct words for a module.
                throw Trap.runtime("unhashable: \(typeName(v))")
            case .range, .stringView:
                throw Trap.runtime("unhashable: \(typeName(v))")
            case .tuple, .list, .dict, .set, .cell, .iterator:
                throw Trap.runtime("unhashable type: \(typeName(v))")
            }
        }
    }

    /// Floats equal to an int hash as that int (1.0 and 1 are the same key); every NaN is
    /// the same key, matching NaN == NaN.
    private func floatKey(_ d: Double) -> HashKey {
        if d.isNaN { return .float(Double.nan.bitPattern) }
        guard d.isFinite, d == d.rounded() else { return .float(d.bitPattern) }
        if let i = Int64(exactly: d) { return .int(i) }
        return .big(BigInt(exactly: d) ?? 0)
    }

    // MARK: - Helpers

    /// The bytes of a string or bytes object.
    func byteContents(_ o: HeapObject) -> [UInt8] {
        o.kind == .string ? unsafeDowncast(o, to: StringObject.self).utf8 : unsafeDowncast(o, to: BytesObject.self).data
    }

    @inline(__always) func checkNesting(_ depth: Int) throws(Trap) {
        guard depth < Sandbox.maxNesting else {
            throw Trap.runtime("value is nested more than \(Sandbox.maxNesting) deep (or is cyclic)")
        }
    }
}

extension ComparisonOperator {
    /// The operator as Starlark writes it, for error messages.
    var symbol: String {
        switch self {
        case .lt: return "<"
        case .le: return "<="
        case .gt: return ">"
        case .ge: return ">="
        }
    }
}
