import CorralBytecode
import BigInt

/// Data-structure instructions: dict literals, indexing, slicing, unpacking, attributes, and
/// the view of any iterable as an array of values that builtins and `*args` use.
extension Sandbox {
    /// `dict.new n`: the 2n values from `base` are key, value pairs; later keys win (the first
    /// key value and its position stay, as in Python).
    func makeDict(pairsAt base: Int, count: Int) throws(Trap) -> Value {
        var pairs: [(Value, Value)] = []
        pairs.reserveCapacity(count)
        for i in 0..<count { pairs.append((stack[base + 2 * i], stack[base + 2 * i + 1])) }
        return try atomicFuel { () throws(Trap) -> Value in try makeDict(pairs, rejectingDuplicates: true) }
    }

    /// A new dict from key, value pairs, for `dict.new` and builtins. Every key and value
    /// must be reachable by the collector (on the stack or inside a reachable object).
    /// Fuel: hashing the keys; the caller charges per entry. A dict literal (`dict.new`)
    /// rejects a repeated key, as Go Starlark does; otherwise the later value wins.
    func makeDict(_ pairs: [(Value, Value)], rejectingDuplicates: Bool = false) throws(Trap) -> Value {
        var entries = OrderedTable<HashKey, (key: Value, value: Value)>()
        entries.reserveCapacity(pairs.count)
        for (k, v) in pairs {
            var repeated = false
            entries.insertOrUpdate(try chargedKey(k), (k, v)) {
                $0.value = v
                repeated = true
            }
            if repeated && rejectingDuplicates { throw Trap.runtime("duplicate key: \(repr(k, limit: 128))") }
        }
        try reserve(MemoryCost.dict(entries.count))
        return try heap.insert(DictObject(entries))
    }

    /// `list.push` (list comprehensions): append without fuel beyond the instruction's own.
    func listPush(_ list: Value, _ item: Value) throws(Trap) {
        guard let l = listObject(list) else {
            throw Trap.runtime("list.push on \(typeName(list))")
        }
        try append(item, to: l)
    }

    /// `l.append(item)`: the checks and the memory charge every append makes (the list method,
    /// its fast call, and `list.push` of comprehensions).
    @inline(__always) func append(_ item: Value, to l: ListObject) throws(Trap) {
        try checkMutable(l, "append to")
        try grow(l, by: MemoryCost.valueSlot)
        l.items.append(item)
    }

    /// `x[k]`: lists, tuples, strings (one byte, as a string, as Go Starlark does), bytes (an
    /// int), ranges, with negative indices from the end; dicts by key.
    func index(_ x: Value, _ k: Value) throws(Trap) -> Value {
        try atomicFuel { () throws(Trap) -> Value in
            guard let o = heapObject(x) else {
                throw Trap.runtime("unhandled index operation \(typeName(x))[\(typeName(k))]")
            }
            switch o.kind {
            case .list, .tuple:
                let items = unsafeDowncast(o, to: ListObject.self).items
                return items[try elementIndex(k, count: items.count, typeName(x))]
            case .string:
                let s = unsafeDowncast(o, to: StringObject.self).utf8
                return try makeString([s[try elementIndex(k, count: s.count, "string")]])
            case .bytes:
                let b = unsafeDowncast(o, to: BytesObject.self).data
                return .int(Int64(b[try elementIndex(k, count: b.count, "bytes")]))
            case .range:
                let r = unsafeDowncast(o, to: RangeObject.self)
                return .int(r.element(Int64(try elementIndex(k, count: Int(r.count), "range"))))
            case .dict:
                let d = unsafeDowncast(o, to: DictObject.self)
                guard let at = try lookupSlot(&d.entries, k) else { throw Trap.runtime("key \(repr(k, limit: 128)) not in dict") }
                return d.entries[slot: at].value
            default:
                throw Trap.runtime("unhandled index operation \(typeName(x))[\(typeName(k))]")
            }
        }
    }

    /// `x[k] = v` for lists (in bounds) and dicts.
    func setIndex(_ x: Value, _ k: Value, _ v: Value) throws(Trap) {
        try atomicFuel { () throws(Trap) in
            if let l = listObject(x) {
                try checkMutable(l, "assign to element of")
                l.items[try elementIndex(k, count: l.items.count, "list")] = v
                return
            }
            if let d = dictObject(x) {
                try checkMutable(d, "insert into")
                let key = try chargedKey(k)
                let h = key.tableHash
                if let i = d.entries.slot(forKey: key, hash: h) {
                    d.entries[slot: i].value = v
                } else {
                    try grow(d, by: MemoryCost.dictEntry)
                    d.entries.insertNew(key, hash: h, (k, v))
                }
                return
            }
            throw Trap.runtime("\(typeName(x)) value does not support item assignment")
        }
    }

