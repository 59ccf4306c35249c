/// `string` methods, as Go Starlark defines them. Strings are byte sequences: positions
/// (`find`, `index`, `partition`) are byte offsets. Every method charges one fuel per 8 bytes
/// it reads or writes and one per element of a list it returns, and reserves what it builds
/// before building it.
extension Sandbox {
    func stringMethod(_ m: MethodName, _ s: [UInt8], _ args: Arguments, receiver: Value) throws(Trap) -> Value {
        switch m {
        case .join: return try join(s, args)
        case .split, .rsplit: return try split(s, args, reverse: m == .rsplit)
        case .splitlines: return try splitlines(s, args)
        case .strip, .lstrip, .rstrip:
            let a = try args.bind(m.rawValue, ["chars"], required: 0)
            var chars: [UInt8]?
            if let c = a[0], c != .none {
                chars = try stringArgument(c, m.rawValue, "chars")
                if chars?.isEmpty == true { chars = nil }
            }
            return try strip(s, m, chars: chars)
        case .startswith, .endswith: return try startsOrEndsWith(s, args, suffix: m == .endswith)
        case .find, .rfind, .index, .rindex, .count:
            let a = try args.bind(m.rawValue, ["sub", "start", "end"], required: 1)
            let sub = try stringArgument(a[0] ?? .none, m.rawValue, "sub")
            let lo = try clampedIndex(a[1], count: s.count, absent: 0, m.rawValue)
            let hi = max(try clampedIndex(a[2], count: s.count, absent: s.count, m.rawValue), lo)
            return try find(sub, in: s, from: lo, to: hi, m)
        case .partition, .rpartition:
            let a = try args.bind(m.rawValue, ["sep"], required: 1)
            let sep = try stringArgument(a[0] ?? .none, m.rawValue, "sep")
            guard !sep.isEmpty else { throw Trap.runtime("\(m.rawValue): empty separator") }
            try useFuel(bytes: 2 * s.count)
            let parts: [ArraySlice<UInt8>]
            if let i = m == .partition ? findBytes(sep, in: s, from: 0, to: s.count) : lastFindBytes(sep, in: s, from: 0, to: s.count) {
                parts = [s[..<i], sep[...], s[(i + sep.count)...]]
            } else {
                parts = m == .partition ? [s[...], [], []] : [[], [], s[...]]
            }
            return try makeStrings(parts, tuple: true)
        case .removeprefix, .removesuffix:
            let a = try args.bind(m.rawValue, ["x"], required: 1)
            let x = try stringArgument(a[0] ?? .none, m.rawValue, "x")
            try useFuel(bytes: x.count)
            guard x.count <= s.count, !x.isEmpty else { return try makeString(s) }
            if m == .removeprefix, s.prefix(x.count).elementsEqual(x) {
                try useFuel(bytes: s.count - x.count)
                return try makeString(Array(s[x.count...]))
            }
            if m == .removesuffix, s.suffix(x.count).elementsEqual(x) {
                try useFuel(bytes: s.count - x.count)
                return try makeString(Array(s[..<(s.count - x.count)]))
            }
            return try makeString(s)
        case .replace: return try replace(s, args)
        case .format: return try formatString(s, args)
        case .elems, .codepoints, .elemOrds, .codepointOrds:
            try noArguments(args, m.rawValue)
            try reserve(MemoryCost.sequence(2))
            return try heap.insert(StringViewObject(string: receiver, codepoints: m == .codepoints || m == .codepointOrds, ords: m == .elemOrds || m == .codepointOrds))
        case .isalnum, .isalpha, .isdigit, .isspace, .islower, .isupper, .istitle:
            try noArguments(args, m.rawValue)
            try useFuel(bytes: s.count)
            return .bool(classify(s, m))
        default:
            // upper, lower, capitalize, title
            try noArguments(args, m.rawValue)
            return try changeCaseMethod(s, m)
        }
    }

    // The methods' work once their arguments are known, shared by the general path above and
    // the fast calls (Sandbox+FastCalls.swift).

