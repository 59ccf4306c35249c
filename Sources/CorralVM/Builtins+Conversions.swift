import BigInt

/// `int`, `float` and `abs`.
extension Sandbox {
    /// The longest digit string `int()` converts. Decimal to binary is quadratic in the
    /// length, so (like Python 3.11+) very long inputs are refused rather than metered.
    static let maxIntDigits = 4_300

    /// `int(x=0, base=10)`: ints as they are, bools as 0/1, floats truncated toward zero,
    /// strings parsed in `base` (0 infers it from a `0x`/`0o`/`0b` prefix).
    func builtinInt(_ args: Arguments) throws(Trap) -> Value {
        // int() with no argument is an error, as in Go Starlark (Python returns 0).
        let a = try args.bind("int", ["x", "base"], required: 1)
        let x = a[0] ?? .int(0)
        if let s = stringBytes(x) {
            var base: Int64 = 10
            if let b = a[1] {
                guard case .int(let v) = b, v == 0 || (2...36).contains(v) else {
                    throw Trap.runtime("int: base must be an integer >= 2 && <= 36, or 0")
                }
                base = v
            }
            return try parseInt(s, base: Int(base))
        }
        if a[1] != nil { throw Trap.runtime("int: can't convert non-string with explicit base") }
        switch x {
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d):
            guard d.isFinite else {
                throw Trap.runtime("int: cannot convert float \(d.isNaN ? "NaN" : "infinity") to integer")
            }
            let t = d.rounded(.towardZero)
            if let i = Int64(exactly: t) { return .int(i) }
            return try makeInt(BigInt(exactly: t) ?? 0)
        default:
            if case .int? = number(x) { return x }
            if case .big? = number(x) { return x }
            throw Trap.runtime("int: got \(typeName(x)), want int, float, bool or string")
        }
    }

    private func parseInt(_ text: [UInt8], base requested: Int) throws(Trap) -> Value {
        func invalid() -> Trap {
            Trap.runtime("int: invalid literal with base \(requested): \(String(decoding: text, as: UTF8.self))")
        }
        var s = text[...]
        var negative = false
        if let c = s.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            negative = c == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        var base = requested
        if s.count >= 2, s.first == UInt8(ascii: "0") {
            let p = s[s.startIndex + 1] | 0x20
            let prefixed = p == UInt8(ascii: "x") ? 16 : (p == UInt8(ascii: "o") ? 8 : (p == UInt8(ascii: "b") ? 2 : 0))
            if prefixed != 0 && (base == 0 || base == prefixed) {
                base = prefixed
                s = s.dropFirst(2)
            }
        }
        if base == 0 {
            // No prefix: decimal, and a leading zero is allowed only in zero itself.
            base = 10
            if s.count > 1, s.first == UInt8(ascii: "0"), s.contains(where: { $0 != UInt8(ascii: "0") }) { throw invalid() }
        }
        guard !s.isEmpty else { throw invalid() }
        guard s.count <= Sandbox.maxIntDigits else {
            throw Trap.runtime("int: a literal of \(s.count) digits exceeds the limit of \(Sandbox.maxIntDigits)")
        }
        for c in s {
            let d: Int
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): d = Int(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): d = Int(c - UInt8(ascii: "A")) + 10
            default: throw invalid()
            }
            guard d < base else { throw invalid() }
        }
        // Fuel like a big-int product of the digit limbs (conversion is quadratic).
        let limbs = s.count / 19 + 1
        try useFuel(elements: limbs * limbs)
        if s.count <= 18 {
            // Up to 18 digits: accumulate in an Int64 (no BigInt, no String), with overflow
            // checks because bases above 10 can leave 64 bits; then the BigInt path decides.
            var value: Int64 = 0
            var fits = true
            for c in s {
                let d = Int64(c <= UInt8(ascii: "9") ? c &- UInt8(ascii: "0") : (c | 0x20) &- UInt8(ascii: "a") &+ 10)
                let (m, o1) = value.multipliedReportingOverflow(by: Int64(base))
                let (r, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { fits = false; break }
                value = r
            }
            if fits {
                // The same memory check as the BigInt path.
                try reserve(MemoryCost.bigInt(Sandbox.magnitudeWords(value)))
                return .int(negative ? -value : value)
            }
        }
        let digits = String(decoding: s, as: UTF8.self)
        guard let magnitude = BigInt(digits, radix: base) else { throw invalid() }
        try reserve(MemoryCost.bigInt(magnitude.magnitude.words.count))
        return try makeInt(negative ? -magnitude : magnitude)
    }

    /// `float(x=0.0)`: numbers (ints too large for a float trap), bools, and decimal strings
    /// (also `inf`, `infinity`, `nan`, with any case and sign).
    func builtinFloat(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("float", ["x"], required: 0)
        let x = a[0] ?? .float(0)
        if case .bool(let b) = x { return .float(b ? 1 : 0) }
        if let n = number(x) { return .float(try toDouble(n)) }
        guard let s = stringBytes(x) else {
            throw Trap.runtime("float: got \(typeName(x)), want number or string")
        }
        try useFuel(bytes: s.count)
        // Swift's parser also takes hex floats and exotic NaN spellings; only decimal text
        // and the named values are Starlark, so check the characters first.
        let allowed = Set("0123456789+-.eEinfatyINFATY".utf8)
        guard !s.isEmpty, s.count <= 1_000, s.allSatisfy({ allowed.contains($0) }),
            let d = Double(String(decoding: s, as: UTF8.self))
        else {
            throw Trap.runtime("invalid float literal: \(String(decoding: s, as: UTF8.self))")
        }
        // A finite literal that overflows is an error, not infinity (Go Starlark).
        if d.isInfinite && !s.contains(where: { $0 == UInt8(ascii: "n") || $0 == UInt8(ascii: "N") }) {
            throw Trap.runtime("floating-point number too large")
        }
        return .float(d)
    }

    /// `abs(x)` for ints and floats.
    func builtinAbs(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("abs", ["x"], required: 1)
        let x = a[0] ?? .none
        switch number(x) {
        case .int(let i)?: return i == .min ? try makeInt(-BigInt(i)) : .int(Swift.abs(i))
        case .big(let b)?: return b.sign == .minus ? try makeInt(-b) : x
        case .float(let d)?: return .float(Swift.abs(d))
        case nil: throw Trap.runtime("abs: got \(typeName(x)), want int or float")
        }
    }
}