    /// The position `k` names in a sequence of `count` elements (negative counts from the end).
    func elementIndex(_ k: Value, count: Int, _ type: String) throws(Trap) -> Int {
        let i: Int64
        if case .int(let v) = k {
            i = v  // the common case, without building a `Number`
        } else {
            switch number(k) {
            case .int(let v)?: i = v
            case .big(let b)?: throw outOfRange(shortIntText(b), count: count, type)
            default: throw Trap.runtime("\(type) index: got \(typeName(k)), want int")
            }
        }
        let j = i < 0 ? i + Int64(count) : i
        guard j >= 0 && j < Int64(count) else { throw outOfRange(String(i), count: count, type) }
        return Int(j)
    }

    /// Go Starlark's words: the valid indexes run from -n to n - 1.
    private func outOfRange(_ index: String, count: Int, _ type: String) -> Trap {
        if count == 0 { return Trap.runtime("index \(index) out of range: empty \(type)") }
        return Trap.runtime("\(type) index \(index) out of range [\(-count):\(count - 1)]")
    }

    /// `x[lo:hi:step]` with Python's rules; None means absent. Lists, tuples, strings and bytes
    /// are copied (fuel per element or 8 bytes); a range slice is a range.
    func slice(_ x: Value, _ lo: Value, _ hi: Value, _ step: Value) throws(Trap) -> Value {
        try atomicFuel { () throws(Trap) -> Value in
            guard let o = heapObject(x) else { throw Trap.runtime("invalid slice operand \(typeName(x))") }
            switch o.kind {
            case .list, .tuple:
                let items = unsafeDowncast(o, to: ListObject.self).items
                let s = try sliceIndices(count: items.count, lo, hi, step)
                try reserve(MemoryCost.sequence(s.count))
                try useFuel(elements: s.count)
                let out = s.step == 1 ? Array(items[s.start..<(s.start + s.count)]) : (0..<s.count).map { items[s.start + $0 * s.step] }
                return try heap.insert(ListObject(out, tuple: o.kind == .tuple))
            case .string, .bytes:
                let b = byteContents(o)
                let s = try sliceIndices(count: b.count, lo, hi, step)
                try reserve(MemoryCost.string(s.count))
                try useFuel(bytes: s.count)
                let out = s.step == 1 ? Array(b[s.start..<(s.start + s.count)]) : (0..<s.count).map { b[s.start + $0 * s.step] }
                return try heap.insert(o.kind == .string ? heap.newString(taking: out) : BytesObject(out))
            case .range:
                let r = unsafeDowncast(o, to: RangeObject.self)
                let s = try sliceIndices(count: Int(r.count), lo, hi, step)
                try reserve(MemoryCost.header + 24)
                return try heap.insert(try slicedRange(r, s))
            default:
                throw Trap.runtime("invalid slice operand \(typeName(x))")
            }
        }
    }

    /// Start, length and step of a slice of a sequence of `n` elements, plus the clamped stop.
    private func sliceIndices(
        count n: Int, _ lo: Value, _ hi: Value, _ stepValue: Value
    ) throws(Trap) -> (start: Int, count: Int, step: Int, stop: Int) {
        var step = 1
        switch stepValue {
        case .none: break
        default:
            switch number(stepValue) {
            case .int(let v)?: step = Int(max(v, -Int64.max))
            case .big(let b)?: step = b.sign == .minus ? -Int.max : Int.max
            default: throw Trap.runtime("invalid slice step: got \(typeName(stepValue)), want int")
            }
        }
        guard step != 0 else { throw Trap.runtime("slice step cannot be zero") }
        let lower = step > 0 ? 0 : -1, upper = step > 0 ? n : n - 1
        func bound(_ v: Value, _ absent: Int, _ which: String) throws(Trap) -> Int {
            var i: Int
            switch v {
            case .none: return absent
            default:
                switch number(v) {
                case .int(let x)?: i = Int(x)
                case .big(let b)?: i = b.sign == .minus ? Int.min : Int.max
                default: throw Trap.runtime("invalid \(which) index: got \(typeName(v)), want int")
                }
            }
            if i < 0 {
                i = i == Int.min ? lower : i + n
                if i < lower { i = lower }
            } else if i > upper {
                i = upper
            }
            return i
        }
        let start = try bound(lo, step > 0 ? lower : upper, "start")
        let stop = try bound(hi, step > 0 ? upper : lower, "end")
        let count: Int
        if step > 0 {
            count = start < stop ? (stop - start - 1) / step + 1 : 0
        } else {
            count = start > stop ? (start - stop - 1) / (-step) + 1 : 0
        }
        return (start, count, step, stop)
    }

