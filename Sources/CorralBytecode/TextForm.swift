// Corral assembly (`.cas`): the text form of a `Module`.
//
// `Assembler.assemble(Disassembler.disassemble(m)) == m` for every module the binary decoder
// can produce, so a module can be read, diffed, edited and turned back into the same bytes.
//
// Lines and tokens
//   One directive or instruction per line. `;` starts a comment that runs to the end of the
//   line (not inside a string). Tokens are separated by spaces or tabs. Blank lines are
//   ignored; a CR before the LF is dropped. Error columns are 1-based byte offsets in the line.
//   STRING  `"..."`, a byte array. Escapes: `\\ \" \n \t \r \xHH` (any byte). Other bytes
//           except LF may appear raw, so UTF-8 text can be written as is. The disassembler
//           escapes every byte outside printable ASCII 0x20-0x7E, and `"` and `\`.
//   NAME    a STRING that is valid UTF-8 (function, parameter, import, global, export, debug
//           and custom-section names).
//   U32     unsigned decimal, 0...4294967295.      I64  `-`? decimal, Int64 range.
//
// Module-level directives (accepted in any order; the disassembler writes this order)
//   .const int I64
//   .const bigint -?DIGITS         non-zero, magnitude at most Limits.bigIntBytes bytes
//   .const float FLOAT             Double.description, `inf`, `-inf`, `nan`, or
//                                  `nan:0x` + 16 hex digits of the bit pattern
//   .const string STRING
//   .const bytes STRING            constants are numbered 0, 1, 2... in order of appearance
//   .import NAME NAME              capability module, function
//   .global NAME
//   .export func NAME U32  |  .export global NAME U32     (kept in order)
//   .start U32                     at most once
//   .func NAME                     begins the next function (numbered in order of appearance)
//   .debug file NAME               at most once; Module.debug is nil without it
//   .debug locals U32 NAME*        local names of function U32 (increasing; skipped ones are
//                                  empty); needs a `.debug file` somewhere in the text
//   .custom NAME STRING            a custom section (not "debug"), kept in order
//
// Function header: after its `.func`, before its first instruction; each at most once except
// `.param`, which is repeated once per parameter in order.
//   .param NAME [default]
//   .positional U32                written only when it differs from the parameter count
//   .varargs
//   .kwargs
//   .locals U32                    written only when it differs from params + varargs + kwargs
//   .free U32                      written only when non-zero
//
// Function body: until the next `.func`, module-level directive or end of input.
//   .line U32 U32                  LineEntry(pc: index of the next instruction, line, column);
//                                  may follow the last instruction (pc == code.count)
//   MNEMONIC OPERANDS              `Opcode.info.mnemonic`, then by `info.immediates`:
//       none                       nothing
//       index, label               U32                      -> Instruction.a
//       int64                      I64                      -> Instruction.int
//       blockType                  `result` for one result, nothing for none -> a = 1 / 0
//       call(withName: false)      U32 U32 [*args] [**kwargs]     -> a, b, c (flags 1, 2)
//       call(withName: true)       U32 U32 U32 [*args] [**kwargs] -> name, a, b, c
//
// The disassembler indents instructions two spaces per open block (`else` one level out,
// `end` back to its opener) and adds `; comments` (constant values, global, import, function
// and local names). The assembler checks syntax only: indices, stack heights and block
// structure are the validator's job.

