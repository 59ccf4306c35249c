import BigInt

/// `in`, and the set-algebra operators on dicts and sets (`|`, `&`, `^`, `-`, `|=`).
extension Sandbox {
    /// `x in container`; nil when the container type does not support `in`.
    /// Fuel: one per element compared, or per 8 bytes searched, or for hashing the key.
    func contains(_ container: Value, _ x: Value) throws(Trap) -> Bool? {
        guard let o = heapObject(container) else { return nil }
        switch o.kind {
        case .list, .tuple:
            for item in unsafeDowncast(o, to: ListObject.self).items {
                try useFuel(elements: 1)
                if try equalValues(item, x, depth: 0) { return true }
            }
            return false
        case .dict:
            // As in Go Starlark, a key that cannot be hashed is simply not in the dict.
            do { return try lookupSlot(&unsafeDowncast(o, to: DictObject.self).entries, x) != nil } catch {
                if error.reason == .runtimeError { return false }
                throw error
            }
        case .set:
            return try lookupSlot(&unsafeDowncast(o, to: SetObject.self).elements, x) != nil
        case .string:
            guard let needle = stringBytes(x) else {
                throw Trap.runtime("'in <string>' requires string as left operand, not \(typeName(x))")
            }
            let haystack = unsafeDowncast(o, to: StringObject.self).utf8
            try useFuel(bytes: haystack.count + needle.count)
            return findBytes(needle, in: haystack, from: 0, to: haystack.count) != nil
        case .bytes:
            let haystack = unsafeDowncast(o, to: BytesObject.self).data
            if let needle = bytesData(x) {
                try useFuel(bytes: haystack.count + needle.count)
                return findBytes(needle, in: haystack, from: 0, to: haystack.count) != nil
            }
            if case .int(let b) = x, (0...255).contains(b) {
                try useFuel(bytes: haystack.count)
                return haystack.contains(UInt8(b))
            }
            throw Trap.runtime("'in bytes' requires bytes or int as left operand, not \(typeName(x))")
        case .range:
            // Numbers only: bools are not numbers here (Go Starlark).
            guard number(x) != nil else {
                throw Trap.runtime("'in <range>' requires integer as left operand, not \(typeName(x))")
            }
            return rangeContains(unsafeDowncast(o, to: RangeObject.self), x)
        default:
            return nil
        }
    }

    /// Membership in a range by arithmetic, never by enumeration. Integral floats count
    /// (`1.0 in range(3)`), as they would in a list, since 1 == 1.0.
    private func rangeContains(_ r: RangeObject, _ x: Value) -> Bool {
        let i: Int64
        switch x {
        case .int(let v): i = v
        case .float(let d):
            guard d.isFinite, d == d.rounded(), let v = Int64(exactly: d) else { return false }
            i = v
        default: return false
        }
        guard r.count > 0 else { return false }
        if r.step > 0 {
            guard r.start <= i && i < r.stop else { return false }
        } else {
            guard r.stop < i && i <= r.start else { return false }
        }
        return (BigInt(i) - BigInt(r.start)) % BigInt(r.step) == 0
    }

    // MARK: - Dicts and sets

    /// `x | y`: a new dict (entries of x, then y's, y winning) or a new set.
    func union(_ x: Value, _ y: Value) throws(Trap) -> Value? {
        if let a = dictObject(x), let b = dictObject(y) {
            try useFuel(elements: a.entries.count + b.entries.count)
            var entries = a.entries
            merge(&entries, b.entries)
            try reserve(MemoryCost.dict(entries.count))
            return try heap.insert(DictObject(entries))
        }
        if let a = setObject(x), let b = setObject(y) {
            try useFuel(elements: a.elements.count + b.elements.count)
            var elements = a.elements
            for (k, v) in b.elements where elements[k] == nil { elements[k] = v }
            try reserve(MemoryCost.set(elements.count))
            return try heap.insert(SetObject(elements))
        }
        return nil
    }

    /// `x & y`, `x ^ y`, `x - y` on two sets: a new set, in x's order then y's.
    func setOperation(_ op: BinaryOperator, _ x: Value, _ y: Value) throws(Trap) -> Value? {
        guard let a = setObject(x), let b = setObject(y) else { return nil }
        try useFuel(elements: a.elements.count + b.elements.count)
        var out = OrderedTable<HashKey, Value>()
        switch op {
        case .bitAnd:
            for (k, v) in a.elements where b.elements[k] != nil { out[k] = v }
        case .sub:
            for (k, v) in a.elements where b.elements[k] == nil { out[k] = v }
        default:
            for (k, v) in a.elements where b.elements[k] == nil { out[k] = v }
            for (k, v) in b.elements where a.elements[k] == nil { out[k] = v }
        }
        try reserve(MemoryCost.set(out.count))
        return try heap.insert(SetObject(out))
    }

    /// Adds `other`'s entries to `into`: new keys at the end, existing keys keep their place
    /// (and their original key value) and take the new value.
    func merge(
        _ into: inout OrderedTable<HashKey, (key: Value, value: Value)>,
        _ other: OrderedTable<HashKey, (key: Value, value: Value)>
    ) {
        for (k, e) in other {
            into.insertOrUpdate(k, e) { $0.value = e.value }
        }
    }

    /// `d |= other`: in place, fuel and memory first.
    func update(_ d: DictObject, from other: DictObject) throws(Trap) {
        try checkMutable(d, "insert into")
        let source = other.entries
        try useFuel(elements: source.count)
        var added = 0
        for k in source.keys where d.entries[k] == nil { added += 1 }
        try grow(d, by: MemoryCost.dictEntry * added)
        merge(&d.entries, source)
    }
}