    /// A range's slice as a range, written as Python would (`range(10)[::2]` is
    /// `range(0, 10, 2)`). Traps only where Int64 cannot represent the result.
    private func slicedRange(_ r: RangeObject, _ s: (start: Int, count: Int, step: Int, stop: Int)) throws(Trap) -> RangeObject {
        guard s.count > 0 else { return RangeObject(start: 0, stop: 0, step: 1) }
        let first = r.element(Int64(s.start))
        let (step, o1) = r.step.multipliedReportingOverflow(by: Int64(s.step))
        if s.count == 1 || o1 {
            guard s.count == 1 else { throw Trap.runtime("range slice too large") }
            return first == .max ? RangeObject(start: first, stop: first - 1, step: -1) : RangeObject(start: first, stop: first + 1, step: 1)
        }
        guard step != .min else { throw Trap.runtime("range slice too large") }
        // RangeObject.count needs stop - start (and start - stop) to fit in 64 bits.
        func spans(_ stop: Int64) -> Bool {
            !stop.subtractingReportingOverflow(first).overflow && !first.subtractingReportingOverflow(stop).overflow
        }
        let (offset, o2) = Int64(s.stop).multipliedReportingOverflow(by: r.step)
        let (stop, o3) = r.start.addingReportingOverflow(offset)
        if !o2 && !o3 && spans(stop) {
            return RangeObject(start: first, stop: stop, step: step)
        }
        let last = r.element(Int64(s.start + (s.count - 1) * s.step))
        let (end, o4) = last.addingReportingOverflow(step > 0 ? 1 : -1)
        guard !o4, spans(end) else { throw Trap.runtime("range slice too large") }
        return RangeObject(start: first, stop: end, step: step)
    }

    /// Writes the `count` elements of `x` to stack slots `slot ..< slot + count`.
    /// The instruction's own fuel already covers one unit per element.
    func unpack(_ x: Value, into slot: Int, count: Int) throws(Trap) {
        guard isIterable(x) else {
            throw Trap.runtime("got \(typeName(x)) in sequence assignment")
        }
        // Counted before materialising, so a huge range is refused without building it; a
        // string view has no count of its own and is materialised first.
        let counted = iterableCount(x)
        let early = counted == nil ? try elements(of: x, for: "unpack") : nil
        let n = counted ?? Int64(early?.count ?? 0)
        if n > Int64(count) { throw Trap.runtime("too many values to unpack (got \(n), want \(count))") }
        if n < Int64(count) { throw Trap.runtime("too few values to unpack (got \(n), want \(count))") }
        let items: [Value]
        if let early { items = early } else { items = try elements(of: x, for: "unpack") }
        for (i, v) in items.enumerated() { stack[slot + i] = v }
    }

    /// `x.name`: a bound method of the receiver's type.
    func attribute(_ x: Value, name: Int) throws(Trap) -> Value {
        if case .ref(let slot) = x, heap.object(slot).kind == .module {
            return try moduleField(unsafeDowncast(heap.object(slot), to: ModuleObject.self), name: module.names[name])
        }
        guard let methodName = module.methodNames[name], let method = Method.lookup(methodName, on: self, x) else {
            throw noSuchAttribute(x, module.names[name])
        }
        if let constant = method.constant { return constant }  // a module's value member (`math.pi`)
        return try boundMethod(x, method)
    }

    /// `T has no .NAME field or method`, with Go's spelling hint among the methods of `x`'s type.
    func noSuchAttribute(_ x: Value, _ name: String) -> Trap {
        Trap.runtime("\(typeName(x)) has no .\(name) field or method\(didYouMean(name, methodNames(of: x)))")
    }

    /// The names of the methods `x`'s type has, sorted (`dir`, spelling hints).
    func methodNames(of x: Value) -> [String] {
        MethodName.allCases.filter { Method.lookup($0, on: self, x) != nil }.map(\.rawValue).sorted()
    }

    /// ` (did you mean .NAME?)` for the candidate nearest to `name`, or nothing.
    private func didYouMean(_ name: String, _ candidates: [String]) -> String {
        nearestName(to: name, in: candidates).map { " (did you mean .\($0)?)" } ?? ""
    }

