/// `bytes`: the `bytes` builtin, `b.elems()`, and the code point builtins `chr` and `ord`.
/// Indexing, slicing, `in`, `len`, `+`, `*`, comparison, hashing and repr of bytes live with
/// the other sequence operations.
extension Sandbox {
    /// `b.elems()`: the byte values as a list of ints. Fuel: ⌊len / 8⌋ + one per element.
    func bytesElems(_ b: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        try noArguments(args, "elems")
        try useFuel(bytes: b.count)
        return try makeSequenceCharged(b.map { .int(Int64($0)) })
    }

    /// `bytes(x)`: a string's bytes (invalid UTF-8 replaced by U+FFFD, as Go Starlark
    /// transcodes), bytes as they are, or an iterable of ints 0–255.
    func builtinBytes(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("bytes", ["x"], required: 1)
        let x = a[0] ?? .none
        if bytesData(x) != nil { return x }
        if let s = stringBytes(x) {
            try useFuel(bytes: 2 * s.count)
            return try makeBytes(validUTF8(s))
        }
        guard isIterable(x) else {
            throw Trap.runtime("bytes: got \(typeName(x)), want string, bytes, or iterable of ints")
        }
        let items = try elements(of: x, for: "bytes: argument")
        try useFuel(elements: items.count)
        var out: [UInt8] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            switch number(item) {
            case .int(let v)? where (0...255).contains(v): out.append(UInt8(v))
            case .int(let v)?: throw Trap.runtime("bytes: at index \(i), \(v) out of range (want value in unsigned 8-bit range)")
            case .big(let v)?: throw Trap.runtime("bytes: at index \(i), \(shortIntText(v)) out of range (want value in unsigned 8-bit range)")
            default: throw Trap.runtime("bytes: at index \(i), got \(typeName(item)), want int")
            }
        }
        return try makeBytes(out)
    }

    /// `chr(i)`: the UTF-8 encoding of code point `i` (surrogates become U+FFFD, as in Go).
    func builtinChr(_ args: Arguments) throws(Trap) -> Value {
        if !args.named.isEmpty { throw Trap.runtime("chr does not accept keyword arguments") }
        guard args.positional.count == 1 else { throw Trap.runtime("chr: got \(args.positional.count) arguments, want 1") }
        let x = args.positional[0]
        let i: Int64
        switch number(x) {
        case .int(let v)?: i = v
        case .big?: throw Trap.runtime("chr: \(repr(x, limit: 64)) out of range")
        default: throw Trap.runtime("chr: got \(typeName(x)), want int")
        }
        if i < 0 { throw Trap.runtime("chr: Unicode code point \(i) out of range (<0)") }
        if i > 0x10FFFF {
            throw Trap.runtime("chr: Unicode code point U+\(String(i, radix: 16, uppercase: true)) out of range (>0x10FFFF)")
        }
        var out: [UInt8] = []
        appendUTF8(UInt32(i), to: &out)
        return try makeString(out)
    }

    /// `ord(s)`: the code point of a one-code-point string, or the value of a one-byte bytes.
    func builtinOrd(_ args: Arguments) throws(Trap) -> Value {
        if !args.named.isEmpty { throw Trap.runtime("ord does not accept keyword arguments") }
        guard args.positional.count == 1 else { throw Trap.runtime("ord: got \(args.positional.count) arguments, want 1") }
        let x = args.positional[0]
        if let b = bytesData(x) {
            guard b.count == 1 else { throw Trap.runtime("ord: bytes has length \(b.count), want 1") }
            return .int(Int64(b[0]))
        }
        guard let s = stringBytes(x) else { throw Trap.runtime("ord: got \(typeName(x)), want string") }
        if !s.isEmpty {
            let r = decodeRune(s, at: 0)
            if r.width == s.count { return .int(Int64(r.scalar)) }
        }
        try useFuel(bytes: s.count)
        var n = 0, i = 0
        while i < s.count {
            i += decodeRune(s, at: i).width
            n += 1
        }
        throw Trap.runtime("ord: string encodes \(n) Unicode code points, want 1")
    }
}
