/// One token of a line of Corral assembly: a bare word or a decoded string literal.
struct Token {
    enum Kind { case word, string }
    var kind: Kind
    /// The word's bytes, or the string's bytes after escapes.
    var bytes: [UInt8]
    /// 1-based column of the token's first byte, and of the byte just after it.
    var column: Int
    var endColumn: Int

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// How the token is shown in an error message (always printable ASCII).
    var display: String { kind == .word ? "'" + TextForm.escape(bytes) + "'" : TextForm.quote(bytes) }
}

/// Splits one line into tokens (grammar in TextForm.swift).
struct AssemblyLexer {
    let file: String
    let line: Int

    func error(_ message: String, at column: Int) -> AssembleError {
        AssembleError(file: file, line: line, column: column, message)
    }

    func tokens(_ text: ArraySlice<UInt8>) throws(AssembleError) -> [Token] {
        var tokens: [Token] = []
        var i = text.startIndex
        func column(_ j: Int) -> Int { j - text.startIndex + 1 }
        while i < text.endIndex {
            switch text[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                i += 1
            case UInt8(ascii: ";"):
                return tokens
            case UInt8(ascii: "\""):
                let start = i
                let bytes = try string(text, at: &i)
                tokens.append(Token(kind: .string, bytes: bytes, column: column(start), endColumn: column(i)))
            default:
                let start = i
                while i < text.endIndex, !Self.endsWord(text[i]) { i += 1 }
                tokens.append(Token(kind: .word, bytes: Array(text[start..<i]), column: column(start), endColumn: column(i)))
            }
        }
        return tokens
    }

    private static func endsWord(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: ";") || b == UInt8(ascii: "\"")
    }

    /// Reads the string literal whose opening quote is at `i`, leaving `i` after its closing quote.
    private func string(_ text: ArraySlice<UInt8>, at i: inout Int) throws(AssembleError) -> [UInt8] {
        let open = i
        func column(_ j: Int) -> Int { j - text.startIndex + 1 }
        var bytes: [UInt8] = []
        i += 1
        while i < text.endIndex {
            let b = text[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return bytes
            }
            guard b == UInt8(ascii: "\\") else {
                bytes.append(b)
                i += 1
                continue
            }
            guard i + 1 < text.endIndex else { break }
            switch text[i + 1] {
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "n"): bytes.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "t"): bytes.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "r"): bytes.append(UInt8(ascii: "\r"))
            case UInt8(ascii: "x"):
                guard i + 3 < text.endIndex, let hi = TextForm.hexValue(text[i + 2]), let lo = TextForm.hexValue(text[i + 3])
                else { throw error("\\x must be followed by two hex digits", at: column(i)) }
                bytes.append(hi << 4 | lo)
                i += 2
            case let e:
                throw error("unknown escape \\\(TextForm.escape([e])) (use \\\\ \\\" \\n \\t \\r or \\xHH)", at: column(i))
            }
            i += 2
        }
        throw error("unterminated string", at: column(open))
    }
}

/// The operands of one statement, read left to right; every reader names what it expected so
/// the error says so.
struct Operands {
    let tokens: [Token]
    let file: String
    let line: Int
    /// Index of the next unread token; token 0 is the directive or mnemonic.
    var next = 1

    var head: Token { tokens[0] }
    var hasMore: Bool { next < tokens.count }

    func error(_ message: String, at column: Int) -> AssembleError {
        AssembleError(file: file, line: line, column: column, message)
    }

    mutating func take(_ what: String) throws(AssembleError) -> Token {
        guard next < tokens.count else {
            throw error("missing \(what) after \(head.display)", at: tokens[tokens.count - 1].endColumn)
        }
        next += 1
        return tokens[next - 1]
    }

    /// Consumes the next token if it is the bare word `word`.
    mutating func optional(_ word: String) -> Bool {
        guard next < tokens.count, tokens[next].kind == .word, tokens[next].bytes.elementsEqual(word.utf8) else { return false }
        next += 1
        return true
    }

    mutating func word(_ what: String) throws(AssembleError) -> Token {
        let t = try take(what)
        guard t.kind == .word else { throw error("expected \(what), found the string \(t.display)", at: t.column) }
        return t
    }

    mutating func string(_ what: String) throws(AssembleError) -> [UInt8] {
        let t = try take(what)
        guard t.kind == .string else { throw error("expected \(what) as a quoted string, found \(t.display)", at: t.column) }
        return t.bytes
    }

    mutating func name(_ what: String) throws(AssembleError) -> String {
        let column = next < tokens.count ? tokens[next].column : 0
        let bytes = try string(what)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw error("\(what) is not valid UTF-8", at: column) }
        return s
    }

    mutating func u32(_ what: String) throws(AssembleError) -> UInt32 {
        let t = try word(what)
        switch TextForm.parseDecimal(t.bytes) {
        case .value(negative: false, magnitude: let m) where m <= UInt64(UInt32.max): return UInt32(m)
        case .value, .overflow: throw error("\(what) \(t.display) is out of range (0 to \(UInt32.max))", at: t.column)
        case .invalid: throw error("expected \(what) (an unsigned decimal), found \(t.display)", at: t.column)
        }
    }

    mutating func i64(_ what: String) throws(AssembleError) -> Int64 {
        let t = try word(what)
        switch TextForm.parseDecimal(t.bytes) {
        case .value(negative: false, magnitude: let m) where m <= UInt64(Int64.max): return Int64(m)
        case .value(negative: true, magnitude: let m) where m <= UInt64(Int64.max) + 1: return Int64(truncatingIfNeeded: 0 &- m)
        case .value, .overflow: throw error("\(what) \(t.display) is out of range for a 64-bit integer", at: t.column)
        case .invalid: throw error("expected \(what) (a decimal integer), found \(t.display)", at: t.column)
        }
    }

    /// Fails on anything left after the operands the statement takes.
    func finish() throws(AssembleError) {
        guard next < tokens.count else { return }
        throw error("unexpected operand \(tokens[next].display) for \(head.display)", at: tokens[next].column)
    }
}
