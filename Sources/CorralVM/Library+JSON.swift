import BigInt

/// The `json` module, as Go Starlark's `lib/json`: `encode`, `decode`, `indent`, and
/// `encode_indent` (Bazel's, `indent(encode(x))`).
///
/// - `encode` walks the value with an explicit stack (deep values cost no native stack; a value
///   that contains itself traps `cycle in JSON structure`), writing into a buffer bounded by
///   the memory left. Fuel: one per element and dict entry written, n·⌈log2 n⌉ for sorting a
///   dict's keys, words² per big int, ⌊output bytes / 8⌋.
/// - `decode` parses in two passes without recursion: the first checks the text and records
///   what to build (fuel ⌊input bytes / 8⌋ + one per value, big-int digits like `int()`), and
///   sums the memory it will take; that total is reserved in one go, then the second pass
///   builds the values. A document that cannot fit traps out-of-memory before any value exists.
/// - `indent` checks the text with the same parser, then re-spaces it: fuel ⌊(input + output
///   bytes) / 8⌋.
extension Sandbox {
    func jsonFunction(_ m: MethodName, _ args: Arguments) throws(Trap) -> Value {
        switch m {
        case .encode:
            let a = try args.bind("json.encode", ["x"], required: 1)
            return try makeString(try jsonEncode(a[0] ?? .none))
        case .decode:
            let a = try args.bind("json.decode", ["x", "default"], required: 1)
            let x = a[0] ?? .none
            guard let s = stringBytes(x) else {
                throw Trap.runtime("json.decode: for parameter x: got \(typeName(x)), want string")
            }
            guard let fallback = a[1] else { return try jsonDecode(s) }
            do throws(Trap) {
                return try jsonDecode(s)
            } catch {
                guard error.reason == .runtimeError else { throw error }
                return fallback
            }
        case .indent, .encodeIndent:
            let name = "json.\(m.rawValue)"
            guard args.positional.count == 1 else {
                throw Trap.runtime("\(name): got \(args.positional.count) arguments, want 1")
            }
            var prefix: [UInt8] = [], unit: [UInt8] = [UInt8(ascii: "\t")]
            for (n, v) in args.named {
                guard n == "prefix" || n == "indent" else { throw Trap.runtime("\(name): unexpected keyword argument \"\(n)\"") }
                let text = try stringArgument(v, name, n)
                if n == "prefix" { prefix = text } else { unit = text }
            }
            let text: [UInt8]
            if m == .indent {
                text = try stringArgument(args.positional[0], name, "str")
            } else {
                text = try jsonEncode(args.positional[0])
            }
            return try makeString(try jsonIndent(text, prefix: prefix, indent: unit, name))
        default:
            throw Trap.runtime("json has no .\(m.rawValue) member")
        }
    }

    // MARK: - Encoding

    private struct EncodeFrame {
        let slot: UInt32?
        /// Elements to write; for a dict, its values (keys are in `keys`).
        let items: [Value]
        let keys: [[UInt8]]?
        let type: String
        var next = 0
    }

    func jsonEncode(_ x: Value) throws(Trap) -> [UInt8] {
        var out = outputBuffer()
        var stack: [EncodeFrame] = []
        var onPath = EncodePath()
        var value = x
        do throws(Trap) {
            while true {
                if let frame = try jsonOpen(value, &out, &onPath) {
                    stack.append(frame)
                }
                // Next value: the next element of the innermost open container.
                while let top = stack.last, top.next == top.items.count {
                    try out.append(byte: top.keys == nil ? UInt8(ascii: "]") : UInt8(ascii: "}"))
                    if top.slot != nil { onPath.pop() }
                    stack.removeLast()
                }
                guard let top = stack.last else { break }
                let i = top.next
                if i > 0 { try out.append(byte: UInt8(ascii: ",")) }
                if let keys = top.keys {
                    jsonQuote(keys[i], &out.bytes)
                    try out.append(bytes: [])
                    try out.append(byte: UInt8(ascii: ":"))
                }
                stack[stack.count - 1].next = i + 1
                value = top.items[i]
            }
        } catch {
            guard error.reason == .runtimeError else { throw error }
            // Describe where, outermost first, as Go's nested errors read.
            var path = ""
            for f in stack {
                let i = f.next - 1
                if let keys = f.keys, f.type == "struct" {
                    path += "in field .\(String(decoding: keys[i], as: UTF8.self)): "
                } else if let keys = f.keys {
                    var quoted = TextBuffer(limit: 256, strict: false)
                    try? quote(keys[i], bytes: false, to: &quoted)
                    path += "in \(f.type) key \(String(decoding: quoted.bytes, as: UTF8.self)): "
                } else {
                    path += "at \(f.type) index \(i): "
                }
            }
            throw Trap.runtime("json.encode: \(path)\(error.message)")
        }
        try useFuel(bytes: out.bytes.count)
        return out.bytes
    }