    /// `strip`, `lstrip` and `rstrip`; `chars` nil means white space.
    func strip(_ s: [UInt8], _ m: MethodName, chars: [UInt8]?) throws(Trap) -> Value {
        try useFuel(bytes: s.count)
        let (lo, hi) = stripBounds(s, chars: chars, left: m != .rstrip, right: m != .lstrip)
        return try makeString(Array(s[lo..<hi]))
    }

    /// `find`, `rfind`, `index`, `rindex` and `count` of `sub` in `s[lo..<hi]`.
    func find(_ sub: [UInt8], in s: [UInt8], from lo: Int, to hi: Int, _ m: MethodName) throws(Trap) -> Value {
        try useFuel(bytes: hi - lo + sub.count)
        if m == .count { return .int(Int64(countOccurrences(sub, in: s, from: lo, to: hi))) }
        let last = m == .rfind || m == .rindex
        if let i = last ? lastFindBytes(sub, in: s, from: lo, to: hi) : findBytes(sub, in: s, from: lo, to: hi) {
            return .int(Int64(i))
        }
        if m == .index || m == .rindex { throw Trap.runtime("\(m.rawValue): substring not found") }
        return .int(-1)
    }

    /// `upper`, `lower`, `capitalize` and `title`.
    func changeCaseMethod(_ s: [UInt8], _ m: MethodName) throws(Trap) -> Value {
        try useFuel(bytes: s.count)
        let out = changeCase(s, m)
        try useFuel(bytes: max(out.count - s.count, 0))
        return try makeString(out)
    }

    /// The bytes of a string argument, or a trap in Go's words.
    func stringArgument(_ v: Value, _ function: String, _ parameter: String) throws(Trap) -> [UInt8] {
        guard let s = stringBytes(v) else {
            throw Trap.runtime("\(function): for parameter \(parameter): got \(typeName(v)), want string")
        }
        return s
    }

    /// A list (or tuple) of new strings, reserved in one go so that no collection can run
    /// between making the strings and storing them. Fuel: one per element.
    func makeStrings(_ parts: [ArraySlice<UInt8>], tuple: Bool = false) throws(Trap) -> Value {
        try makeStrings(count: parts.count, bytes: parts.reduce(0) { $0 + $1.count }, tuple: tuple) { parts[$0] }
    }

    /// As `makeStrings(_:tuple:)`, for pieces of one string given by their ranges (no slice
    /// array, whose every element held the string's storage).
    func makeStrings(_ s: [UInt8], _ ranges: [Range<Int>]) throws(Trap) -> Value {
        try makeStrings(count: ranges.count, bytes: ranges.reduce(0) { $0 + $1.count }, tuple: false) { s[ranges[$0]] }
    }

    /// `count` new strings of `bytes` bytes in all, the i-th holding `piece(i)`.
    @inline(__always) private func makeStrings(count: Int, bytes: Int, tuple: Bool, piece: (Int) -> ArraySlice<UInt8>) throws(Trap) -> Value {
        let size = try checkedSize(count, unit: MemoryCost.valueSlot + MemoryCost.header) + bytes
        try useFuel(elements: count)
        try reserve(size)
        var values: [Value] = []
        values.reserveCapacity(count)
        for i in 0..<count { values.append(try heap.insert(heap.newString(piece(i)))) }
        return try heap.insert(heap.newSequence(taking: values, tuple: tuple))
    }

    /// `sep.join(iterable)`: every element must be a string.
    private func join(_ sep: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("join", ["iterable"], required: 1)
        return try join(sep, a[0] ?? .none)
    }

    /// `sep.join(x)` once the argument is known.
    func join(_ sep: [UInt8], _ x: Value) throws(Trap) -> Value {
        guard isIterable(x) else { throw Trap.runtime("join: for parameter iterable: got \(typeName(x)), want iterable") }
        let items = try elements(of: x, for: "join: argument")
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
        return try heap.insert(heap.newString(taking: out))
    }

