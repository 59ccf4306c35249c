import BigInt

/// Copying values across the sandbox boundary. Copies are deep, sized and charged: arguments
/// going out cost fuel per byte, answers coming in cost fuel per byte and memory.
extension Sandbox {
    /// Nesting limit for values crossing the boundary; deeper values are refused, not recursed.
    static let crossingDepth = 256

    func exportValue(_ v: Value) throws(Trap) -> HostValue {
        var size = 0
        return try exportValue(v, size: &size)
    }

    /// A deep copy of `v` for the host; `size` grows by the bytes copied.
    func exportValue(_ v: Value, size: inout Int) throws(Trap) -> HostValue {
        var path = Set<UInt32>()
        return try export(v, size: &size, path: &path, depth: 0)
    }

    /// A copy leaving the sandbox is host memory: it may not be larger than the sandbox's own
    /// budget. Shared parts are copied each time they are reached, so without this bound a
    /// small value (`a = [a0, a0]`, nested) could demand exponential time and memory.
    private var exportLimit: Int { max(heap.limit, 1 << 20) }

    private func export(_ v: Value, size: inout Int, path: inout Set<UInt32>, depth: Int) throws(Trap) -> HostValue {
        guard depth < Sandbox.crossingDepth else {
            throw Trap.runtime("value is nested more than \(Sandbox.crossingDepth) deep to pass to the host")
        }
        size += 8
        guard size <= exportLimit else {
            throw Trap(.outOfMemory, "value copied to the host exceeds \(exportLimit) bytes")
        }
        switch v {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(BigInt(i))
        case .float(let d): return .float(d)
        case .function, .builtin, .host, .unbound:
            throw Trap.runtime("cannot pass \(typeName(v)) to the host")
        case .ref(let slot):
            let o = heap.object(slot)
            switch o.kind {
            case .string:
                let s = unsafeDowncast(o, to: StringObject.self)
                size += s.utf8.count
                guard size <= exportLimit else {
                    throw Trap(.outOfMemory, "value copied to the host exceeds \(exportLimit) bytes")
                }
                return .string(String(decoding: s.utf8, as: UTF8.self))
            case .bytes:
                let b = unsafeDowncast(o, to: BytesObject.self)
                size += b.data.count
                guard size <= exportLimit else {
                    throw Trap(.outOfMemory, "value copied to the host exceeds \(exportLimit) bytes")
                }
                return .bytes(b.data)
            case .bigInt:
                let b = unsafeDowncast(o, to: BigIntObject.self)
                size += 8 * b.value.magnitude.words.count
                return .int(b.value)
            case .list, .tuple, .dict, .set:
                guard path.insert(slot).inserted else {
                    throw Trap.runtime("cannot pass a cyclic value to the host")
                }
                defer { path.remove(slot) }
                switch o.kind {
                case .list, .tuple:
                    let l = unsafeDowncast(o, to: ListObject.self)
                    var out: [HostValue] = []
                    out.reserveCapacity(l.items.count)
                    for item in l.items { out.append(try export(item, size: &size, path: &path, depth: depth + 1)) }
                    return o.kind == .list ? .list(out) : .tuple(out)
                case .set:
                    let s = unsafeDowncast(o, to: SetObject.self)
                    var out: [HostValue] = []
                    for item in s.elements.values { out.append(try export(item, size: &size, path: &path, depth: depth + 1)) }
                    return .list(out)
                default:
                    let d = unsafeDowncast(o, to: DictObject.self)
                    var out: [HostValueEntry] = []
                    out.reserveCapacity(d.entries.count)
                    for e in d.entries.values {
                        out.append(
                            HostValueEntry(
                                try export(e.key, size: &size, path: &path, depth: depth + 1),
                                try export(e.value, size: &size, path: &path, depth: depth + 1)))
                    }
                    return .dict(out)
                }
            case .range:
                let r = unsafeDowncast(o, to: RangeObject.self)
                guard r.count <= 1 << 20 else { throw Trap.runtime("range too long to pass to the host") }
                size += 8 * Int(r.count)
                return .list((0..<r.count).map { .int(BigInt(r.element($0))) })
            case .function, .cell, .iterator, .boundMethod, .module, .stringView:
                throw Trap.runtime("cannot pass \(typeName(v)) to the host")
            }
        }
    }

    func importValue(_ h: HostValue) throws(Trap) -> Value {
        var size = 0
        return try importValue(h, size: &size)
    }

    /// Builds `h` in the heap. The whole tree is measured and reserved first, so no
    /// collection can run while its parts are not yet reachable.
    func importValue(_ h: HostValue, size: inout Int) throws(Trap) -> Value {
        let (bytes, copied) = try measure(h, depth: 0)
        size += copied
        try reserve(bytes)
        return try build(h)
    }

    private func measure(_ h: HostValue, depth: Int) throws(Trap) -> (heap: Int, copied: Int) {
        guard depth < Sandbox.crossingDepth else {
            throw Trap(.hostError, "host value is nested more than \(Sandbox.crossingDepth) deep")
        }
        switch h {
        // Sizes as `export` counts them: 8 per value plus the bytes of strings, bytes and big ints.
        case .none, .bool, .float: return (0, 8)
        case .int(let i):
            let words = i.magnitude.words.count
            return Int64(exactly: i) == nil ? (MemoryCost.bigInt(words), 8 + 8 * words) : (0, 8)
        case .string(let s): return (MemoryCost.string(s.utf8.count), 8 + s.utf8.count)
        case .bytes(let b): return (MemoryCost.string(b.count), 8 + b.count)
        case .list(let items), .tuple(let items):
            var total = (MemoryCost.sequence(items.count), 8)
            for i in items {
                let m = try measure(i, depth: depth + 1)
                total.0 += m.heap
                total.1 += m.copied
            }
            return total
        case .dict(let entries):
            var total = (MemoryCost.dict(entries.count), 8)
            for e in entries {
                let k = try measure(e.key, depth: depth + 1)
                let v = try measure(e.value, depth: depth + 1)
                total.0 += k.heap + v.heap
                total.1 += k.copied + v.copied
            }
            return total
        }
    }

    private func build(_ h: HostValue) throws(Trap) -> Value {
        switch h {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .float(let d): return .float(d)
        case .int(let i):
            if let small = Int64(exactly: i) { return .int(small) }
            return try heap.insert(BigIntObject(i))
        case .string(let s): return try heap.insert(heap.newString(taking: Array(s.utf8)))
        case .bytes(let b): return try heap.insert(BytesObject(b))
        case .list(let items), .tuple(let items):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for i in items { values.append(try build(i)) }
            if case .tuple = h { return try heap.insert(ListObject(values, tuple: true)) }
            return try heap.insert(ListObject(values))
        case .dict(let entries):
            let d = DictObject()
            for e in entries {
                let k = try build(e.key)
                let v = try build(e.value)
                // As `dict.new`: a repeated key keeps its first key object and takes the last value.
                let key = try hashKey(k)
                if let old = d.entries[key] { d.entries[key] = (old.key, v) } else { d.entries[key] = (k, v) }
            }
            d.bytes = MemoryCost.dict(entries.count)
            return try heap.insert(d)
        }
    }
}
