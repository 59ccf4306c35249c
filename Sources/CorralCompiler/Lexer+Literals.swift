import CorralBytecode

/// String, bytes and number literals.
extension Lexer {
    /// A string or bytes literal whose opening quote is at `pos` (any prefix already consumed).
    /// Escapes are decoded here, so the token carries the literal's value.
    mutating func scanString(start: SourcePosition, raw: Bool, isBytes: Bool) throws(CompileError) -> Token {
        let quote = peek()
        let triple = peek(1) == quote && peek(2) == quote
        for _ in 0..<(triple ? 3 : 1) { advance() }
        var out: [UInt8] = []
        let what = isBytes ? "bytes" : "string"
        while true {
            guard out.count <= CompileLimits.stringLiteralBytes else {
                throw error("\(what) literal is longer than \(CompileLimits.stringLiteralBytes) bytes", at: start)
            }
            guard !atEnd else { throw error("unterminated \(what) literal", at: start) }
            let c = peek()
            if c == quote {
                if !triple {
                    advance()
                    break
                }
                if peek(1) == quote && peek(2) == quote {
                    for _ in 0..<3 { advance() }
                    break
                }
                out.append(c)
                advance()
                continue
            }
            if atNewline || c == UInt8(ascii: "\r") {
                guard triple else {
                    throw error("unexpected newline in \(what) literal (use \\n, or a triple-quoted literal)", at: here)
                }
                // Any line ending in a multi-line literal denotes a line feed.
                if c == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") { advance() }
                advance()
                out.append(UInt8(ascii: "\n"))
                continue
            }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                advance()
                continue
            }
            let escape = here
            advance()
            guard !atEnd else { throw error("unterminated \(what) literal", at: start) }
            if raw {
                // In a raw literal a backslash is itself; it only keeps the next character
                // (a quote or a line ending) from ending the literal.
                out.append(UInt8(ascii: "\\"))
                if atNewline {
                    skipNewline()
                    out.append(UInt8(ascii: "\n"))
                } else {
                    out.append(peek())
                    advance()
                }
                continue
            }
            try decodeEscape(into: &out, escape: escape)
        }
        return Token(kind: isBytes ? .bytes : .string, position: start, end: pos, value: .text(out))
    }

    /// One escape sequence; `pos` is just past the backslash at `escape`.
    private mutating func decodeEscape(into out: inout [UInt8], escape: SourcePosition) throws(CompileError) {
        let e = peek()
        if atNewline {
            skipNewline()  // an escaped line ending is ignored
            return
        }
        let simple: UInt8? =
            switch e {
            case UInt8(ascii: "a"): 0x07
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            case UInt8(ascii: "v"): 0x0B
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): e
            default: nil
            }
        if let simple {
            advance()
            out.append(simple)
            return
        }
        switch e {
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            // Octal: one to three digits. Values above 255 are an error rather than Python's
            // silent truncation. Corral strings are byte strings, so 128-255 are allowed in
            // strings as well as bytes (as in the Go implementation these tests come from).
            var value = 0
            var digits = ""
            while digits.count < 3 && peek() >= UInt8(ascii: "0") && peek() <= UInt8(ascii: "7") {
                value = value * 8 + Int(peek() - UInt8(ascii: "0"))
                digits.append(Character(Unicode.Scalar(peek())))
                advance()
            }
            guard value <= 255 else { throw error("invalid escape sequence \\\(digits): octal value above \\377", at: escape) }
            out.append(UInt8(value))
        case UInt8(ascii: "x"):
            advance()
            guard let value = hexDigits(2), value <= 255 else {
                throw error("invalid escape sequence: \\x must be followed by exactly two hexadecimal digits", at: escape)
            }
            out.append(UInt8(value))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = e == UInt8(ascii: "u") ? 4 : 8
            advance()
            guard let value = hexDigits(count) else {
                throw error("invalid escape sequence: \\\(Character(Unicode.Scalar(e))) must be followed by exactly \(count) hexadecimal digits", at: escape)
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error("invalid escape sequence: U+\(hex(value)) is not a valid Unicode code point", at: escape)
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            let (scalar, _) = decodeScalar(at: pos)
            throw error("invalid escape sequence \\\(String(Character(scalar))) (write \\\\ for a backslash)", at: escape)
        }
    }

    /// Exactly `count` hexadecimal digits, or nil (consuming only the digits it found).
    private mutating func hexDigits(_ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let d = digitValue(peek()), d < 16 else { return nil }
            value = value << 4 | UInt32(d)
            advance()
        }
        return value
    }

    /// An int or float literal starting at `pos` (a digit, or a '.' followed by a digit).
    mutating func scanNumber(start: SourcePosition) throws(CompileError) -> Token {
        let begin = pos
        var isFloat = false
        var radix = 10
        var digitsStart = pos
        func skipDigits(_ radix: Int) {
            while let d = digitValue(peek()), d < radix { advance() }
        }
        if peek() == UInt8(ascii: "0"), let prefix = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][peek(1) | 0x20] {
            radix = prefix
            advance()
            advance()
            digitsStart = pos
            skipDigits(radix)
            guard pos > digitsStart else {
                let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
                throw error("invalid \(name) literal: no digits after the prefix", at: start)
            }
        } else {
            skipDigits(10)
            if peek() == UInt8(ascii: ".") {
                isFloat = true
                advance()
                skipDigits(10)
            }
            if peek() | 0x20 == UInt8(ascii: "e") {
                isFloat = true
                advance()
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { advance() }
                let exponent = pos
                skipDigits(10)
                guard pos > exponent else { throw error("invalid float literal: the exponent has no digits", at: start) }
            }
        }
        if !atEnd {
            let (scalar, _) = decodeScalar(at: pos)
            if isIdentifierContinue(scalar) {
                throw error("invalid \(isFloat ? "float" : "int") literal: unexpected '\(String(Character(scalar)))' after the number", at: start)
            }
        }
        let text = bytes[begin..<pos]
        if isFloat {
            guard let value = Double(String(decoding: text, as: UTF8.self)) else {
                throw error("invalid float literal", at: start)
            }
            guard value.isFinite else { throw error("float literal is too large to be a finite float", at: start) }
            return Token(kind: .float, position: start, end: pos, value: .float(value))
        }
        let digits = bytes[digitsStart..<pos]
        if radix == 10 && digits.count > 1 && digits.first == UInt8(ascii: "0") && digits.contains(where: { $0 != UInt8(ascii: "0") }) {
            throw error("invalid int literal: leading zeros are not allowed (write 0o\(String(decoding: digits.dropFirst(), as: UTF8.self)) for octal)", at: start)
        }
        guard digits.count <= CompileLimits.intLiteralDigits else {
            throw error("int literal has more than \(CompileLimits.intLiteralDigits) digits", at: start)
        }
        return Token(kind: .int, position: start, end: pos, value: .int(intLiteral(digits, radix: radix)))
    }
}

/// The value of an ASCII digit in any radix up to 16, or nil.
func digitValue(_ c: UInt8) -> Int? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A")) + 10
    default: nil
    }
}

/// The value of valid `digits` in `radix`: an Int64 when it fits, else a big-int magnitude.
func intLiteral(_ digits: ArraySlice<UInt8>, radix: Int) -> IntLiteral {
    var small: UInt64 = 0
    var fits = true
    for c in digits {
        let (m, o1) = small.multipliedReportingOverflow(by: UInt64(radix))
        let (s, o2) = m.addingReportingOverflow(UInt64(digitValue(c)!))
        if o1 || o2 {
            fits = false
            break
        }
        small = s
    }
    if fits && small <= UInt64(Int64.max) { return .int(Int64(small)) }
    return .big(magnitude: TextForm.magnitude(fromDigits: digits, radix: radix))
}