    /// `s.split(sep=None, maxsplit=-1)` and `rsplit`: by a separator, or (None) by runs of
    /// white space ignoring leading and trailing space, as Go Starlark does.
    private func split(_ s: [UInt8], _ args: Arguments, reverse: Bool) throws(Trap) -> Value {
        let name = reverse ? "rsplit" : "split"
        let a = try args.bind(name, ["sep", "maxsplit"], required: 0)
        var maxsplit = -1
        if let v = a[1], v != .none {
            switch number(v) {
            case .int(let n)?: maxsplit = n < 0 ? -1 : Int(n)
            case .big(let b)?: maxsplit = b.sign == .minus ? -1 : Int.max
            default: throw Trap.runtime("\(name): for parameter maxsplit: got \(typeName(v)), want int")
            }
        }
        return try split(s, separator: a[0], maxsplit: maxsplit, reverse: reverse)
    }

    /// `split` and `rsplit` once the arguments are known: `separator` nil or None splits at
    /// white space; `maxsplit` -1 means no limit.
    func split(_ s: [UInt8], separator: Value?, maxsplit: Int, reverse: Bool) throws(Trap) -> Value {
        let name = reverse ? "rsplit" : "split"
        try useFuel(bytes: s.count)
        var pieces: [Range<Int>] = []
        // Most splits make a few pieces: one allocation instead of growing 1, 2, 4, 8.
        pieces.reserveCapacity(8)
        if let sepValue = separator, sepValue != .none {
            guard let sep = stringBytes(sepValue) else {
                throw Trap.runtime("\(name): got \(typeName(sepValue)) for separator, want string")
            }
            guard !sep.isEmpty else { throw Trap.runtime("\(name): empty separator") }
            if reverse {
                var end = s.count
                while maxsplit < 0 || pieces.count < maxsplit, let i = lastFindBytes(sep, in: s, from: 0, to: end) {
                    pieces.append((i + sep.count)..<end)
                    end = i
                }
                pieces.append(0..<end)
                pieces.reverse()
            } else {
                var start = 0
                while maxsplit < 0 || pieces.count < maxsplit, let i = findBytes(sep, in: s, from: start, to: s.count) {
                    pieces.append(start..<i)
                    start = i + sep.count
                }
                pieces.append(start..<s.count)
            }
        } else if reverse && maxsplit >= 0 {
            pieces = rsplitSpace(s, maxsplit)
        } else {
            var i = 0
            func skipSpace() {
                while i < s.count {
                    let r = spaceRune(s, at: i)
                    if !r.space { break }
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
                    let r = spaceRune(s, at: i)
                    if r.space { break }
                    i += r.width
                }
                pieces.append(start..<i)
            }
        }
        return try makeStrings(s, pieces)
    }

    /// `rsplit(None, max)`: fields from the right; the last one runs to the start of the
    /// string (leading space included), as Go Starlark's `rsplitspace`.
    private func rsplitSpace(_ s: [UInt8], _ max: Int) -> [Range<Int>] {
        // Code point boundaries, scanned forward (decoding backward is the same for valid UTF-8).
        var starts: [Int] = []
        var i = 0
        while i < s.count {
            starts.append(i)
            i += decodeRune(s, at: i).width
        }
        var res: [Range<Int>] = []
        var end = -1
        var k = starts.count - 1
        var stoppedAt = -1
        while k >= 0 {
            let at = starts[k]
            let r = decodeRune(s, at: at)
            let width = r.width
            if r.valid && isSpace(r.scalar) {
                if end >= 0 {
                    if res.count == max {
                        stoppedAt = at + width
                        break
                    }
                    res.append((at + width)..<end)
                    end = -1
                }
            } else if end < 0 {
                end = at + width
            }
            k -= 1
        }
        if stoppedAt >= 0 || end >= 0 {
            res.append(0..<end)
        }
        return res.reversed()
    }

    /// `s.splitlines(keepends=False)`: lines split at `\n` (Go Starlark's rule); a final
    /// newline does not start another line.
    private func splitlines(_ s: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("splitlines", ["keepends"], required: 0)
        let keepends = a[0] ?? .bool(false)
        guard case .bool(let keep) = keepends else {
            throw Trap.runtime("splitlines: for parameter keepends: got \(typeName(keepends)), want bool")
        }
        try useFuel(bytes: s.count)
        var lines: [Range<Int>] = []
        var start = 0
        for (i, b) in s.enumerated() where b == UInt8(ascii: "\n") {
            lines.append(start..<(keep ? i + 1 : i))
            start = i + 1
        }
        if start < s.count { lines.append(start..<s.count) }
        return try makeStrings(s, lines)
    }

