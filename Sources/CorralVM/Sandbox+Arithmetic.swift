import BigInt

/// The binary and unary operators the run loop does not finish inline.
///
/// Order inside every operation that builds something: check the size (a huge request traps
/// out-of-memory before anything is allocated), charge fuel (all or nothing), then build.
extension Sandbox {
    /// `x op y` for everything the loop's int fast paths do not cover.
    func binary(_ op: BinaryOperator, _ x: Value, _ y: Value) throws(Trap) -> Value {
        try atomicFuel { () throws(Trap) -> Value in
            if let r = try binaryOperation(op, x, y) { return r }
            throw Trap.runtime("unknown binary op: \(typeName(x)) \(op.symbol) \(typeName(y))")
        }
    }

    /// `-x`, `+x`, `~x` (op is `.neg`, `.pos` or `.bitNot`).
    func unary(_ op: Op, _ x: Value) throws(Trap) -> Value {
        let symbol: String
        switch op {
        case .neg:
            symbol = "-"
            switch number(x) {
            case .int(let i)?:
                if i != .min { return .int(-i) }
                return try makeInt(-BigInt(i))
            case .big(let b)?:
                try useFuel(elements: b.magnitude.words.count)
                return try makeInt(-b)
            case .float(let d)?: return .float(-d)
            case nil: break
            }
        case .pos:
            symbol = "+"
            if number(x) != nil { return x }
        default:
            symbol = "~"
            switch number(x) {
            case .int(let i)?: return .int(~i)
            case .big(let b)?:
                try useFuel(elements: b.magnitude.words.count)
                return try makeInt(~b)
            default: break
            }
        }
        throw Trap.runtime("unsupported unary operation: \(symbol)\(typeName(x))")
    }

    /// nil when the operand types do not support `op`.
    /// The test value `hasfields` defines `list + hasfields` as 42 (Go's eval_test.go, to
    /// exercise `list += x` where x is not iterable).
    private func hasFieldsSum(_ x: Value, _ y: Value) -> Value? {
        guard listObject(x) != nil, case .ref(let slot) = y, heap.object(slot).kind == .module,
            unsafeDowncast(heap.object(slot), to: ModuleObject.self).flavor == .hasFields
        else { return nil }
        return .int(42)
    }

    private func binaryOperation(_ op: BinaryOperator, _ x: Value, _ y: Value) throws(Trap) -> Value? {
        switch op {
        case .in: return try contains(y, x).map { .bool($0) }
        case .notIn: return try contains(y, x).map { .bool(!$0) }
        default: break
        }
        // Float arithmetic without building `Number`s (which carry a BigInt).
        switch (x, y) {
        case let (.float(a), .float(b)): return try floatBinary(op, a, b)
        case let (.int(a), .float(b)): return try floatBinary(op, Double(a), b)
        case let (.float(a), .int(b)): return try floatBinary(op, a, Double(b))
        default: break
        }
        if let a = number(x), let b = number(y) {
            return try numberBinary(op, a, b)
        }
        switch op {
        case .add: return try concatenate(x, y) ?? hasFieldsSum(x, y)
        case .addInPlace:
            if let l = listObject(x), isIterable(y) {
                try extend(l, with: y, verb: "apply += to")
                return x
            }
            return try concatenate(x, y) ?? hasFieldsSum(x, y)
        case .mul:
            if let n = number(y) { return try repeated(x, n) }
            if let n = number(x) { return try repeated(y, n) }
            return nil
        case .mod:
            if let format = stringBytes(x) { return try percentFormat(format, y) }
            return nil
        case .bitOr: return try union(x, y)
        case .bitOrInPlace:
            if let d = dictObject(x), let other = dictObject(y) {
                try update(d, from: other)
                return x
            }
            return try union(x, y)
        case .bitAnd, .bitXor, .sub: return try setOperation(op, x, y)
        case .div, .floorDiv, .shl, .shr, .in, .notIn: return nil
        }
    }

    // MARK: - Sequences

