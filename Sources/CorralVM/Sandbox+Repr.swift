import BigInt

/// Output of `repr`/`str`, bounded as it is built.
///
/// A strict buffer belongs to a builtin (`repr`, `str`, `print`): its limit is the memory the
/// sandbox has left, exceeding it traps out-of-memory, and writers charge fuel as they go.
/// A lenient buffer makes messages: it stops at its limit and ends with `...`.
struct TextBuffer {
    var bytes: [UInt8] = []
    let limit: Int
    let strict: Bool
    /// A lenient buffer reached its limit; writers stop early.
    private(set) var full = false

    init(limit: Int, strict: Bool) {
        self.limit = max(limit, 0)
        self.strict = strict
    }

    mutating func append(_ s: String) throws(Trap) {
        try append(bytes: s.utf8)
    }

    /// A literal's bytes without going through `String` (punctuation and keywords in hot
    /// writers: about 150 instructions less per call than `append(_: String)`).
    @inline(__always) mutating func append(ascii s: StaticString) throws(Trap) {
        try append(bytes: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always) mutating func append(byte b: UInt8) throws(Trap) {
        if !full && bytes.count < limit {
            bytes.append(b)
        } else {
            try append(bytes: CollectionOfOne(b))
        }
    }

    mutating func append(bytes s: some Collection<UInt8>) throws(Trap) {
        guard !full else { return }
        if bytes.count + s.count > limit {
            if strict {
                throw Trap(.outOfMemory, "a string of more than \(limit) bytes exceeds the memory limit")
            }
            bytes.append(contentsOf: s.prefix(max(limit - bytes.count, 0)))
            bytes.append(contentsOf: "...".utf8)
            full = true
            return
        }
        // Short pieces (numbers, separators, words) byte by byte: for them the bulk append's
        // fixed cost was most of the work (about 200 instructions per `%d` in a format).
        if s.count <= 16 {
            for b in s { bytes.append(b) }
            return
        }
        // Longer ones in one copy from contiguous storage (arrays, slices, native strings); the
        // generic append goes element by element.
        if s.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: s)
        }
    }

    /// Appends `value` in decimal without making a `String`.
    mutating func append(decimal value: Int64) throws(Trap) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        try withUnsafeMutableBytes(of: &scratch) { (raw: UnsafeMutableRawBufferPointer) throws(Trap) in
            var magnitude = value.magnitude
            var at = raw.count
            repeat {
                at -= 1
                raw[at] = UInt8(truncatingIfNeeded: 48 &+ magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                at -= 1
                raw[at] = UInt8(ascii: "-")
            }
            try append(bytes: UnsafeRawBufferPointer(rebasing: raw[at...]))
        }
    }
}

/// A collection `repr` is writing: its elements (a dict's as key, value, key, …), the next
/// one to write, and how it closes.
private struct OpenCollection {
    let slot: UInt32
    let elements: [Value]
    let pairs: Bool
    /// Field names written before each element (`struct(x = 1)`), or empty.
    var labels: [String] = []
    let close: String
    var next = 0
}