    /// `startswith(prefix, start, end)` / `endswith`: `prefix` is a string or a tuple of them.
    private func startsOrEndsWith(_ recv: [UInt8], _ args: Arguments, suffix: Bool) throws(Trap) -> Value {
        let name = suffix ? "endswith" : "startswith"
        let a = try args.bind(name, [suffix ? "suffix" : "prefix", "start", "end"], required: 1)
        let lo = try clampedIndex(a[1], count: recv.count, absent: 0, name)
        let hi = max(try clampedIndex(a[2], count: recv.count, absent: recv.count, name), lo)
        return try startsOrEndsWith(recv[lo..<hi], a[0] ?? .none, suffix: suffix)
    }

    /// `startswith` and `endswith` of `s` (the receiver's slice from start to end) once the
    /// arguments are known.
    func startsOrEndsWith(_ s: ArraySlice<UInt8>, _ x: Value, suffix: Bool) throws(Trap) -> Value {
        let name = suffix ? "endswith" : "startswith"
        func matches(_ p: [UInt8]) -> Bool {
            p.count <= s.count && (suffix ? s.suffix(p.count).elementsEqual(p) : s.prefix(p.count).elementsEqual(p))
        }
        if let p = stringBytes(x) {
            // One prefix (the usual call): the same fuel as a tuple of one.
            try useFuel(elements: 1)
            try useFuel(bytes: p.count)
            return .bool(matches(p))
        }
        var candidates: [[UInt8]] = []
        if kind(x) == .tuple, let t = sequenceObject(x) {
            for (i, item) in t.items.enumerated() {
                guard let p = stringBytes(item) else {
                    throw Trap.runtime("\(name): want string, got \(typeName(item)), for element \(i)")
                }
                candidates.append(p)
            }
        } else {
            throw Trap.runtime("\(name): got \(typeName(x)), want string or tuple of string")
        }
        try useFuel(elements: candidates.count)
        for p in candidates {
            try useFuel(bytes: p.count)
            if matches(p) { return .bool(true) }
        }
        return .bool(false)
    }

    /// The bounds of `s` without leading (`left`) and trailing (`right`) characters that are
    /// white space, or in `chars` (compared as code points).
    ///
    /// Scans in from both ends. An ASCII byte is always a whole code point (it cannot continue
    /// a sequence), so the right end steps back over ASCII bytes alone; at a non-ASCII byte it
    /// goes forward from the left bound instead, decoding as everything else does.
    private func stripBounds(_ s: [UInt8], chars: [UInt8]?, left: Bool, right: Bool) -> (Int, Int) {
        var strip = Set<UInt32>()
        // ASCII members of `chars`, or ASCII white space when there is no `chars`.
        var asciiLow: UInt64 = 0, asciiHigh: UInt64 = 0
        func addASCII(_ b: UInt32) {
            if b < 64 { asciiLow |= 1 << UInt64(b) } else { asciiHigh |= 1 << UInt64(b - 64) }
        }
        if let chars {
            var i = 0
            while i < chars.count {
                let r = decodeRune(chars, at: i)
                let scalar = r.valid ? r.scalar : 0x11_0000 + UInt32(chars[i])
                if scalar < 0x80 { addASCII(scalar) } else { strip.insert(scalar) }
                i += r.width
            }
        } else {
            asciiLow = 0x1_0000_3E00  // \t \n \v \f \r and space: bits 9 to 13, and 32
        }
        func strippedASCII(_ b: UInt8) -> Bool {
            b < 64 ? asciiLow & (1 << UInt64(b)) != 0 : asciiHigh & (1 << UInt64(b &- 64)) != 0
        }
        func stripped(_ r: (scalar: UInt32, width: Int, valid: Bool), at i: Int) -> Bool {
            if r.valid && r.scalar < 0x80 { return strippedASCII(UInt8(r.scalar)) }
            if chars == nil { return r.valid && isSpace(r.scalar) }
            return strip.contains(r.valid ? r.scalar : 0x11_0000 + UInt32(s[i]))
        }
        var lo = 0
        while lo < s.count {
            let r = decodeRune(s, at: lo)
            if !stripped(r, at: lo) { break }
            lo += r.width
        }
        if lo == s.count { return left ? (s.count, s.count) : (0, right ? 0 : s.count) }
        var hi = s.count
        while hi > lo, s[hi - 1] < 0x80, strippedASCII(s[hi - 1]) { hi -= 1 }
        if hi > lo, s[hi - 1] >= 0x80 {
            // Forward from `lo` (a kept code point): `hi` is the end of the last kept one.
            var i = lo
            while i < s.count {
                let r = decodeRune(s, at: i)
                if !stripped(r, at: i) { hi = i + r.width }
                i += r.width
            }
        }
        return (left ? lo : 0, right ? hi : s.count)
    }