    /// `x + y` for two strings, two bytes, two lists or two tuples: a new value.
    private func concatenate(_ x: Value, _ y: Value) throws(Trap) -> Value? {
        guard let ox = heapObject(x), let oy = heapObject(y), ox.kind == oy.kind else { return nil }
        switch ox.kind {
        case .string, .bytes:
            let a = ox.kind == .string ? unsafeDowncast(ox, to: StringObject.self).utf8 : unsafeDowncast(ox, to: BytesObject.self).data
            let b = oy.kind == .string ? unsafeDowncast(oy, to: StringObject.self).utf8 : unsafeDowncast(oy, to: BytesObject.self).data
            try reserve(try checkedSize(a.count + b.count, unit: 1))
            try useFuel(bytes: a.count + b.count)
            return try heap.insert(ox.kind == .string ? heap.newString(taking: a + b) : BytesObject(a + b))
        case .list, .tuple:
            let a = unsafeDowncast(ox, to: ListObject.self).items, b = unsafeDowncast(oy, to: ListObject.self).items
            try reserve(try checkedSize(a.count + b.count, unit: MemoryCost.valueSlot))
            try useFuel(elements: a.count + b.count)
            return try heap.insert(ListObject(a + b, tuple: ox.kind == .tuple))
        default:
            return nil
        }
    }

    /// `s * n` for strings, bytes, lists and tuples. Go Starlark's absolute limits come first:
    /// a count beyond 32 bits, or a result of 2^30 elements (bytes) or more, is a program
    /// error (`runtime-error`, catchable) whatever the budget. Below them the size is checked
    /// against memory before anything is built, so an over-budget result traps out-of-memory
    /// without touching host memory.
    private func repeated(_ s: Value, _ n: Number) throws(Trap) -> Value? {
        guard let o = heapObject(s) else { return nil }
        let unitCount: Int
        switch o.kind {
        case .string: unitCount = unsafeDowncast(o, to: StringObject.self).utf8.count
        case .bytes: unitCount = unsafeDowncast(o, to: BytesObject.self).data.count
        case .list, .tuple: unitCount = unsafeDowncast(o, to: ListObject.self).items.count
        default: return nil
        }
        let count: Int
        switch n {
        case .int(let i) where i > Int64(Int32.max) && unitCount > 0:
            throw Trap.runtime("repeat count \(i) too large")
        case .big(let b) where b.sign == .plus && unitCount > 0:
            throw Trap.runtime("repeat count \(shortIntText(b)) too large")
        case .int(let i): count = i <= 0 ? 0 : Int(i)
        case .big: count = 0
        case .float: return nil
        }
        if count > 0 && unitCount * count >= 1 << 30 {
            throw Trap.runtime("excessive repeat (\(unitCount) * \(count) elements)")
        }
        switch o.kind {
        case .string, .bytes:
            let unit = o.kind == .string ? unsafeDowncast(o, to: StringObject.self).utf8 : unsafeDowncast(o, to: BytesObject.self).data
            let total = unit.isEmpty ? 0 : count
            let size = try checkedSize(total, unit: unit.count)
            try reserve(size)
            try useFuel(bytes: size - MemoryCost.header)
            var out: [UInt8] = []
            out.reserveCapacity(size - MemoryCost.header)
            for _ in 0..<total { out.append(contentsOf: unit) }
            return try heap.insert(o.kind == .string ? heap.newString(taking: out) : BytesObject(out))
        case .list, .tuple:
            let unit = unsafeDowncast(o, to: ListObject.self).items
            let total = unit.isEmpty ? 0 : count
            let size = try checkedSize(total, unit: unit.count * MemoryCost.valueSlot)
            try reserve(size)
            try useFuel(elements: total * unit.count)
            var out: [Value] = []
            out.reserveCapacity(total * unit.count)
            for _ in 0..<total { out.append(contentsOf: unit) }
            return try heap.insert(ListObject(out, tuple: o.kind == .tuple))
        default:
            return nil
        }
    }

    /// `l.extend(y)` and `l += y`: appends every element of the iterable `y` in place.
    func extend(_ l: ListObject, with y: Value, verb: String) throws(Trap) {
        try checkMutable(l, verb)
        let items = try elements(of: y, for: verb == "extend" ? "extend: argument" : "+=: right operand")
        try useFuel(elements: items.count)
        try grow(l, by: try checkedSize(items.count, unit: MemoryCost.valueSlot, header: 0))
        l.items.append(contentsOf: items)
    }
}