extension Sandbox {
    /// The repr of `v` for messages and diagnostics: never traps, cut off after `limit` bytes.
    func repr(_ v: Value, limit: Int = 4_096) -> String {
        var out = TextBuffer(limit: limit, strict: false)
        try? write(v, to: &out, quoteStrings: true)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Raw bytes quoted as a string literal, for messages about text that is not a value
    /// (yet); cut off after 128 bytes.
    func quotedText(_ s: some Collection<UInt8>) -> String {
        var out = TextBuffer(limit: 1_024, strict: false)
        try? quote(Array(s.prefix(128)), bytes: false, to: &out)
        return String(decoding: out.bytes, as: UTF8.self) + (s.count > 128 ? "..." : "")
    }

    /// A buffer for a builtin's output: at most what the memory budget has left.
    func outputBuffer() -> TextBuffer {
        TextBuffer(limit: heap.limit - heap.live, strict: true)
    }

    /// Writes Starlark's `repr(v)` (or `str(v)` when `quoteStrings` is false: a string at the
    /// top is written as is). Iterative: a stack of the collections being written, each with
    /// its next position, so nesting costs no native stack; a collection already on that
    /// stack prints as `[...]` (or `{...}`), so cyclic values terminate. Strict buffers charge
    /// one fuel per element and words² for converting a big int to decimal (quadratic work).
    func write(_ v: Value, to out: inout TextBuffer, quoteStrings: Bool) throws(Trap) {
        if !quoteStrings, let s = stringBytes(v) {
            try out.append(bytes: s)
            return
        }
        var open: [OpenCollection] = []
        var onPath = Set<UInt32>()
        var value = v
        while true {
            // Write `value`: a leaf now, or open a collection.
            if let (slot, o) = collection(value) {
                if onPath.contains(slot) {
                    try out.append(o.kind == .dict ? "{...}" : "[...]")
                } else {
                    let (opening, c) = try begin(o, slot: slot, strict: out.strict)
                    try out.append(opening)
                    onPath.insert(slot)
                    open.append(c)
                }
            } else {
                try writeLeaf(value, to: &out)
            }
            // Find the next value: the next element of the innermost open collection, closing
            // the ones that are finished.
            while let top = open.last, top.next == top.elements.count {
                try out.append(top.close)
                onPath.remove(top.slot)
                open.removeLast()
            }
            guard let top = open.last, !out.full else { return }
            let i = top.next
            if i > 0 { try out.append(top.pairs && i % 2 == 1 ? ": " : ", ") }
            if i < top.labels.count { try out.append("\(top.labels[i]) = ") }
            open[open.count - 1].next = i + 1
            value = top.elements[i]
        }
    }

    private func collection(_ v: Value) -> (UInt32, HeapObject)? {
        guard case .ref(let slot) = v else { return nil }
        let o = heap.object(slot)
        switch o.kind {
        case .list, .tuple, .dict, .set: return (slot, o)
        case .module where unsafeDowncast(o, to: ModuleObject.self).flavor == .structure: return (slot, o)
        default: return nil
        }
    }

    /// The opening text of a collection and its entry on the stack of open collections.
    private func begin(_ o: HeapObject, slot: UInt32, strict: Bool) throws(Trap) -> (String, OpenCollection) {
        let opening: String, elements: [Value], close: String
        switch o.kind {
        case .list:
            (opening, elements, close) = ("[", unsafeDowncast(o, to: ListObject.self).items, "]")
        case .tuple:
            let items = unsafeDowncast(o, to: ListObject.self).items
            (opening, elements, close) = ("(", items, items.count == 1 ? ",)" : ")")
        case .set:
            (opening, elements, close) = ("set([", Array(unsafeDowncast(o, to: SetObject.self).elements.values), "])")
        case .module:
            // A test `struct`, as starlarkstruct writes it: `struct(x = 1, y = "two")`.
            let fields = unsafeDowncast(o, to: ModuleObject.self).fields
            if strict { try useFuel(elements: fields.count) }
            var c = OpenCollection(slot: slot, elements: fields.map(\.value), pairs: false, close: ")")
            c.labels = fields.map(\.name)
            return ("struct(", c)
        default:
            let entries = unsafeDowncast(o, to: DictObject.self).entries
            var flat: [Value] = []
            flat.reserveCapacity(2 * entries.count)
            for e in entries.values { flat.append(e.key); flat.append(e.value) }
            (opening, elements, close) = ("{", flat, "}")
        }
        if strict { try useFuel(elements: o.kind == .dict ? elements.count / 2 : elements.count) }
        return (opening, OpenCollection(slot: slot, elements: elements, pairs: o.kind == .dict, close: close))
    }

    private func writeLeaf(_ v: Value, to out: inout TextBuffer) throws(Trap) {
        switch v {
        case .none: try out.append("None")
        case .bool(let b): try out.append(b ? "True" : "False")
        case .int(let i): try out.append(decimal: i)
        case .float(let d): try out.append(formatFloat(d))
        case .function(let f): try out.append("<function \(module.module.functions[Int(f)].name)>")
        case .builtin(let b):
            let builtin = Builtin.all[Int(b)]
            try out.append(builtin.isModule ? "<module \"\(builtin.rawValue)\">" : "<built-in function \(builtin.displayName)>")
        case .host(let h):
            let f = hostFunctions[Int(h)]
            try out.append("<built-in function \(f.module).\(f.name)>")
        case .unbound: try out.append("<unbound>")
        case .ref(let slot):
            let o = heap.object(slot)
            switch o.kind {
            case .string: try quote(unsafeDowncast(o, to: StringObject.self).utf8, bytes: false, to: &out)
            case .bytes: try quote(unsafeDowncast(o, to: BytesObject.self).data, bytes: true, to: &out)
            case .bigInt:
                let b = unsafeDowncast(o, to: BigIntObject.self).value
                let words = b.magnitude.words.count
                if out.strict {
                    try useFuel(elements: words * words)
                    try out.append(String(b))
                } else {
                    try out.append(shortIntText(b))
                }
            case .range:
                let r = unsafeDowncast(o, to: RangeObject.self)
                if r.step != 1 {
                    try out.append("range(\(r.start), \(r.stop), \(r.step))")
                } else if r.start != 0 {
                    try out.append("range(\(r.start), \(r.stop))")
                } else {
                    try out.append("range(\(r.stop))")
                }
            case .function:
                let f = unsafeDowncast(o, to: FunctionObject.self)
                try out.append("<function \(module.module.functions[Int(f.function)].name)>")
            case .boundMethod:
                let m = unsafeDowncast(o, to: BoundMethodObject.self)
                try out.append("<built-in method \(m.method.name) of \(typeName(m.receiver)) value>")
            case .stringView:
                let v = unsafeDowncast(o, to: StringViewObject.self)
                try quote(stringBytes(v.string) ?? [], bytes: false, to: &out)
                try out.append(".\(v.methodName)()")
            case .cell: try out.append("<cell>")
            case .iterator: try out.append("<iterator>")
            case .module:
                let m = unsafeDowncast(o, to: ModuleObject.self)
                if m.flavor == .hasFields {
                    try out.append("hasfields")
                } else {
                    try out.append("<module ")
                    try quote(Array(m.name.utf8), bytes: false, to: &out)
                    try out.append(">")
                }
            case .list, .tuple, .dict, .set: try out.append("<collection>")
            }
        }
    }

    /// A Starlark string or bytes literal, as Go Starlark's `syntax.Quote` writes it: `\"` and
    /// `\\`, C escapes for control characters, `\xHH` for invalid UTF-8 (and for every
    /// non-ASCII byte of bytes), `\uHHHH` for non-printable code points; printable text as is.
    func quote(_ s: [UInt8], bytes: Bool, to out: inout TextBuffer) throws(Trap) {
        var buf: [UInt8] = bytes ? [UInt8(ascii: "b"), UInt8(ascii: "\"")] : [UInt8(ascii: "\"")]
        buf.reserveCapacity(min(s.count + 2, 8_192))
        let hex = Array("0123456789abcdef".utf8)
        func escapeByte(_ b: UInt8) {
            buf.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 0xF)]])
        }
        var i = 0
        while i < s.count {
            // Flush in chunks so a lenient buffer stops early and a strict one fails early.
            if buf.count > 4_096 {
                try out.append(bytes: buf)
                buf.removeAll(keepingCapacity: true)
                if out.full { return }
            }
            let r = decodeRune(s, at: i)
            defer { i += r.width }
            if !r.valid || (bytes && r.scalar >= 0x80) {
                for k in i..<(i + r.width) { escapeByte(s[k]) }
                continue
            }
            switch r.scalar {
            case 0x22: buf.append(contentsOf: "\\\"".utf8)
            case 0x5C: buf.append(contentsOf: "\\\\".utf8)
            case 0x07: buf.append(contentsOf: "\\a".utf8)
            case 0x08: buf.append(contentsOf: "\\b".utf8)
            case 0x0C: buf.append(contentsOf: "\\f".utf8)
            case 0x0A: buf.append(contentsOf: "\\n".utf8)
            case 0x0D: buf.append(contentsOf: "\\r".utf8)
            case 0x09: buf.append(contentsOf: "\\t".utf8)
            case 0x0B: buf.append(contentsOf: "\\v".utf8)
            case 0..<0x20, 0x7F: escapeByte(UInt8(r.scalar))
            case 0x20..<0x7F: buf.append(UInt8(r.scalar))
            default:
                if isPrintable(r.scalar) {
                    buf.append(contentsOf: s[i..<(i + r.width)])
                } else if r.scalar < 0x10000 {
                    buf.append(contentsOf: "\\u".utf8)
                    for shift in stride(from: 12, through: 0, by: -4) { buf.append(hex[Int((r.scalar >> UInt32(shift)) & 0xF)]) }
                } else {
                    buf.append(contentsOf: "\\U".utf8)
                    for shift in stride(from: 28, through: 0, by: -4) { buf.append(hex[Int((r.scalar >> UInt32(shift)) & 0xF)]) }
                }
            }
        }
        buf.append(UInt8(ascii: "\""))
        try out.append(bytes: buf)
    }

    /// Go's `strconv.IsPrint` for non-ASCII code points: letters, marks, numbers, punctuation
    /// and symbols print as themselves; spaces, controls, format and unassigned ones do not.
    private func isPrintable(_ scalar: UInt32) -> Bool {
        guard let u = Unicode.Scalar(scalar) else { return false }
        switch u.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}

