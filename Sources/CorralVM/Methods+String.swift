/// `string` methods. Strings are byte sequences: positions (`find`) are byte offsets, as in
/// Go Starlark. Every method charges one fuel per 8 bytes it reads or writes and checks the
/// size of what it builds before building it.
extension Sandbox {
    func stringMethod(_ m: Method, _ s: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        switch m {
        case .stringJoin: return try join(s, args)
        case .stringSplit: return try split(s, args)
        case .stringStrip, .stringLstrip, .stringRstrip:
            let a = try args.bind(m.name, ["chars"], required: 0)
            var chars: [UInt8]?
            if let c = a[0], c != .none {
                guard let bytes = stringBytes(c) else {
                    throw Trap.runtime("\(m.name): chars must be a string, not \(typeName(c))")
                }
                chars = bytes
            }
            try useFuel(bytes: s.count)
            let (lo, hi) = stripBounds(s, chars: chars, left: m != .stringRstrip, right: m != .stringLstrip)
            return try makeString(Array(s[lo..<hi]))
        case .stringStartswith, .stringEndswith:
            let a = try args.bind(m.name, ["prefix"], required: 1)
            let x = a[0] ?? .none
            let candidates: [Value] = sequenceObject(x).map { kind(x) == .tuple ? $0.items : [x] } ?? [x]
            for c in candidates {
                guard let p = stringBytes(c) else {
                    throw Trap.runtime("\(m.name): got \(typeName(c)), want string or tuple of strings")
                }
                try useFuel(bytes: p.count)
                if p.count <= s.count && (m == .stringStartswith ? s.prefix(p.count).elementsEqual(p) : s.suffix(p.count).elementsEqual(p)) {
                    return .bool(true)
                }
            }
            return .bool(false)
        case .stringFind:
            let a = try args.bind("find", ["sub", "start", "end"], required: 1)
            guard let sub = stringBytes(a[0] ?? .none) else {
                throw Trap.runtime("find: got \(typeName(a[0] ?? .none)), want string")
            }
            let lo = try clampedIndex(a[1], count: s.count, absent: 0, "find")
            let hi = try clampedIndex(a[2], count: s.count, absent: s.count, "find")
            try useFuel(bytes: max(hi - lo, 0) + sub.count)
            return .int(Int64(findBytes(sub, in: s, from: lo, to: hi) ?? -1))
        case .stringReplace: return try replace(s, args)
        default:
            try args.noNamed(m.name)
            guard args.positional.isEmpty else { throw Trap.runtime("\(m.name): got \(args.positional.count) arguments, want 0") }
            try useFuel(bytes: s.count)
            let out = changeCase(s, upper: m == .stringUpper)
            try useFuel(bytes: max(out.count - s.count, 0))
            return try makeString(out)
        }
    }

    /// `sep.join(iterable)`: every element must be a string.
    private func join(_ sep: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("join", ["iterable"], required: 1)
        let items = try elements(of: a[0] ?? .none, for: "join: argument")
        var parts: [[UInt8]] = []
        parts.reserveCapacity(items.count)
        var total = max(items.count - 1, 0) * sep.count
        for item in items {
            guard let p = stringBytes(item) else {
                throw Trap.runtime("join: in list, want string, got \(typeName(item))")
            }
            parts.append(p)
            total += p.count
        }
        try reserve(try checkedSize(total, unit: 1))
        try useFuel(elements: items.count)
        try useFuel(bytes: total)
        var out: [UInt8] = []
        out.reserveCapacity(total)
        for (i, p) in parts.enumerated() {
            if i > 0 { out.append(contentsOf: sep) }
            out.append(contentsOf: p)
        }
        return try heap.insert(StringObject(out))
    }

    /// `s.split(sep=None, maxsplit=-1)`: by a separator, or (None) by runs of white space
    /// ignoring leading and trailing space, as in Python.
    private func split(_ s: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("split", ["sep", "maxsplit"], required: 0)
        var maxsplit = -1
        if let v = a[1], v != .none {
            guard case .int(let n) = v else { throw Trap.runtime("split: maxsplit must be an int, not \(typeName(v))") }
            maxsplit = n < 0 ? -1 : Int(min(n, Int64(Int.max)))
        }
        try useFuel(bytes: s.count)
        var pieces: [Range<Int>] = []
        if let sepValue = a[0], sepValue != .none {
            guard let sep = stringBytes(sepValue) else { throw Trap.runtime("split: sep must be a string, not \(typeName(sepValue))") }
            guard !sep.isEmpty else { throw Trap.runtime("split: empty separator") }
            var start = 0
            while maxsplit < 0 || pieces.count < maxsplit, let i = findBytes(sep, in: s, from: start, to: s.count) {
                pieces.append(start..<i)
                start = i + sep.count
            }
            pieces.append(start..<s.count)
        } else {
            var i = 0
            func skipSpace() {
                while i < s.count {
                    let r = decodeRune(s, at: i)
                    if !r.valid || !isSpace(r.scalar) { break }
                    i += r.width
                }
            }
            while true {
                skipSpace()
                if i == s.count { break }
                if maxsplit >= 0 && pieces.count == maxsplit {
                    pieces.append(i..<s.count)
                    break
                }
                let start = i
                while i < s.count {
                    let r = decodeRune(s, at: i)
                    if r.valid && isSpace(r.scalar) { break }
                    i += r.width
                }
                pieces.append(start..<i)
            }
        }
        var bytes = try checkedSize(pieces.count, unit: MemoryCost.valueSlot + MemoryCost.header)
        for p in pieces { bytes += p.count }
        try useFuel(elements: pieces.count)
        try reserve(bytes)
        var values: [Value] = []
        values.reserveCapacity(pieces.count)
        for p in pieces { values.append(try heap.insert(StringObject(Array(s[p])))) }
        return try heap.insert(ListObject(values))
    }

