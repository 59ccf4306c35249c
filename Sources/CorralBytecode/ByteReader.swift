/// A bounds-checked cursor over untrusted bytes. Every read either succeeds or throws a
/// `DecodeError` naming the offset; nothing here allocates more than the input backs.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
    }

    var isAtEnd: Bool { offset >= end }
    var remaining: Int { end - offset }

    func error(_ message: String) -> DecodeError { DecodeError(offset: offset, message) }

    mutating func byte(_ what: @autoclosure () -> String) throws(DecodeError) -> UInt8 {
        guard offset < end else { throw error("unexpected end of input reading \(what())") }
        let b = bytes[offset]
        offset += 1
        return b
    }

    /// Unsigned LEB128 of at most `bits` bits: more bytes than the width needs, or set bits
    /// beyond it, are rejected; zero padding within the width is accepted, as in WebAssembly.
    mutating func uleb(_ what: @autoclosure () -> String, bits: Int = 32) throws(DecodeError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift = 0
        while true {
            guard offset < end else { throw DecodeError(offset: offset, "unexpected end of input reading \(what())") }
            let b = bytes[offset]
            offset += 1
            let payload = UInt64(b & 0x7F)
            if shift >= bits || (shift > 0 && bits - shift < 7 && payload >> UInt64(bits - shift) != 0) {
                throw DecodeError(offset: start, "\(what()) does not fit in \(bits) bits")
            }
            result |= payload << UInt64(shift)
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func u32(_ what: @autoclosure () -> String) throws(DecodeError) -> UInt32 {
        UInt32(try uleb(what(), bits: 32))
    }

    /// Signed LEB128 i64, rejecting encodings longer than 10 bytes or with bad padding.
    mutating func sleb64(_ what: @autoclosure () -> String) throws(DecodeError) -> Int64 {
        let start = offset
        var result: Int64 = 0
        var shift: Int64 = 0
        var b: UInt8
        repeat {
            guard offset < end else { throw DecodeError(offset: offset, "unexpected end of input reading \(what())") }
            b = bytes[offset]
            offset += 1
            if shift == 63 {
                // The 10th byte holds only the sign bit: it must be 0x00 or 0x7F.
                guard b == 0x00 || b == 0x7F else { throw DecodeError(offset: start, "\(what()) does not fit in 64 bits") }
                if b == 0x7F { result |= Int64.min }
                return result
            }
            result |= Int64(b & 0x7F) << shift
            shift += 7
        } while b & 0x80 != 0
        if shift < 64 && b & 0x40 != 0 { result |= -1 << shift }
        return result
    }

    /// A count of items that each take at least `minItemBytes` bytes: refused if the rest of the
    /// input cannot hold them, so no array is ever sized by a length the input does not back.
    mutating func count(_ what: String, limit: Int, minItemBytes: Int = 1) throws(DecodeError) -> Int {
        let start = offset
        let n = Int(try u32("\(what) count"))
        guard n <= limit else { throw DecodeError(offset: start, "\(what) count \(n) exceeds the limit of \(limit)") }
        guard n <= remaining / max(minItemBytes, 1) else {
            throw DecodeError(offset: start, "\(what) count \(n) is more than the remaining \(remaining) bytes can hold")
        }
        return n
    }

    mutating func bytes(_ what: String, limit: Int = Int.max) throws(DecodeError) -> [UInt8] {
        let start = offset
        let n = Int(try u32("\(what) length"))
        guard n <= limit else { throw DecodeError(offset: start, "\(what) length \(n) exceeds the limit of \(limit)") }
        guard n <= remaining else { throw DecodeError(offset: start, "\(what) length \(n) runs past the end of its section") }
        let slice = Array(bytes[offset..<offset + n])
        offset += n
        return slice
    }

    /// A UTF-8 name (identifiers, import and export names).
    mutating func name(_ what: String) throws(DecodeError) -> String {
        let start = offset
        let raw = try bytes(what, limit: Limits.nameBytes)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw DecodeError(offset: start, "\(what) is not valid UTF-8")
        }
        return s
    }

    mutating func float64(_ what: String) throws(DecodeError) -> Double {
        guard remaining >= 8 else { throw error("unexpected end of input reading \(what)") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += 8
        return Double(bitPattern: bits)
    }
}

/// Appends the binary encoding; the mirror of `ByteReader`.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func uleb(_ value: UInt64) {
        var v = value
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            bytes.append(b)
        } while v != 0
    }

    mutating func u32(_ value: UInt32) { uleb(UInt64(value)) }
    mutating func u32(_ value: Int) { uleb(UInt64(value)) }

    mutating func sleb64(_ value: Int64) {
        var v = value
        while true {
            let b = UInt8(truncatingIfNeeded: v) & 0x7F
            v >>= 7
            let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0)
            bytes.append(done ? b : b | 0x80)
            if done { return }
        }
    }

    mutating func bytes(_ b: [UInt8]) {
        u32(b.count)
        bytes.append(contentsOf: b)
    }

    mutating func name(_ s: String) { bytes(Array(s.utf8)) }

    mutating func float64(_ d: Double) {
        let bits = d.bitPattern
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(8 * i))) }
    }
}
