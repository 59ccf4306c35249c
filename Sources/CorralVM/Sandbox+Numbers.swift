import BigInt

/// A numeric operand unpacked once, so each operator handles three cases instead of
/// re-inspecting the heap. Ints that fit Int64 are never `.big` (the heap keeps them normalised).
enum Number {
    case int(Int64)
    case big(BigInt)
    case float(Double)

    /// The value as a big integer (nil for floats).
    var bigInt: BigInt? {
        switch self {
        case .int(let i): return BigInt(i)
        case .big(let b): return b
        case .float: return nil
        }
    }
}

/// Int and float arithmetic with Starlark's semantics: floor division and modulo round toward
/// -inf, int/int `/` is a float, overflowing ints become big ints, and int/float mixes are
/// exact where Starlark requires it (comparisons) and correctly rounded elsewhere.
extension Sandbox {
    /// The largest left shift count plus one: `1 << 511` is already 64 bytes; bigger values
    /// come from repeated multiplication, which fuel and memory meter.
    static let maxShift: Int64 = 512

    func number(_ v: Value) -> Number? {
        switch v {
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .ref(let slot):
            let o = heap.object(slot)
            guard o.kind == .bigInt else { return nil }
            return .big(unsafeDowncast(o, to: BigIntObject.self).value)
        default: return nil
        }
    }

    /// `a op b` for two numbers; nil when `op` has no meaning for numbers (`in`).
    func numberBinary(_ op: BinaryOperator, _ a: Number, _ b: Number) throws(Trap) -> Value? {
        switch (a, b) {
        case (.float, _), (_, .float):
            return try floatBinary(op, try toDouble(a), try toDouble(b))
        default:
            return try intBinary(op, a, b)
        }
    }

    // MARK: - Ints

    private func intBinary(_ op: BinaryOperator, _ a: Number, _ b: Number) throws(Trap) -> Value? {
        if case .int(let x) = a, case .int(let y) = b, let r = try smallIntBinary(op, x, y) {
            return r
        }
        guard let x = a.bigInt, let y = b.bigInt else { return nil }
        let wx = x.magnitude.words.count, wy = y.magnitude.words.count
        let wmax = max(wx, wy)
        switch op {
        case .add, .addInPlace, .sub:
            try useFuel(elements: wmax)
            try reserve(MemoryCost.bigInt(wmax + 1))
            return try makeInt(op == .sub ? x - y : x + y)
        case .mul:
            try useFuel(elements: wx * wy)
            try reserve(MemoryCost.bigInt(wx + wy))
            return try makeInt(x * y)
        case .floorDiv, .mod:
            guard !y.isZero else { throw Trap.runtime(op == .mod ? "integer modulo by zero" : "integer division by zero") }
            try useFuel(elements: wx * wy)
            try reserve(MemoryCost.bigInt(wx + 1))
            var (q, r) = x.quotientAndRemainder(dividingBy: y)
            if !r.isZero && (r.sign == .minus) != (y.sign == .minus) {
                q -= 1
                r += y
            }
            return try makeInt(op == .mod ? r : q)
        case .div:
            try useFuel(elements: wx * wy)
            return .float(try trueDivide(x, y))
        case .bitAnd, .bitOr, .bitOrInPlace, .bitXor:
            try useFuel(elements: wmax)
            try reserve(MemoryCost.bigInt(wmax + 1))
            return try makeInt(bitwise(op, x, y))
        case .shl, .shr:
            return try bigShift(op, x, y)
        case .in, .notIn:
            return nil
        }
    }