    /// The bounds of `s` without leading (`left`) and trailing (`right`) characters that are
    /// white space, or in `chars` (compared as code points).
    private func stripBounds(_ s: [UInt8], chars: [UInt8]?, left: Bool, right: Bool) -> (Int, Int) {
        var strip = Set<UInt32>()
        if let chars {
            var i = 0
            while i < chars.count {
                let r = decodeRune(chars, at: i)
                strip.insert(r.valid ? r.scalar : 0x11_0000 + UInt32(chars[i]))
                i += r.width
            }
        }
        func stripped(_ r: (scalar: UInt32, width: Int, valid: Bool), at i: Int) -> Bool {
            if chars == nil { return r.valid && isSpace(r.scalar) }
            return strip.contains(r.valid ? r.scalar : 0x11_0000 + UInt32(s[i]))
        }
        var lo = 0, hi = s.count
        var i = 0
        var seenKept = false
        // One forward pass: `lo` is the first kept code point, `hi` the end of the last.
        while i < s.count {
            let r = decodeRune(s, at: i)
            if !stripped(r, at: i) {
                if !seenKept { lo = i }
                seenKept = true
                hi = i + r.width
            }
            i += r.width
        }
        if !seenKept { return left ? (s.count, s.count) : (0, right ? 0 : s.count) }
        return (left ? lo : 0, right ? hi : s.count)
    }

    /// `s.replace(old, new, count=-1)`. An empty `old` inserts `new` before every code point
    /// and at the end (Go's `strings.Replace`).
    private func replace(_ s: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("replace", ["old", "new", "count"], required: 2)
        guard let old = stringBytes(a[0] ?? .none), let new = stringBytes(a[1] ?? .none) else {
            throw Trap.runtime("replace: old and new must be strings")
        }
        var limit = Int.max
        if let c = a[2], c != .none {
            guard case .int(let n) = c else { throw Trap.runtime("replace: count must be an int, not \(typeName(c))") }
            if n >= 0 { limit = Int(n) }
        }
        try useFuel(bytes: s.count + old.count)
        // Find every match first, so the result's size is known (and checked) before building.
        var matches: [Int] = []
        var at = 0
        while matches.count < limit && at <= s.count {
            if old.isEmpty {
                matches.append(at)
                at += at < s.count ? decodeRune(s, at: at).width : 1
            } else if let i = findBytes(old, in: s, from: at, to: s.count) {
                matches.append(i)
                at = i + old.count
            } else {
                break
            }
        }
        let (growth, o1) = matches.count.multipliedReportingOverflow(by: new.count - old.count)
        guard !o1 else { throw Trap(.outOfMemory, "replace: result too large") }
        let size = try checkedSize(s.count + growth, unit: 1)
        try reserve(size)
        try useFuel(bytes: size)
        var out: [UInt8] = []
        out.reserveCapacity(s.count + growth)
        var last = 0
        for i in matches {
            out.append(contentsOf: s[last..<i])
            out.append(contentsOf: new)
            last = i + old.count
        }
        out.append(contentsOf: s[last...])
        return try heap.insert(StringObject(out))
    }

    /// Upper or lower case: ASCII directly, other code points by Unicode's full case mapping;
    /// invalid UTF-8 bytes are kept as they are.
    private func changeCase(_ s: [UInt8], upper: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let b = s[i]
            if b < 0x80 {
                let isLower = b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")
                let isUpper = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")
                out.append(upper && isLower ? b - 32 : (!upper && isUpper ? b + 32 : b))
                i += 1
                continue
            }
            let r = decodeRune(s, at: i)
            if r.valid, let u = Unicode.Scalar(r.scalar) {
                out.append(contentsOf: (upper ? u.properties.uppercaseMapping : u.properties.lowercaseMapping).utf8)
            } else {
                out.append(contentsOf: s[i..<(i + r.width)])
            }
            i += r.width
        }
        return out
    }
}