    /// The field `name` of a test `module`, `struct` or `hasfields` value.
    func moduleField(_ m: ModuleObject, name: String) throws(Trap) -> Value {
        guard let v = m.field(name) else {
            throw Trap.runtime("\(m.flavor.typeName) has no .\(name) field or method\(didYouMean(name, m.fields.map(\.name)))")
        }
        return v
    }

    /// `x.name = v` (`attr.set`). Starlark's own values have no assignable fields; the test
    /// value `hasfields` does, with the rules of Go's eval_test.go (frozen: refused; a name
    /// starting with "no": no such field).
    func setAttribute(_ x: Value, name: Int, _ v: Value) throws(Trap) {
        let field = module.names[name]
        guard case .ref(let slot) = x, heap.object(slot).kind == .module,
            case let m = unsafeDowncast(heap.object(slot), to: ModuleObject.self), m.flavor == .hasFields
        else {
            throw Trap.runtime("can't assign to .\(field) field of \(typeName(x))")
        }
        if m.frozen { throw Trap.runtime("cannot set field on a frozen hasfields") }
        if field.hasPrefix("no") {
            throw Trap.runtime("no .\(field) field\(didYouMean(field, m.fields.map(\.name)))")
        }
        if m.field(field) == nil { try grow(m, by: MemoryCost.valueSlot + MemoryCost.string(field.utf8.count)) }
        _ = m.setField(field, v)
    }

    /// A new bound method (the receiver is an operand, so the collector still sees it).
    func boundMethod(_ receiver: Value, _ method: Method) throws(Trap) -> Value {
        try reserve(MemoryCost.sequence(2))
        return try heap.insert(BoundMethodObject(receiver: receiver, method: method))
    }

    /// Whether `x` can be iterated (lists, tuples, dicts, sets, ranges; not strings or bytes).
    func isIterable(_ x: Value) -> Bool {
        iterableCount(x) != nil || heapObject(x)?.kind == .stringView
    }

    /// The number of elements iterating `x` yields, or nil if it is not iterable.
    func iterableCount(_ x: Value) -> Int64? {
        guard let o = heapObject(x) else { return nil }
        switch o.kind {
        case .list, .tuple: return Int64(unsafeDowncast(o, to: ListObject.self).items.count)
        case .dict: return Int64(unsafeDowncast(o, to: DictObject.self).entries.count)
        case .set: return Int64(unsafeDowncast(o, to: SetObject.self).elements.count)
        case .range: return unsafeDowncast(o, to: RangeObject.self).count
        default: return nil
        }
    }

    /// The elements of an iterable, for `*args` and builtins: list and tuple items, dict keys,
    /// set elements, range values. A range is materialised only if the memory meter could
    /// hold it as a list, so `list(range(1 << 62))` traps out-of-memory instead of allocating.
    func elements(of x: Value, for what: String) throws(Trap) -> [Value] {
        guard let o = heapObject(x) else { throw notIterable(x, what) }
        switch o.kind {
        case .list, .tuple: return unsafeDowncast(o, to: ListObject.self).items
        case .dict: return unsafeDowncast(o, to: DictObject.self).entries.values.map(\.key)
        case .set: return Array(unsafeDowncast(o, to: SetObject.self).elements.values)
        case .range:
            let r = unsafeDowncast(o, to: RangeObject.self)
            let n = r.count
            guard let count = Int(exactly: n) else { throw Trap(.outOfMemory, "range of \(n) elements is too long to materialise") }
            try reserve(try checkedSize(count, unit: MemoryCost.valueSlot))
            return (0..<n).map { .int(r.element($0)) }
        case .stringView:
            return try stringViewElements(unsafeDowncast(o, to: StringViewObject.self))
        default:
            throw notIterable(x, what)
        }
    }

    /// `set: got int, want iterable`, as Go Starlark words it (`what` is `set: argument`).
    private func notIterable(_ x: Value, _ what: String) -> Trap {
        let name = what.hasSuffix(": argument") ? String(what.dropLast(": argument".count)) : what
        return Trap.runtime("\(name): got \(typeName(x)), want iterable")
    }

    /// The bytes of a string value, or nil if `v` is not a string.
    func stringBytes(_ v: Value) -> [UInt8]? {
        guard case .ref(let slot) = v, heap.object(slot).kind == .string else { return nil }
        return unsafeDowncast(heap.object(slot), to: StringObject.self).utf8
    }
}