    /// Writes a scalar, or the opening of a container and returns its frame.
    private func jsonOpen(_ v: Value, _ out: inout TextBuffer, _ onPath: inout EncodePath) throws(Trap) -> EncodeFrame? {
        switch v {
        case .none: try out.append(ascii: "null"); return nil
        case .bool(let b): try out.append(ascii: b ? "true" : "false"); return nil
        case .int(let i): try out.append(decimal: i); return nil
        case .float(let d):
            guard d.isFinite else { throw Trap.runtime("cannot encode non-finite float \(formatFloat(d))") }
            try out.append(formatFloat(d))
            return nil
        case .ref(let slot):
            let o = heap.object(slot)
            switch o.kind {
            case .string:
                let utf8 = unsafeDowncast(o, to: StringObject.self).utf8
                if Sandbox.isPlainJSON(utf8) {
                    // Nothing to escape: the quotes and the bytes, with no scratch array.
                    try out.append(byte: UInt8(ascii: "\""))
                    try out.append(bytes: utf8)
                    try out.append(byte: UInt8(ascii: "\""))
                    return nil
                }
                var b: [UInt8] = []
                jsonQuote(utf8, &b)
                try out.append(bytes: b)
                return nil
            case .bigInt:
                let b = unsafeDowncast(o, to: BigIntObject.self).value
                let words = b.magnitude.words.count
                try useFuel(elements: words * words)
                try out.append(String(b))
                return nil
            case .list, .tuple, .set, .range, .dict:
                if onPath.contains(slot) { throw Trap.runtime("cycle in JSON structure") }
                if o.kind == .dict {
                    let entries = unsafeDowncast(o, to: DictObject.self).entries
                    var pairs: [([UInt8], Value)] = []
                    pairs.reserveCapacity(entries.count)
                    for e in entries.values {
                        guard let k = stringBytes(e.key) else { throw Trap.runtime("dict has \(typeName(e.key)) key, want string") }
                        pairs.append((k, e.value))
                    }
                    let n = pairs.count
                    let log = n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
                    try useFuel(elements: n + n * log)
                    pairs.sort { $0.0.lexicographicallyPrecedes($1.0) }
                    try out.append(byte: UInt8(ascii: "{"))
                    onPath.push(slot)
                    return EncodeFrame(slot: slot, items: pairs.map(\.1), keys: pairs.map(\.0), type: "dict")
                }
                let items = try elements(of: v, for: "json.encode")
                try useFuel(elements: items.count)
                try out.append(byte: UInt8(ascii: "["))
                onPath.push(slot)
                return EncodeFrame(slot: slot, items: items, keys: nil, type: typeName(v))
            case .module where unsafeDowncast(o, to: ModuleObject.self).flavor == .structure:
                // A test `struct` encodes as an object of its fields (already in name order).
                if onPath.contains(slot) { throw Trap.runtime("cycle in JSON structure") }
                let fields = unsafeDowncast(o, to: ModuleObject.self).fields
                try useFuel(elements: fields.count)
                try out.append(byte: UInt8(ascii: "{"))
                onPath.push(slot)
                return EncodeFrame(slot: slot, items: fields.map(\.value), keys: fields.map { Array($0.name.utf8) }, type: "struct")
            default:
                throw Trap.runtime("cannot encode \(typeName(v)) as JSON")
            }
        default:
            throw Trap.runtime("cannot encode \(typeName(v)) as JSON")
        }
    }

    /// The containers being written, outermost first, for cycle detection: scanned while the
    /// path is short (almost every document), hashed once it is deep, so that a deeply nested
    /// value costs no quadratic scan. (A `Set` for every path hashed each container three
    /// times: an eighth of `json.encode`.)
    private struct EncodePath {
        private var slots: [UInt32] = []
        private var deep: Set<UInt32>?
        static let scanLimit = 16

        func contains(_ slot: UInt32) -> Bool {
            if let deep { return deep.contains(slot) }
            return slots.contains(slot)
        }

        mutating func push(_ slot: UInt32) {
            slots.append(slot)
            if deep != nil {
                deep!.insert(slot)
            } else if slots.count > Self.scanLimit {
                deep = Set(slots)
            }
        }