/// Lexical pieces shared by the assembler and the disassembler, kept together so that what
/// one writes is exactly what the other reads.
package enum TextForm {
    /// Deepest indentation the disassembler writes, so that absurd nesting in an untrusted
    /// module cannot make the text quadratic in the code size.
    static let maxIndent = 32

    // MARK: Strings

    /// `bytes` between double quotes, escaped so the result is printable ASCII.
    static func quote(_ bytes: some Sequence<UInt8>) -> String {
        "\"" + escape(bytes) + "\""
    }

    /// The escaped contents of a string literal, without the quotes.
    static func escape(_ bytes: some Sequence<UInt8>) -> String {
        var out = ""
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case UInt8(ascii: "\r"): out += "\\r"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\x" + hex(UInt64(b), digits: 2)
            }
        }
        return out
    }

    /// Lower-case hex of `value`, zero-padded to `digits`.
    static func hex(_ value: UInt64, digits: Int) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(digits - s.count, 0)) + s
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: Floats

    /// `Double.description` (which round-trips exactly through `Double(_:)`), except NaN,
    /// whose sign and payload that description would lose.
    static func float(_ d: Double) -> String {
        d.isNaN ? "nan:0x" + hex(d.bitPattern, digits: 16) : d.description
    }

    /// The inverse of `float(_:)`, also accepting a plain `nan` (the default quiet NaN).
    static func parseFloat(_ text: [UInt8]) -> Double? {
        let nanPrefix = Array("nan:0x".utf8)
        if text == Array("nan".utf8) { return .nan }
        if text.starts(with: nanPrefix) {
            let digits = text.dropFirst(nanPrefix.count)
            guard digits.count == 16 else { return nil }
            var bits: UInt64 = 0
            for b in digits {
                guard let h = hexValue(b) else { return nil }
                bits = bits << 4 | UInt64(h)
            }
            let d = Double(bitPattern: bits)
            return d.isNaN ? d : nil
        }
        // Double(_:) goes through strtod on a C string; keep NULs and other bytes away from it.
        let allowed = Array("0123456789abcdefinptxABCDEFINPTX+-.".utf8)
        guard !text.isEmpty, text.allSatisfy(allowed.contains) else { return nil }
        guard let d = Double(String(decoding: text, as: UTF8.self)), !d.isNaN else { return nil }
        return d
    }

    // MARK: Integers

    /// A decimal integer token: optional `-`, then ASCII digits.
    enum Decimal: Equatable {
        case value(negative: Bool, magnitude: UInt64)
        case overflow
        case invalid
    }

    static func parseDecimal(_ text: [UInt8]) -> Decimal {
        var digits = text[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return .invalid }
        var value: UInt64 = 0
        var overflow = false
        for b in digits {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return .invalid }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = s
        }
        return overflow ? .overflow : .value(negative: negative, magnitude: value)
    }

    // MARK: Big integers

    /// Most decimal digits a magnitude of `Limits.bigIntBytes` bytes can need
    /// (ceil(8 * 65536 * log10(2))); bounds the assembler's quadratic conversion.
    static let maxBigIntDigits = 157_827

    /// Little-endian base-256 magnitude of ASCII decimal `digits` (all '0'...'9'), without
    /// trailing zero bytes (so zero is empty).
    static func magnitude(fromDecimal digits: some Collection<UInt8>) -> [UInt8] {
        magnitude(fromDigits: digits, radix: 10)
    }

    /// Little-endian base-256 magnitude of ASCII `digits` in `radix` (2...16; every digit valid,
    /// upper or lower case), without trailing zero bytes. Schoolbook: as many digits at a time
    /// as one 32-bit limb multiply takes. The assembler and the Starlark lexer share it.
    package static func magnitude(fromDigits digits: some Collection<UInt8>, radix: Int) -> [UInt8] {
        precondition((2...16).contains(radix))
        var limbs: [UInt32] = []
        var chunk: UInt64 = 0
        var scale: UInt64 = 1
        func flush() {
            var carry = chunk
            for i in limbs.indices {
                let t = UInt64(limbs[i]) * scale + carry
                limbs[i] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            if carry != 0 { limbs.append(UInt32(truncatingIfNeeded: carry)) }
            chunk = 0
            scale = 1
        }
        for d in digits {
            let value: UInt8
            switch d {
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = d - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = d - UInt8(ascii: "A") + 10
            default: value = d &- UInt8(ascii: "0")
            }
            chunk = chunk * UInt64(radix) + UInt64(value)
            scale *= UInt64(radix)
            if scale >= 1 << 28 { flush() }
        }
        if scale > 1 { flush() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(limbs.count * 4)
        for limb in limbs {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: limb >> UInt32(shift))) }
        }
        while bytes.last == 0 { bytes.removeLast() }
        return bytes
    }

    /// Decimal digits of a little-endian base-256 magnitude ("0" when it is all zeros).
    /// Repeated division by 10^9 over 32-bit limbs.
    static func decimal(fromMagnitude magnitude: [UInt8]) -> String {
        var limbs: [UInt32] = []
        limbs.reserveCapacity((magnitude.count + 3) / 4)
        for start in stride(from: 0, to: magnitude.count, by: 4) {
            var limb: UInt32 = 0
            for (k, b) in magnitude[start..<min(start + 4, magnitude.count)].enumerated() {
                limb |= UInt32(b) << UInt32(8 * k)
            }
            limbs.append(limb)
        }
        while limbs.last == 0 { limbs.removeLast() }
        guard !limbs.isEmpty else { return "0" }
        var chunks: [UInt32] = []  // base 10^9, least significant first
        while !limbs.isEmpty {
            var rem: UInt64 = 0
            for i in limbs.indices.reversed() {
                let cur = rem << 32 | UInt64(limbs[i])
                limbs[i] = UInt32(truncatingIfNeeded: cur / 1_000_000_000)
                rem = cur % 1_000_000_000
            }
            chunks.append(UInt32(truncatingIfNeeded: rem))
            while limbs.last == 0 { limbs.removeLast() }
        }
        var out = String(chunks[chunks.count - 1])
        for chunk in chunks.dropLast().reversed() {
            let s = String(chunk)
            out += String(repeating: "0", count: 9 - s.count) + s
        }
        return out
    }

    // MARK: Functions

    /// `Function.init`'s default `localCount`: the text omits `.locals` when it matches.
    static func defaultLocalCount(params: Int, varargs: Bool, kwargs: Bool) -> UInt32 {
        UInt32(clamping: params + (varargs ? 1 : 0) + (kwargs ? 1 : 0))
    }
}