    /// `s.replace(old, new, count=-1)`. An empty `old` inserts `new` before every code point
    /// and at the end (Go's `strings.Replace`).
    private func replace(_ s: [UInt8], _ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("replace", ["old", "new", "count"], required: 2)
        let old = try stringArgument(a[0] ?? .none, "replace", "old")
        let new = try stringArgument(a[1] ?? .none, "replace", "new")
        var limit = Int.max
        if let c = a[2], c != .none {
            switch number(c) {
            case .int(let n)?: if n >= 0 { limit = Int(n) }
            case .big(let b)?: if b.sign != .minus { limit = Int.max }
            default: throw Trap.runtime("replace: for parameter count: got \(typeName(c)), want int")
            }
        }
        return try replace(old, with: new, in: s, limit: limit)
    }

    /// `s.replace(old, new, count)` once the arguments are known (`limit` Int.max for all).
    func replace(_ old: [UInt8], with new: [UInt8], in s: [UInt8], limit: Int) throws(Trap) -> Value {
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
        return try heap.insert(heap.newString(taking: out))
    }

    /// Non-overlapping occurrences of `sub` in `s[from..<to]`; an empty `sub` matches at
    /// every code point boundary (Go's `strings.Count`).
    private func countOccurrences(_ sub: [UInt8], in s: [UInt8], from: Int, to: Int) -> Int {
        if sub.isEmpty {
            var n = 1, i = from
            while i < to {
                i += decodeRune(s, at: i).width
                n += 1
            }
            return n
        }
        var n = 0, at = from
        while let i = findBytes(sub, in: s, from: at, to: to) {
            n += 1
            at = i + sub.count
        }
        return n
    }

    /// The elements of a string view (`elems()` and friends) as a list's items: one-byte (or
    /// one-code-point) strings, or their numeric values. Invalid UTF-8 decodes to U+FFFD, one
    /// byte at a time, as in Go.
    func stringViewElements(_ view: StringViewObject) throws(Trap) -> [Value] {
        if view.materialized == nil {
            view.materialized = try stringElements(stringBytes(view.string) ?? [], codepoints: view.codepoints, ords: view.ords)
        }
        guard case .ref(let slot)? = view.materialized else { return [] }
        return unsafeDowncast(heap.object(slot), to: ListObject.self).items
    }

    /// One element of a string view at byte offset `i`, and the offset of the next.
    func stringViewElement(_ view: StringViewObject, at i: Int) throws(Trap) -> (Value, next: Int)? {
        guard case .ref(let slot) = view.string else { return nil }
        let s = unsafeDowncast(heap.object(slot), to: StringObject.self).utf8
        guard i < s.count else { return nil }
        let width = view.codepoints ? decodeRune(s, at: i).width : 1
        if view.ords {
            return (.int(Int64(view.codepoints ? decodeRune(s, at: i).scalar : UInt32(s[i]))), i + width)
        }
        return (try makeString(Array(s[i..<(i + width)])), i + width)
    }

    private func stringElements(_ s: [UInt8], codepoints: Bool, ords: Bool) throws(Trap) -> Value {
        try useFuel(bytes: s.count)
        if !codepoints {
            if ords { return try makeSequenceCharged(s.map { .int(Int64($0)) }) }
            return try makeStrings((0..<s.count).map { s[$0..<($0 + 1)] })
        }
        var parts: [ArraySlice<UInt8>] = []
        var ordinals: [Value] = []
        var i = 0
        while i < s.count {
            let r = decodeRune(s, at: i)
            if ords { ordinals.append(.int(Int64(r.scalar))) } else { parts.append(s[i..<(i + r.width)]) }
            i += r.width
        }
        return ords ? try makeSequenceCharged(ordinals) : try makeStrings(parts)
    }