        mutating func pop() {
            let slot = slots.removeLast()
            if deep != nil { deep!.remove(slot) }
        }
    }

    // MARK: - Decoding

    private enum JSONEvent {
        case value(Value)
        case string([UInt8])
        /// An object key seen for the first time, and a later one equal to the `n`th first.
        /// Equal keys share one string object (`jsonDecode`): a decoded list of records repeats
        /// the same few keys, and making each anew was half its allocations.
        case newKey([UInt8], hash: Int)
        case key(Int)
        case big(BigInt)
        case beginList, beginDict
        case endList, endDict
    }

    func jsonDecode(_ s: [UInt8]) throws(Trap) -> Value {
        let (events, bytes) = try jsonParse(s, name: "json.decode", indentMessages: false)
        try reserve(bytes)
        // Build: every object made here was paid for by the reservation, so nothing collects.
        // The elements of the open containers are on one stack, innermost last (an array per
        // container grew one append at a time: a fifth of `json.decode`); each open dict's key
        // hashes are on another, computed once per distinct key by the parse.
        var values: [Value] = []
        var keyHashes: [Int] = []
        var open: [(values: Int, keyHashes: Int)] = []
        var keys: [(key: Value, hash: Int)] = []
        for e in events {
            switch e {
            case .value(let v): values.append(v)
            case .string(let b): values.append(try heap.insert(heap.newString(taking: b)))
            case .newKey(let b, let hash):
                let v = try heap.insert(heap.newString(taking: b))
                keys.append((v, hash))
                values.append(v)
                keyHashes.append(hash)
            case .key(let n):
                values.append(keys[n].key)
                keyHashes.append(keys[n].hash)
            case .big(let b): values.append(try heap.insert(BigIntObject(b)))
            case .beginList, .beginDict: open.append((values.count, keyHashes.count))
            case .endList:
                let start = open.removeLast().values
                let items = Array(values[start...])
                values.removeLast(values.count - start)
                values.append(try heap.insert(heap.newSequence(taking: items, tuple: false)))
            case .endDict:
                let (start, hashStart) = open.removeLast()
                var entries = OrderedTable<HashKey, (key: Value, value: Value)>(minimumCapacity: (values.count - start) / 2)
                var i = start, k = hashStart
                while i < values.count {
                    // A repeated key keeps its first place and key object and takes the last value.
                    let key = values[i], value = values[i + 1]
                    entries.insertOrUpdate(.string(stringBytes(key) ?? []), hash: keyHashes[k], (key, value)) { $0.value = value }
                    i += 2
                    k += 1
                }
                values.removeLast(values.count - start)
                keyHashes.removeLast(keyHashes.count - hashStart)
                values.append(try heap.insert(DictObject(entries)))
            }
        }
        return values[0]
    }

    private struct ParseFrame {
        let object: Bool
        var count = 0
        var awaitingKey: Bool
    }

