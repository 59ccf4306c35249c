import BigInt

/// String formatting: `format % args` and `format.format(*args, **kwargs)`, as Go Starlark
/// defines them. The text is built in a buffer bounded by the memory left (exceeding it traps
/// out-of-memory before the string exists), then reserved and made. Fuel: ⌊(format bytes +
/// output bytes) / 8⌋, plus one per element of every collection written and words² per big
/// int converted to decimal.
extension Sandbox {
    /// `format % x`: `x` is a tuple of arguments, a dict for `%(name)s`, or a single value.
    func percentFormat(_ format: [UInt8], _ x: Value) throws(Trap) -> Value {
        var out = outputBuffer()
        let tuple = kind(x) == .tuple ? sequenceObject(x)?.items : nil
        let nargs = tuple?.count ?? 1
        var index = 0
        var i = 0
        let n = format.count
        while i < n {
            guard let p = format[i...].firstIndex(of: UInt8(ascii: "%")) else {
                try out.append(bytes: format[i...])
                break
            }
            try out.append(bytes: format[i..<p])
            i = p + 1
            if i < n && format[i] == UInt8(ascii: "%") {
                try out.append("%")
                i += 1
                continue
            }
            let arg: Value
            if i < n && format[i] == UInt8(ascii: "(") {
                guard let close = format[(i + 1)...].firstIndex(of: UInt8(ascii: ")")) else {
                    throw Trap.runtime("incomplete format key")
                }
                let key = Array(format[(i + 1)..<close])
                guard let d = dictObject(x) else { throw Trap.runtime("format requires a mapping") }
                try useFuel(bytes: key.count)
                guard let e = d.entries[.string(key)] else {
                    throw Trap.runtime("key not found: \(String(decoding: key, as: UTF8.self))")
                }
                arg = e.value
                i = close + 1
            } else {
                guard index < nargs else { throw Trap.runtime("not enough arguments for format string") }
                arg = tuple?[index] ?? x
            }
            guard i < n else { throw Trap.runtime("incomplete format") }
            let c = format[i]
            switch c {
            case UInt8(ascii: "s"), UInt8(ascii: "r"):
                try write(arg, to: &out, quoteStrings: c == UInt8(ascii: "r"))
            case UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "x"), UInt8(ascii: "X"):
                let radix = c == UInt8(ascii: "o") ? 8 : (c == UInt8(ascii: "x") || c == UInt8(ascii: "X") ? 16 : 10)
                if case .int(let k)? = number(arg) {
                    // The common case without a BigInt; fuel as below (words² of the magnitude).
                    let words = Sandbox.magnitudeWords(k)
                    try useFuel(elements: words * words)
                    if radix == 10 {
                        try out.append(decimal: k)
                    } else {
                        try out.append(String(k, radix: radix, uppercase: c == UInt8(ascii: "X")))
                    }
                    break
                }
                let v: BigInt
                switch number(arg) {
                case .int(let k)?: v = BigInt(k)
                case .big(let b)?: v = b
                case .float(let d)?:
                    guard d.isFinite else {
                        throw Trap.runtime("%\(Character(Unicode.Scalar(c))) format requires integer: cannot convert float \(d.isNaN ? "NaN" : "infinity") to integer")
                    }
                    v = BigInt(exactly: d.rounded(.towardZero)) ?? 0
                case nil:
                    throw Trap.runtime("%\(Character(Unicode.Scalar(c))) format requires integer: cannot convert \(typeName(arg)) to int")
                }
                let words = v.magnitude.words.count
                try useFuel(elements: words * words)
                try out.append(String(v, radix: radix, uppercase: c == UInt8(ascii: "X")))
            case UInt8(ascii: "e"), UInt8(ascii: "f"), UInt8(ascii: "g"), UInt8(ascii: "E"), UInt8(ascii: "F"), UInt8(ascii: "G"):
                guard let num = number(arg) else {
                    throw Trap.runtime("%\(Character(Unicode.Scalar(c))) format requires float, not \(typeName(arg))")
                }
                try out.append(formatFloat(try toDouble(num), conversion: c))
            case UInt8(ascii: "c"):
                if let s = stringBytes(arg) {
                    guard !s.isEmpty, decodeRune(s, at: 0).width == s.count else {
                        throw Trap.runtime("%c format requires a single-character string")
                    }
                    try out.append(bytes: validUTF8(s))
                } else if case .int(let k)? = number(arg), k >= 0, k <= 0x10FFFF {
                    var b: [UInt8] = []
                    appendUTF8(UInt32(k), to: &b)
                    try out.append(bytes: b)
                } else if case .float? = number(arg) {
                    throw Trap.runtime("%c format requires int or single-character string, not float")
                } else if number(arg) != nil {
                    throw Trap.runtime("%c format requires a valid Unicode code point, got \(repr(arg, limit: 64))")
                } else {
                    throw Trap.runtime("%c format requires int or single-character string, not \(typeName(arg))")
                }
            case UInt8(ascii: "%"):
                try out.append("%")
            default:
                let r = decodeRune(format, at: i)
                throw Trap.runtime("unknown conversion %\(String(decoding: format[i..<(i + r.width)], as: UTF8.self))")
            }
            i += 1
            index += 1
        }
        if index < nargs { throw Trap.runtime("too many arguments for format string") }
        try useFuel(bytes: format.count + out.bytes.count)
        return try makeString(out.bytes)
    }

    /// `format.format(*args, **kwargs)`: `{}` (automatic numbering), `{0}`, `{name}`, with an
    /// optional `!s` or `!r` conversion; `{{` and `}}` are literal braces.
    func formatString(_ format: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        var out = outputBuffer()
        var auto = false, manual = false
        var index = 0
        var rest = format[...]
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        while true {
            let brace = rest.firstIndex(of: open)
            var literal = rest[..<(brace ?? rest.endIndex)]
            // "}}" is a literal "}"; a lone "}" is an error.
            while let j = literal.firstIndex(of: close) {
                guard j + 1 < literal.endIndex, literal[j + 1] == close else {
                    throw Trap.runtime("format: single '}' in format")
                }
                try out.append(bytes: literal[...j])
                literal = literal[(j + 2)...]
            }
            try out.append(bytes: literal)
            guard let i = brace else { break }
            if i + 1 < rest.endIndex && rest[i + 1] == open {
                try out.append("{")
                rest = rest[(i + 2)...]
                continue
            }
            rest = rest[(i + 1)...]
            guard let end = rest.firstIndex(of: close) else { throw Trap.runtime("format: unmatched '{' in format") }
            var field = rest[..<end]
            rest = rest[(end + 1)...]
            var conv: ArraySlice<UInt8> = Array("s".utf8)[...]
            var spec: ArraySlice<UInt8> = []
            let name: ArraySlice<UInt8>
            if let bang = field.firstIndex(of: UInt8(ascii: "!")) {
                name = field[..<bang]
                field = field[(bang + 1)...]
                if let colon = field.firstIndex(of: UInt8(ascii: ":")) {
                    conv = field[..<colon]
                    spec = field[(colon + 1)...]
                } else {
                    conv = field
                }
            } else if let colon = field.firstIndex(of: UInt8(ascii: ":")) {
                name = field[..<colon]
                spec = field[(colon + 1)...]
            } else {
                name = field
            }
            let nameText = String(decoding: name, as: UTF8.self)
            let arg: Value
            if name.isEmpty {
                if manual {
                    throw Trap.runtime("format: cannot switch from manual field specification to automatic field numbering")
                }
                auto = true
                guard index < args.positional.count else { throw Trap.runtime("format: tuple index out of range") }
                arg = args.positional[index]
                index += 1
            } else if let num = decimalIndex(name) {
                if auto {
                    throw Trap.runtime("format: cannot switch from automatic field numbering to manual field specification")
                }
                manual = true
                guard num < args.positional.count else { throw Trap.runtime("format: tuple index out of range") }
                arg = args.positional[num]
            } else if let named = args.named.first(where: { $0.name == nameText }) {
                arg = named.value
            } else if name.contains(UInt8(ascii: ".")) {
                throw Trap.runtime("format: attribute syntax x.y is not supported in replacement fields: \(nameText)")
            } else if name.contains(UInt8(ascii: "[")) {
                throw Trap.runtime("format: element syntax a[i] is not supported in replacement fields: \(nameText)")
            } else if name.contains(open) {
                throw Trap.runtime("format: nested replacement fields not supported")
            } else {
                throw Trap.runtime("format: keyword \(nameText) not found")
            }
            if !spec.isEmpty {
                throw Trap.runtime("format spec features not supported in replacement fields: \(String(decoding: spec, as: UTF8.self))")
            }
            switch String(decoding: conv, as: UTF8.self) {
            case "s": try write(arg, to: &out, quoteStrings: false)
            case "r": try write(arg, to: &out, quoteStrings: true)
            default: throw Trap.runtime("format: unknown conversion \(quotedText(conv))")
            }
        }
        try useFuel(bytes: format.count + out.bytes.count)
        return try makeString(out.bytes)
    }

    /// A field name made only of decimal digits, as an index (leading zeros allowed).
    private func decimalIndex(_ s: ArraySlice<UInt8>) -> Int? {
        var x = 0
        for c in s {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = x.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            x = a
        }
        return x
    }
}