    /// A new list of plain values: one fuel per element.
    func makeSequenceCharged(_ items: [Value]) throws(Trap) -> Value {
        try useFuel(elements: items.count)
        try reserve(try checkedSize(items.count, unit: MemoryCost.valueSlot))
        return try heap.insert(ListObject(items))
    }

    /// The `is…` predicates, with Go Starlark's Unicode rules.
    private func classify(_ s: [UInt8], _ m: MethodName) -> Bool {
        var runes: [UInt32] = []
        var i = 0
        while i < s.count {
            let r = decodeRune(s, at: i)
            runes.append(r.scalar)
            i += r.width
        }
        switch m {
        case .isalnum: return !runes.isEmpty && runes.allSatisfy { isLetter($0) || isDecimalDigit($0) }
        case .isalpha: return !runes.isEmpty && runes.allSatisfy(isLetter)
        case .isdigit: return !runes.isEmpty && runes.allSatisfy(isDecimalDigit)
        case .isspace: return !runes.isEmpty && runes.allSatisfy(isSpace)
        case .islower: return runes.contains(where: isCased) && changeCase(s, .lower) == s
        case .isupper: return runes.contains(where: isCased) && changeCase(s, .upper) == s
        default:
            // istitle: upper and title case only after uncased characters, lower case only after cased ones.
            var cased = false, prevCased = false
            for r in runes {
                let c = category(r)
                if (r >= 0x41 && r <= 0x5A) || c == .titlecaseLetter {
                    if prevCased { return false }
                    prevCased = true
                    cased = true
                } else if c == .lowercaseLetter {
                    if !prevCased { return false }
                    prevCased = true
                    cased = true
                } else if c == .uppercaseLetter {
                    return false
                } else {
                    prevCased = false
                }
            }
            return cased
        }
    }

    /// `upper`, `lower`, `capitalize` and `title`, by code point with simple (one code point
    /// to one code point) case mappings as Go's `unicode.To…` use; invalid UTF-8 bytes are
    /// kept as they are.
    func changeCase(_ s: [UInt8], _ m: MethodName) -> [UInt8] {
        if Sandbox.isASCII(s) { return Sandbox.changeASCIICase(s, m) }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        var prevCased = false
        while i < s.count {
            let r = decodeRune(s, at: i)
            guard r.valid else {
                out.append(s[i])
                prevCased = false
                i += 1
                continue
            }
            let mapped: UInt32
            switch m {
            case .upper: mapped = simpleCase(r.scalar, .upper)
            case .lower: mapped = simpleCase(r.scalar, .lower)
            case .capitalize: mapped = simpleCase(r.scalar, i == 0 ? .title : .lower)
            default:
                mapped = simpleCase(r.scalar, prevCased ? .lower : .title)
                prevCased = isCased(mapped)
            }
            appendUTF8(mapped, to: &out)
            i += r.width
        }
        return out
    }
}

extension Sandbox {
    /// `changeCase` for ASCII text, byte by byte: the same mappings as `simpleCase` gives
    /// ASCII letters, without decoding and re-encoding each one.
    static func changeASCIICase(_ s: [UInt8], _ m: MethodName) -> [UInt8] {
        var out = s
        // One loop per method over the raw bytes: `b &- 0x61 < 26` is "a...z".
        out.withUnsafeMutableBufferPointer { b in
            switch m {
            case .upper:
                for i in b.indices where b[i] &- 0x61 < 26 { b[i] &-= 32 }
            case .lower:
                for i in b.indices where b[i] &- 0x41 < 26 { b[i] &+= 32 }
            case .capitalize:
                for i in b.indices {
                    if i == 0 {
                        if b[i] &- 0x61 < 26 { b[i] &-= 32 }
                    } else if b[i] &- 0x41 < 26 {
                        b[i] &+= 32
                    }
                }
            default:
                // title: upper after a byte that is not a letter, lower after one that is.
                var prevCased = false
                for i in b.indices {
                    let c = b[i]
                    let lower = c &- 0x61 < 26, upper = c &- 0x41 < 26
                    if !prevCased {
                        if lower { b[i] = c &- 32 }
                    } else if upper {
                        b[i] = c &+ 32
                    }
                    prevCased = lower || upper
                }
            }
        }
        return out
    }