/// A float as Starlark writes it (Go Starlark's `%g` with the shortest digits that round-trip):
/// exponent form when the decimal exponent is below -4 or at least 6 (`1e+06`, `1e-05`),
/// otherwise positional, always with a `.` or an `e` so it reads as a float (`3.0`);
/// `+inf`, `-inf`, `nan`. The digits come from Swift's shortest round-trip description.
func formatFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "+inf" }
    let sign = d.sign == .minus ? "-" : ""
    let desc = d.magnitude.description
    var mantissa = Substring(desc)
    var exponent = 0
    if let e = desc.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = desc[..<e]
        exponent = Int(desc[desc.index(after: e)...]) ?? 0
    }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    let whole = parts.first ?? "0"
    var digits = Array(whole) + (parts.count > 1 ? Array(parts[1]) : [])
    // The decimal point sits after `point` digits.
    var point = whole.count + exponent
    while digits.count > 1 && digits.first == "0" {
        digits.removeFirst()
        point -= 1
    }
    while digits.count > 1 && digits.last == "0" { digits.removeLast() }
    if digits == ["0"] { return sign + "0.0" }
    let x = point - 1
    var s = sign
    if x < -4 || x >= 6 {
        s.append(digits[0])
        if digits.count > 1 { s += "." + String(digits[1...]) }
        s += x < 0 ? "e-" : "e+"
        let e = String(abs(x))
        s += (e.count < 2 ? "0" : "") + e
        return s
    }
    if point <= 0 {
        s += "0." + String(repeating: "0", count: -point) + String(digits)
    } else if point >= digits.count {
        s += String(digits) + String(repeating: "0", count: point - digits.count) + ".0"
    } else {
        s += String(digits[..<point]) + "." + String(digits[point...])
    }
    return s
}