/// A float as `%e`, `%f`, `%g` (and upper-case forms) write it, like Go's
/// `strconv.FormatFloat` with precision 6 for `e`/`f` (correctly rounded, ties to even, from
/// the exact binary value) and the shortest round-trip digits for `g`; non-finite values are
/// `+inf`, `-inf`, `nan` whatever the conversion.
func formatFloat(_ d: Double, conversion c: UInt8) -> String {
    if !d.isFinite { return formatFloat(d) }
    switch c {
    case UInt8(ascii: "g"): return formatFloat(d)
    case UInt8(ascii: "G"): return formatFloat(d).uppercased()
    case UInt8(ascii: "e"), UInt8(ascii: "E"):
        let s = fixedExponent(d, precision: 6)
        return c == UInt8(ascii: "E") ? s.uppercased() : s
    default:
        return fixedPoint(d, precision: 6)
    }
}

/// The exact value of a finite double as `digits × 10^-scale` (digits ≥ 0).
private func exactDecimal(_ d: Double) -> (digits: BigUInt, scale: Int) {
    let m = d.magnitude
    if m == 0 { return (0, 0) }
    let significand = BigUInt(m.significandBitPattern) + (m.isNormal ? BigUInt(1) << 52 : 0)
    let exponent = (m.isNormal ? Int(m.exponent) : -1022) - 52
    if exponent >= 0 { return (significand << exponent, 0) }
    return (significand * BigUInt(5).power(-exponent), -exponent)
}