    /// True when every byte is below 0x80 (one pass, no branch per byte).
    static func isASCII(_ s: [UInt8]) -> Bool {
        s.withUnsafeBufferPointer { b in
            var any: UInt8 = 0
            for c in b { any |= c }
            return any < 0x80
        }
    }
}

enum CaseMapping { case upper, lower, title }

/// A code point's simple case mapping: the full mapping when that is one code point,
/// otherwise the code point itself (Go's `unicode.ToUpper` has no multi-character results).
func simpleCase(_ r: UInt32, _ to: CaseMapping) -> UInt32 {
    if r < 0x80 {
        let lower = r >= 0x61 && r <= 0x7A, upper = r >= 0x41 && r <= 0x5A
        switch to {
        case .upper, .title: return lower ? r - 32 : r
        case .lower: return upper ? r + 32 : r
        }
    }
    guard let u = Unicode.Scalar(r) else { return r }
    let full: String
    switch to {
    case .upper: full = u.properties.uppercaseMapping
    case .lower: full = u.properties.lowercaseMapping
    case .title: full = u.properties.titlecaseMapping
    }
    let scalars = full.unicodeScalars
    return scalars.count == 1 ? scalars.first!.value : r
}

/// Go Starlark's `isCasedRune`: ASCII letters, and code points that some case mapping changes.
func isCased(_ r: UInt32) -> Bool {
    if r < 0x80 { return (r >= 0x41 && r <= 0x5A) || (r >= 0x61 && r <= 0x7A) }
    return Unicode.Scalar(r)?.properties.changesWhenCaseMapped ?? false
}

func category(_ r: UInt32) -> Unicode.GeneralCategory? {
    Unicode.Scalar(r)?.properties.generalCategory
}

/// Go's `unicode.IsLetter` (categories L*).
func isLetter(_ r: UInt32) -> Bool {
    if r < 0x80 { return (r >= 0x41 && r <= 0x5A) || (r >= 0x61 && r <= 0x7A) }
    switch category(r) {
    case .uppercaseLetter?, .lowercaseLetter?, .titlecaseLetter?, .modifierLetter?, .otherLetter?: return true
    default: return false
    }
}

/// Go's `unicode.IsDigit` (category Nd).
func isDecimalDigit(_ r: UInt32) -> Bool {
    if r < 0x80 { return r >= 0x30 && r <= 0x39 }
    return category(r) == .decimalNumber
}

/// Appends the UTF-8 encoding of code point `r` (U+FFFD if it is not a scalar value).
func appendUTF8(_ r: UInt32, to out: inout [UInt8]) {
    let u = Unicode.Scalar(r) ?? "\u{FFFD}"
    if u.value < 0x80 {
        out.append(UInt8(u.value))
    } else {
        out.append(contentsOf: String(u).utf8)
    }
}

/// The last index where `needle` occurs in `haystack[from..<to]`, or nil; linear, like
/// `findBytes`, by searching the reversed text for the reversed needle.
func lastFindBytes(_ needle: [UInt8], in haystack: [UInt8], from: Int, to: Int) -> Int? {
    let m = needle.count
    guard from >= 0, to <= haystack.count, to - from >= m else { return nil }
    if m == 0 { return to }
    if m <= 16 {
        var i = to - m
        while i >= from {
            if haystack[i] == needle[0] {
                var j = 1
                while j < m && haystack[i + j] == needle[j] { j += 1 }
                if j == m { return i }
            }
            i -= 1
        }
        return nil
    }
    let reversedText = Array(haystack[from..<to].reversed())
    guard let k = findBytes(Array(needle.reversed()), in: reversedText, from: 0, to: reversedText.count) else { return nil }
    return to - k - m
}