    /// The Int64 fast path; nil when the result needs a big int.
    private func smallIntBinary(_ op: BinaryOperator, _ x: Int64, _ y: Int64) throws(Trap) -> Value? {
        switch op {
        case .add, .addInPlace:
            let (r, o) = x.addingReportingOverflow(y)
            return o ? nil : .int(r)
        case .sub:
            let (r, o) = x.subtractingReportingOverflow(y)
            return o ? nil : .int(r)
        case .mul:
            let (r, o) = x.multipliedReportingOverflow(by: y)
            return o ? nil : .int(r)
        case .floorDiv:
            guard y != 0 else { throw Trap.runtime("integer division by zero") }
            if x == .min && y == -1 { return nil }
            var q = x / y
            if x % y != 0 && (x < 0) != (y < 0) { q -= 1 }
            return .int(q)
        case .mod:
            guard y != 0 else { throw Trap.runtime("integer modulo by zero") }
            if y == -1 { return .int(0) }
            var r = x % y
            if r != 0 && (r < 0) != (y < 0) { r += y }
            return .int(r)
        case .div:
            guard y != 0 else { throw Trap.runtime("floating-point division by zero") }
            let exact: UInt64 = 1 << 53
            if x.magnitude <= exact && y.magnitude <= exact {
                return .float(Double(x) / Double(y))
            }
            return .float(try trueDivide(BigInt(x), BigInt(y)))
        case .bitAnd: return .int(x & y)
        case .bitOr, .bitOrInPlace: return .int(x | y)
        case .bitXor: return .int(x ^ y)
        case .shl:
            guard y >= 0 else { throw Trap.runtime("negative shift count: \(y)") }
            guard y < Sandbox.maxShift else { throw Trap.runtime("shift count too large: \(y)") }
            if x == 0 { return .int(0) }
            if y < 63 {
                let r = x << y
                if r >> y == x { return .int(r) }
            }
            return nil
        case .shr:
            guard y >= 0 else { throw Trap.runtime("negative shift count: \(y)") }
            return .int(y >= 64 ? (x < 0 ? -1 : 0) : x >> y)
        case .in, .notIn:
            return nil
        }
    }

    private func bigShift(_ op: BinaryOperator, _ x: BigInt, _ y: BigInt) throws(Trap) -> Value {
        guard y.sign == .plus else { throw Trap.runtime("negative shift count: \(shortIntText(y))") }
        if op == .shl {
            guard let n = Int64(exactly: y), n < Sandbox.maxShift else {
                throw Trap.runtime("shift count too large: \(shortIntText(y))")
            }
            let words = x.magnitude.words.count + Int(n) / 64 + 1
            try useFuel(elements: words - 1)
            try reserve(MemoryCost.bigInt(words))
            return try makeInt(x << Int(n))
        }
        guard let n = Int(exactly: y), n < x.magnitude.bitWidth else { return .int(x.sign == .minus ? -1 : 0) }
        try useFuel(elements: x.magnitude.words.count)
        // Floor semantics: BigInt shifts the magnitude, which rounds negatives toward zero.
        return try makeInt(x.sign == .minus ? ~((~x) >> n) : x >> n)
    }

    /// `&`, `|`, `^` on two's-complement views of `x` and `y` (BigInt stores sign and
    /// magnitude), one word wider than either so the sign word is explicit.
    private func bitwise(_ op: BinaryOperator, _ x: BigInt, _ y: BigInt) -> BigInt {
        let n = max(x.magnitude.words.count, y.magnitude.words.count) + 1
        let a = twosComplement(x, words: n), b = twosComplement(y, words: n)
        var r = [UInt](repeating: 0, count: n)
        for i in 0..<n {
            switch op {
            case .bitAnd: r[i] = a[i] & b[i]
            case .bitXor: r[i] = a[i] ^ b[i]
            default: r[i] = a[i] | b[i]
            }
        }
        guard let top = r.last, top >> (UInt.bitWidth - 1) == 1 else {
            return BigInt(sign: .plus, magnitude: BigUInt(words: r))
        }
        negate(&r)
        return BigInt(sign: .minus, magnitude: BigUInt(words: r))
    }

    private func twosComplement(_ x: BigInt, words n: Int) -> [UInt] {
        var w = [UInt](repeating: 0, count: n)
        for (i, word) in x.magnitude.words.enumerated() where i < n { w[i] = word }
        if x.sign == .minus { negate(&w) }
        return w
    }

    private func negate(_ w: inout [UInt]) {
        var carry = true
        for i in w.indices {
            w[i] = ~w[i]
            if carry { (w[i], carry) = w[i].addingReportingOverflow(1) }
        }
    }

    /// `x / y` for ints, correctly rounded (Go Starlark converts each side to float first,
    /// which rounds twice; this rounds once).
    private func trueDivide(_ x: BigInt, _ y: BigInt) throws(Trap) -> Double {
        guard !y.isZero else { throw Trap.runtime("floating-point division by zero") }
        let negative = (x.sign == .minus) != (y.sign == .minus)
        let q = ratioToDouble(x.magnitude, y.magnitude)
        guard q.isFinite else { throw Trap.runtime("integer division result too large for a float") }
        return negative ? -q : q
    }

    // MARK: - Floats