/// `x / 10^k` rounded to nearest, ties to even.
private func roundedDivide(_ x: BigUInt, byPowerOfTen k: Int) -> BigUInt {
    if k <= 0 { return x * BigUInt(10).power(-k) }
    let divisor = BigUInt(10).power(k)
    let (q, r) = x.quotientAndRemainder(dividingBy: divisor)
    let twice = r * 2
    if twice > divisor || (twice == divisor && q % 2 == 1) { return q + 1 }
    return q
}

/// `%f`: `precision` digits after the point.
func fixedPoint(_ d: Double, precision: Int) -> String {
    let (digits, scale) = exactDecimal(d)
    var text = Array(String(roundedDivide(digits, byPowerOfTen: scale - precision)))
    if text.count <= precision { text = Array(repeating: "0", count: precision + 1 - text.count) + text }
    let point = text.count - precision
    return (d.sign == .minus ? "-" : "") + String(text[..<point]) + (precision > 0 ? "." + String(text[point...]) : "")
}

/// `%e`: one digit, the point, `precision` digits, `e±XX`.
func fixedExponent(_ d: Double, precision: Int) -> String {
    let sign = d.sign == .minus ? "-" : ""
    let (digits, scale) = exactDecimal(d)
    if digits == 0 { return sign + "0." + String(repeating: "0", count: precision) + "e+00" }
    let length = String(digits).count
    var exp10 = length - 1 - scale
    var q = roundedDivide(digits, byPowerOfTen: length - (precision + 1))
    if q == BigUInt(10).power(precision + 1) {
        q /= 10
        exp10 += 1
    }
    let text = Array(String(q))
    let e = String(abs(exp10))
    return sign + String(text[0]) + (precision > 0 ? "." + String(text[1...]) : "") + (exp10 < 0 ? "e-" : "e+")
        + (e.count < 2 ? "0" : "") + e
}