    /// The first pass: checks `s`, charges fuel, and returns what to build and its memory.
    /// Error messages are Go Starlark's (`json.decode: at offset N, …`); with
    /// `indentMessages`, unexpected characters use Go's `encoding/json` wording instead.
    private func jsonParse(_ s: [UInt8], name: String, indentMessages: Bool) throws(Trap) -> ([JSONEvent], Int) {
        try useFuel(bytes: s.count)
        var i = 0
        var events: [JSONEvent] = []
        var bytes = 0
        var stack: [ParseFrame] = []
        var seenKeys = OrderedTable<HashKey, Int>()
        let budget = heap.limit
        func fail(_ message: String) -> Trap {
            Trap.runtime("\(name): at offset \(i), \(message)")
        }
        func unexpected(_ b: UInt8) -> Trap {
            indentMessages ? fail("invalid character \(goQuoteByte(b)) looking for beginning of value") : fail("unexpected character \(goQuoteByte(b))")
        }
        func skipSpace() -> Bool {
            while i < s.count {
                let b = s[i]
                if b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return true }
                i += 1
            }
            return false
        }
        func next() throws(Trap) -> UInt8 {
            guard skipSpace() else { throw fail(indentMessages ? "unexpected end of JSON input" : "unexpected end of file") }
            return s[i]
        }
        func add(_ cost: Int) throws(Trap) {
            bytes += cost
            try useFuel(elements: 1)
            if bytes > budget {
                throw Trap(.outOfMemory, "\(name): the decoded value needs more than the memory limit of \(budget) bytes")
            }
        }
        parsing: while true {
            // Expecting a value.
            var lastWasString = false
            var b = try next()
            switch b {
            case UInt8(ascii: "\""):
                let start = i
                let (text, end) = try jsonString(s, from: i) { (m: String, at: Int) -> Trap in
                    Trap.runtime("\(name): at offset \(m.hasPrefix("unclosed") ? start : at), \(m)")
                }
                i = end
                if let top = stack.last, top.object && top.awaitingKey {
                    // A key costs memory the first time only: equal keys share one object.
                    let hash = TableHash.bytes(text, tag: HashKey.stringTag)
                    if let at = seenKeys.slot(hash: hash, matching: { key in
                        if case .string(let b) = key { return b == text }
                        return false
                    }) {
                        try add(0)
                        events.append(.key(seenKeys[slot: at]))
                    } else {
                        seenKeys.insertNew(.string(text), hash: hash, seenKeys.count)
                        try add(MemoryCost.string(text.count))
                        events.append(.newKey(text, hash: hash))
                    }
                } else {
                    try add(MemoryCost.string(text.count))
                    events.append(.string(text))
                }
                lastWasString = true
            case UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "f"):
                let word: StaticString = b == UInt8(ascii: "n") ? "null" : (b == UInt8(ascii: "t") ? "true" : "false")
                let wordBytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
                guard s.count - i >= wordBytes.count, s[i..<(i + wordBytes.count)].elementsEqual(wordBytes) else { throw unexpected(b) }
                i += wordBytes.count
                try add(0)
                events.append(.value(b == UInt8(ascii: "n") ? .none : .bool(b == UInt8(ascii: "t"))))
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                let object = b == UInt8(ascii: "{")
                i += 1
                b = try next()
                if b == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    try add(object ? MemoryCost.dict(0) : MemoryCost.sequence(0))
                    events.append(object ? .beginDict : .beginList)
                    events.append(object ? .endDict : .endList)
                } else {
                    events.append(object ? .beginDict : .beginList)
                    stack.append(ParseFrame(object: object, awaitingKey: object))
                    continue parsing
                }
            default:
                guard (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") else { throw unexpected(b) }
                var float = false
                var j = i + 1
                while j < s.count {
                    let c = s[j]
                    if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                        float = true
                    } else {
                        break
                    }
                    j += 1
                }
                let num = s[i..<j]
                i = j
                let digits = num.first == UInt8(ascii: "-") ? num.dropFirst() : num
                if !float, !digits.isEmpty, digits.count <= 18, digits.first != UInt8(ascii: "0") || digits.count == 1 {
                    // A plain int (most numbers): read from the bytes, no `String` made.
                    var v: Int64 = 0
                    for d in digits { v = v * 10 + Int64(d - UInt8(ascii: "0")) }
                    try add(0)
                    events.append(.value(.int(num.first == UInt8(ascii: "-") ? -v : v)))
                    break  // out of the switch, to the separator loop below
                }
                let text = String(decoding: num, as: UTF8.self)
                if digits.isEmpty || (digits.first == UInt8(ascii: "0") && digits.count > 1 && digits[digits.startIndex + 1] >= UInt8(ascii: "0") && digits[digits.startIndex + 1] <= UInt8(ascii: "9")) {
                    throw fail("invalid number: \(text)")
                }
                if float {
                    guard digits.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }),
                        let d = Double(text), d.isFinite
                    else { throw fail("invalid number: \(text)") }
                    try add(0)
                    events.append(.value(.float(d)))
                } else if digits.count <= 18 {
                    try add(0)
                    events.append(.value(.int(Int64(text) ?? 0)))
                } else {
                    let limbs = digits.count / 19 + 1
                    try useFuel(elements: limbs * limbs)
                    guard let v = BigInt(text, radix: 10) else { throw fail("invalid number: \(text)") }
                    if let small = Int64(exactly: v) {
                        try add(0)
                        events.append(.value(.int(small)))
                    } else {
                        try add(MemoryCost.bigInt(v.magnitude.words.count))
                        events.append(.big(v))
                    }
                }
            }
            // After a value: close containers, or expect a separator.
            while true {
                guard let top = stack.last else { break parsing }
                if top.object && top.awaitingKey {
                    guard lastWasString else {
                        throw fail("got \(jsonEventType(events.last)) for object key, want string")
                    }
                    b = try next()
                    guard b == UInt8(ascii: ":") else { throw fail("after object key, got \(goQuoteByte(b)), want ':' ") }
                    i += 1
                    stack[stack.count - 1].awaitingKey = false
                    continue parsing
                }
                stack[stack.count - 1].count += 1
                b = try next()
                if b == UInt8(ascii: ",") {
                    i += 1
                    if top.object { stack[stack.count - 1].awaitingKey = true }
                    continue parsing
                }
                if top.object {
                    guard b == UInt8(ascii: "}") else { throw fail("in object, got \(goQuoteByte(b)), want ',' or '}'") }
                } else {
                    guard b == UInt8(ascii: "]") else { throw fail("got \(goQuoteByte(b)), want ',' or ']'") }
                }
                i += 1
                stack.removeLast()
                try add(top.object ? MemoryCost.dict(top.count) : MemoryCost.sequence(top.count))
                events.append(top.object ? .endDict : .endList)
                lastWasString = false
            }
        }
        if skipSpace() {
            throw indentMessages ? fail("invalid character \(goQuoteByte(s[i])) after top-level value") : fail("unexpected character \(goQuoteByte(s[i])) after value")
        }
        return (events, bytes)
    }

    private func jsonEventType(_ e: JSONEvent?) -> String {
        switch e {
        case .value(let v)?: return typeName(v)
        case .big?: return "int"
        case .endDict?: return "dict"
        case .endList?: return "list"
        default: return "string"
        }
    }

    /// A JSON string literal starting at `from` (the opening quote): its decoded bytes and
    /// the offset after the closing quote. Like Go Starlark: a literal of printable ASCII
    /// without escapes is taken as it is; otherwise it is decoded as Go's `encoding/json`
    /// does (invalid UTF-8 and lone surrogates become U+FFFD, control characters are errors).
    private func jsonString(_ s: [UInt8], from: Int, _ fail: (String, Int) -> Trap) throws(Trap) -> ([UInt8], Int) {
        var j = from + 1
        var safe = true
        var closed = false
        while j < s.count {
            let b = s[j]
            if b == UInt8(ascii: "\\") {
                safe = false
                j += 1
            } else if b == UInt8(ascii: "\"") {
                closed = true
                j += 1
                break
            } else if b >= 0x80 {
                safe = false
            }
            j += 1
        }
        guard closed else { throw fail("unclosed string literal", j) }
        let body = s[(from + 1)..<(j - 1)]
        if safe { return (Array(body), j) }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var k = body.startIndex
        func hex4(_ at: Int) throws(Trap) -> UInt32 {
            var v: UInt32 = 0
            for p in at..<(at + 4) {
                guard p < body.endIndex else { throw fail("invalid character '\"' in \\u hexadecimal character escape", j) }
                let c = body[p]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("invalid character \(goQuoteByte(c)) in \\u hexadecimal character escape", j)
                }
                v = v << 4 | d
            }
            return v
        }
        let array = Array(s)
        while k < body.endIndex {
            let b = body[k]
            if b < 0x20 { throw fail("invalid character \(goQuoteByte(b)) in string literal", j) }
            if b == UInt8(ascii: "\\") {
                let e = body[k + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e); k += 2
                case UInt8(ascii: "b"): out.append(0x08); k += 2
                case UInt8(ascii: "f"): out.append(0x0C); k += 2
                case UInt8(ascii: "n"): out.append(0x0A); k += 2
                case UInt8(ascii: "r"): out.append(0x0D); k += 2
                case UInt8(ascii: "t"): out.append(0x09); k += 2
                case UInt8(ascii: "u"):
                    var r = try hex4(k + 2)
                    k += 6
                    if (0xD800..<0xDC00).contains(r) {
                        if k + 6 <= body.endIndex, body[k] == UInt8(ascii: "\\"), body[k + 1] == UInt8(ascii: "u"),
                            let low = try? hex4(k + 2), (0xDC00..<0xE000).contains(low)
                        {
                            r = 0x10000 + ((r - 0xD800) << 10) + (low - 0xDC00)
                            k += 6
                        } else {
                            r = 0xFFFD
                        }
                    } else if (0xDC00..<0xE000).contains(r) {
                        r = 0xFFFD
                    }
                    appendUTF8(r, to: &out)
                default:
                    throw fail("invalid character \(goQuoteByte(e)) in string escape code", j)
                }
                continue
            }
            if b < 0x80 {
                out.append(b)
                k += 1
                continue
            }
            let r = decodeRune(array, at: k)
            if r.valid { out.append(contentsOf: body[k..<(k + r.width)]) } else { out.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
            k += r.width
        }
        return (out, j)
    }

    // MARK: - Indenting

    private func jsonIndent(_ s: [UInt8], prefix: [UInt8], indent: [UInt8], _ name: String) throws(Trap) -> [UInt8] {
        _ = try jsonParse(s, name: name, indentMessages: true)
        var out = outputBuffer()
        var depth = 0
        var i = 0
        // Leading white space is dropped; after the value, the rest is copied as it is.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func newline(_ d: Int) throws(Trap) {
            try out.append("\n")
            try out.append(bytes: prefix)
            for _ in 0..<d { try out.append(bytes: indent) }
        }
        var started = false
        while i < s.count {
            let b = s[i]
            if isSpace(b) {
                if started && depth == 0 { try out.append(bytes: s[i...]); break }
                i += 1
                continue
            }
            started = true
            switch b {
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < s.count && s[j] != UInt8(ascii: "\"") { j += s[j] == UInt8(ascii: "\\") ? 2 : 1 }
                try out.append(bytes: s[i...j])
                i = j + 1
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                try out.append(bytes: [b])
                var j = i + 1
                while j < s.count && isSpace(s[j]) { j += 1 }
                if j < s.count && (s[j] == UInt8(ascii: "]") || s[j] == UInt8(ascii: "}")) {
                    try out.append(bytes: [s[j]])
                    i = j + 1
                } else {
                    depth += 1
                    try newline(depth)
                    i += 1
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                try newline(depth)
                try out.append(bytes: [b])
                i += 1
            case UInt8(ascii: ","):
                try out.append(",")
                try newline(depth)
                i += 1
            case UInt8(ascii: ":"):
                try out.append(": ")
                i += 1
            default:
                var j = i
                while j < s.count && !isSpace(s[j]) && !",:]}".utf8.contains(s[j]) { j += 1 }
                try out.append(bytes: s[i..<j])
                i = j
            }
        }
        try useFuel(bytes: out.bytes.count)
        return out.bytes
    }
}