    /// Float arithmetic (ints already converted).
    func floatBinary(_ op: BinaryOperator, _ x: Double, _ y: Double) throws(Trap) -> Value? {
        switch op {
        case .add, .addInPlace: return .float(x + y)
        case .sub: return .float(x - y)
        case .mul: return .float(x * y)
        case .div:
            guard y != 0 else { throw Trap.runtime("floating-point division by zero") }
            return .float(x / y)
        case .floorDiv:
            guard y != 0 else { throw Trap.runtime("floored division by zero") }
            return .float((x / y).rounded(.down))
        case .mod:
            guard y != 0 else { throw Trap.runtime("floating-point modulo by zero") }
            var r = x.truncatingRemainder(dividingBy: y)
            if r != 0 && (r < 0) != (y < 0) { r += y }
            return .float(r)
        case .bitAnd, .bitOr, .bitOrInPlace, .bitXor, .shl, .shr, .in, .notIn:
            return nil
        }
    }

    /// A number as a float; ints too large for one trap, as in Go Starlark.
    func toDouble(_ n: Number) throws(Trap) -> Double {
        switch n {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .big(let b):
            let d = bigToDouble(b)
            guard d.isFinite else { throw Trap.runtime("int too large to convert to float") }
            return d
        }
    }

    // MARK: - Ordering

    /// Three-way order of two numbers: exact between ints and floats (no rounding of big ints),
    /// and total over floats as in Go Starlark: NaN equals NaN and is above +inf.
    func numberOrder(_ a: Number, _ b: Number) -> Int {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.float(x), .float(y)): return floatOrder(x, y)
        case (.float(let x), _): return -intFloatOrder(b, x)
        case (_, .float(let y)): return intFloatOrder(a, y)
        default:
            let x = a.bigInt ?? 0, y = b.bigInt ?? 0
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    func floatOrder(_ x: Double, _ y: Double) -> Int {
        if x < y { return -1 }
        if x > y { return 1 }
        if x == y { return 0 }
        if x.isNaN && y.isNaN { return 0 }
        return x.isNaN ? 1 : -1
    }

    /// Order of an int (`.int` or `.big`) against a float, exactly.
    private func intFloatOrder(_ i: Number, _ d: Double) -> Int {
        if d.isNaN || d == .infinity { return -1 }
        if d == -.infinity { return 1 }
        let f = d.rounded(.down)
        var c: Int
        switch i {
        case .int(let x):
            if f >= 9_223_372_036_854_775_808.0 {
                c = -1
            } else if f < -9_223_372_036_854_775_808.0 {
                c = 1
            } else {
                let fi = Int64(f)
                c = x < fi ? -1 : (x > fi ? 1 : 0)
            }
        default:
            let x = i.bigInt ?? 0
            let fb = BigInt(exactly: f) ?? 0
            c = x < fb ? -1 : (x > fb ? 1 : 0)
        }
        // i == floor(d) < d when d has a fraction.
        if c == 0 && f != d { c = -1 }
        return c
    }

    /// Decimal text of a big int for error messages, abbreviated when long (converting a
    /// huge int to decimal is quadratic, and messages should stay short).
    func shortIntText(_ b: BigInt) -> String {
        b.magnitude.words.count <= 8 ? String(b) : "<int of \(b.magnitude.bitWidth) bits>"
    }
}

/// `b` as the nearest float (ties to even), ±inf when too large. BigInt's own conversion
/// does not round correctly, so this keeps the top 64 bits plus a sticky bit and lets the
/// hardware conversion from UInt64 do the one rounding.
func bigToDouble(_ b: BigInt) -> Double {
    let m = b.magnitude
    let bits = m.bitWidth
    let d: Double
    if bits <= 64 {
        d = Double(UInt64(m.words.first ?? 0))
    } else {
        let shift = bits - 64
        var top = UInt64((m >> shift).words.first ?? 0)
        if m.trailingZeroBitCount < shift { top |= 1 }
        d = Double(sign: .plus, exponent: shift, significand: Double(top))
    }
    return b.sign == .minus ? -d : d
}

/// `n / d` (both positive, d non-zero) as the nearest float: a quotient with at least 55
/// significant bits plus a sticky bit for the remainder rounds exactly once.
func ratioToDouble(_ n: BigUInt, _ d: BigUInt) -> Double {
    if n.isZero { return 0 }
    let shift = 55 + d.bitWidth - n.bitWidth
    if shift > 1_200 { return 0 }
    if shift < -1_100 { return .infinity }
    var nn = n, dd = d
    if shift > 0 { nn <<= shift } else if shift < 0 { dd <<= -shift }
    let (q, r) = nn.quotientAndRemainder(dividingBy: dd)
    var top = UInt64(q.words.first ?? 0)
    if !r.isZero { top |= 1 }
    return Double(sign: .plus, exponent: -shift, significand: Double(top))
}
