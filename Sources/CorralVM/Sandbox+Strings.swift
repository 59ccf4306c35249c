#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-string helpers shared by operators, methods and repr. Starlark strings are byte
/// sequences (normally UTF-8); these never assume validity.

/// The first index `>= from` where `needle` occurs in `haystack[from..<to]`, or nil.
///
/// Linear in the worst case (Knuth–Morris–Pratt), so the fuel charged per byte searched
/// bounds the work whatever the input; short needles use the simple scan, whose worst case
/// is at most 16 comparisons a byte.
func findBytes(_ needle: [UInt8], in haystack: [UInt8], from: Int, to: Int) -> Int? {
    let m = needle.count
    guard from >= 0, to <= haystack.count, to - from >= m else { return nil }
    if m == 0 { return from }
    if m <= 16 {
        // memchr finds each candidate first byte; the rest of the needle is compared in place.
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let base = h.baseAddress!
                let first = Int32(n[0])
                var i = from
                let last = to - m
                while i <= last {
                    guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
                    i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    var j = 1
                    while j < m && h[i &+ j] == n[j] { j &+= 1 }
                    if j == m { return i }
                    i &+= 1
                }
                return nil
            }
        }
    }
    // Failure table: fail[j] = length of the longest proper border of needle[0...j].
    var fail = [Int](repeating: 0, count: m)
    var k = 0
    for j in 1..<m {
        while k > 0 && needle[j] != needle[k] { k = fail[k - 1] }
        if needle[j] == needle[k] { k += 1 }
        fail[j] = k
    }
    k = 0
    for i in from..<to {
        while k > 0 && haystack[i] != needle[k] { k = fail[k - 1] }
        if haystack[i] == needle[k] { k += 1 }
        if k == m { return i - m + 1 }
    }
    return nil
}

/// Decodes one code point at `i` the way Go does: an invalid or truncated sequence decodes
/// as U+FFFD with width 1, so every byte is consumed exactly once.
func decodeRune(_ s: [UInt8], at i: Int) -> (scalar: UInt32, width: Int, valid: Bool) {
    let b0 = s[i]
    if b0 < 0x80 { return (UInt32(b0), 1, true) }
    let invalid: (UInt32, Int, Bool) = (0xFFFD, 1, false)
    func cont(_ k: Int) -> UInt32? {
        guard i + k < s.count, s[i + k] & 0xC0 == 0x80 else { return nil }
        return UInt32(s[i + k] & 0x3F)
    }
    switch b0 {
    case 0xC2...0xDF:
        guard let c1 = cont(1) else { return invalid }
        return (UInt32(b0 & 0x1F) << 6 | c1, 2, true)
    case 0xE0...0xEF:
        guard let c1 = cont(1), let c2 = cont(2) else { return invalid }
        let r = UInt32(b0 & 0x0F) << 12 | c1 << 6 | c2
        guard r >= 0x800, !(0xD800...0xDFFF).contains(r) else { return invalid }
        return (r, 3, true)
    case 0xF0...0xF4:
        guard let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) else { return invalid }
        let r = UInt32(b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
        guard r >= 0x10000, r <= 0x10FFFF else { return invalid }
        return (r, 4, true)
    default:
        return invalid
    }
}

/// Whether the code point at byte `i` is white space (invalid UTF-8 is not), and its width;
/// ASCII without decoding.
@inline(__always) func spaceRune(_ s: [UInt8], at i: Int) -> (space: Bool, width: Int) {
    let b = s[i]
    if b < 0x80 { return (b == 0x20 || (b >= 0x09 && b <= 0x0D), 1) }
    let r = decodeRune(s, at: i)
    return (r.valid && isSpace(r.scalar), r.width)
}

/// Unicode white space (Go's `unicode.IsSpace`), used by `strip` and `split()`.
func isSpace(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
    case 0..<0x80: return false
    default: return Unicode.Scalar(scalar)?.properties.isWhitespace ?? false
    }
}

/// Starlark's `str(bytes)`: the bytes as a string with every invalid UTF-8 sequence replaced
/// by U+FFFD, as Go Starlark does.
func validUTF8(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        let r = decodeRune(bytes, at: i)
        if r.valid {
            out.append(contentsOf: bytes[i..<(i + r.width)])
        } else {
            out.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
        i += r.width
    }
    return out
}