/// A byte as Go's `%q` writes it: a quoted character literal (`'f'`, `'\''`, `'\n'`, `'\x01'`).
func goQuoteByte(_ b: UInt8) -> String {
    switch b {
    case UInt8(ascii: "'"): return "'\\''"
    case UInt8(ascii: "\\"): return "'\\\\'"
    case 0x07: return "'\\a'"
    case 0x08: return "'\\b'"
    case 0x0C: return "'\\f'"
    case 0x0A: return "'\\n'"
    case 0x0D: return "'\\r'"
    case 0x09: return "'\\t'"
    case 0x0B: return "'\\v'"
    case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(b)))'"
    case 0xA1...0xFF where b != 0xAD: return "'\(Character(Unicode.Scalar(b)))'"
    default:
        let hex = String(b, radix: 16)
        return "'\\x\(hex.count < 2 ? "0" : "")\(hex)'"
    }
}

extension Sandbox {
    /// Printable ASCII without `"` or `\`: a JSON string literal is the bytes in quotes.
    static func isPlainJSON(_ s: [UInt8]) -> Bool {
        s.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}

/// Appends `s` as a JSON string literal, as Go Starlark writes it: printable ASCII with only
/// `"` and `\` escaped; anything else as Go's `encoding/json` does (control characters, `<`,
/// `>`, `&`, U+2028 and U+2029 as `\u` escapes, invalid UTF-8 as `\ufffd`).
func jsonQuote(_ s: [UInt8], _ out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    if Sandbox.isPlainJSON(s) {
        out.append(contentsOf: s)
        out.append(UInt8(ascii: "\""))
        return
    }
    let printableASCII = s.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    let hex: StaticString = "0123456789abcdef"
    var i = 0
    while i < s.count {
        let b = s[i]
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            out.append(UInt8(ascii: "\\"))
            out.append(b)
            i += 1
            continue
        }
        if printableASCII { out.append(b); i += 1; continue }
        if b < 0x80 {
            switch b {
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 0xF)])
            default: out.append(b)
            }
            i += 1
            continue
        }
        let r = decodeRune(s, at: i)
        if !r.valid {
            out.append(contentsOf: "\\ufffd".utf8)
        } else if r.scalar == 0x2028 || r.scalar == 0x2029 {
            out.append(contentsOf: (r.scalar == 0x2028 ? "\\u2028" : "\\u2029").utf8)
        } else {
            out.append(contentsOf: s[i..<(i + r.width)])
        }
        i += r.width
    }
    out.append(UInt8(ascii: "\""))
}
