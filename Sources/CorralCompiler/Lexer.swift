/// Turns Starlark source into tokens, one at a time, as the parser asks for them.
///
/// It follows the Go implementation: indentation becomes INDENT/OUTDENT tokens (a tab advances
/// to the next multiple of 8 columns), newlines inside brackets and after a backslash are
/// ignored, blank and comment-only lines produce nothing, and the end of the file produces a
/// NEWLINE (if a line was open), the outstanding OUTDENTs, then EOF.
struct Lexer {
    let source: SourceText
    var bytes: [UInt8] { source.bytes }
    var pos = 0
    var line = 1
    var column = 1
    /// Open brackets: newlines inside them are not tokens and indentation is not measured.
    var depth = 0
    /// Columns of the open indented blocks; the first is always 0.
    var indents = [0]
    /// Pending INDENT (> 0) or OUTDENT (< 0) tokens.
    var pendingDents = 0
    var atLineStart = true
    /// Whether a token other than NEWLINE/INDENT/OUTDENT was produced since the last NEWLINE.
    var lineOpen = false

    init(_ source: SourceText) {
        self.source = source
    }

    var here: SourcePosition { SourcePosition(line: line, column: column, offset: pos) }
    var atEnd: Bool { pos >= bytes.count }

    func peek(_ ahead: Int = 0) -> UInt8 {
        let i = pos + ahead
        return i < bytes.count ? bytes[i] : 0
    }

    mutating func advance() {
        let b = bytes[pos]
        pos += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }

    func error(_ message: String, at position: SourcePosition) -> CompileError {
        source.error(.syntax, message, at: position)
    }

    /// Whether the bytes at `pos` are a line ending (`\n` or `\r\n`).
    var atNewline: Bool {
        peek() == UInt8(ascii: "\n") || (peek() == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n"))
    }

    mutating func skipNewline() {
        if peek() == UInt8(ascii: "\r") { advance() }
        advance()
    }

    /// The next token. After EOF it keeps returning EOF.
    mutating func next() throws(CompileError) -> Token {
        while true {
            var blank = false
            if atLineStart {
                atLineStart = false
                blank = try measureIndentation()
            }
            if pendingDents != 0 {
                let kind: TokenKind = pendingDents > 0 ? .indent : .outdent
                pendingDents += pendingDents > 0 ? -1 : 1
                return Token(kind: kind, position: here, end: pos)
            }
            // Spaces, tabs, form feeds and lone carriage returns separate tokens.
            while !atEnd {
                let c = peek()
                if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == 0x0C
                    || (c == UInt8(ascii: "\r") && peek(1) != UInt8(ascii: "\n"))
                {
                    advance()
                } else {
                    break
                }
            }
            if peek() == UInt8(ascii: "#") {
                while !atEnd && !atNewline { advance() }
            }
            if !atEnd && atNewline {
                atLineStart = true
                if depth > 0 || blank {
                    skipNewline()
                    continue
                }
                let start = here
                skipNewline()
                lineOpen = false
                return Token(kind: .newline, position: start, end: pos)
            }
            if atEnd {
                if lineOpen && depth == 0 {
                    lineOpen = false
                    return Token(kind: .newline, position: here, end: pos)
                }
                if indents.count > 1 {
                    pendingDents = 1 - indents.count
                    indents = [0]
                    continue
                }
                return Token(kind: .eof, position: here, end: pos)
            }
            if peek() == UInt8(ascii: "\\") {
                let start = here
                advance()
                guard !atEnd && atNewline else { throw error("stray backslash in program (a backslash may only end a line)", at: start) }
                skipNewline()
                continue
            }
            let token = try scanToken()
            lineOpen = true
            return token
        }
    }

    /// Reads the indentation of a new line and queues INDENT/OUTDENT tokens. Returns whether the
    /// line is blank (only white space or a comment), which leaves indentation unchanged.
    private mutating func measureIndentation() throws(CompileError) -> Bool {
        var col = 0
        while !atEnd {
            let c = peek()
            if c == UInt8(ascii: " ") {
                col += 1
            } else if c == UInt8(ascii: "\t") {
                col += 8 - col % 8
            } else if c == 0x0C || (c == UInt8(ascii: "\r") && peek(1) != UInt8(ascii: "\n")) {
                // Form feeds and lone carriage returns do not count as indentation.
            } else {
                break
            }
            advance()
        }
        if atEnd || peek() == UInt8(ascii: "#") || atNewline { return true }
        guard depth == 0 else { return false }
        let current = indents[indents.count - 1]
        if col > current {
            guard indents.count <= CompileLimits.nestingDepth else {
                throw error("too many levels of indentation (the limit is \(CompileLimits.nestingDepth))", at: here)
            }
            indents.append(col)
            pendingDents += 1
        } else if col < current {
            while col < indents[indents.count - 1] {
                indents.removeLast()
                pendingDents -= 1
            }
            if col != indents[indents.count - 1] {
                throw error("unindent does not match any outer indentation level", at: here)
            }
        }
        return false
    }

    private mutating func scanToken() throws(CompileError) -> Token {
        let start = here
        let c = peek()
        func single(_ kind: TokenKind) -> Token {
            advance()
            return Token(kind: kind, position: start, end: pos)
        }
        /// `op`, or `opEqual` when followed by `=`.
        func withEqual(_ plain: TokenKind, _ equal: TokenKind) -> Token {
            advance()
            if peek() == UInt8(ascii: "=") {
                advance()
                return Token(kind: equal, position: start, end: pos)
            }
            return Token(kind: plain, position: start, end: pos)
        }
        switch c {
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try scanString(start: start, raw: false, isBytes: false)
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
            guard depth <= CompileLimits.nestingDepth else {
                throw error("too many nested brackets (the limit is \(CompileLimits.nestingDepth))", at: start)
            }
            return single(c == UInt8(ascii: "(") ? .leftParen : c == UInt8(ascii: "[") ? .leftBracket : .leftBrace)
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            // An unmatched closer is left for the parser to report in context.
            depth = max(0, depth - 1)
            return single(c == UInt8(ascii: ")") ? .rightParen : c == UInt8(ascii: "]") ? .rightBracket : .rightBrace)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return try scanNumber(start: start)
        case UInt8(ascii: "."):
            if isDigit(peek(1)) { return try scanNumber(start: start) }
            return single(.dot)
        case UInt8(ascii: "="): return withEqual(.equal, .equalEqual)
        case UInt8(ascii: "+"): return withEqual(.plus, .plusEqual)
        case UInt8(ascii: "-"): return withEqual(.minus, .minusEqual)
        case UInt8(ascii: "%"): return withEqual(.percent, .percentEqual)
        case UInt8(ascii: "&"): return withEqual(.amp, .ampEqual)
        case UInt8(ascii: "|"): return withEqual(.pipe, .pipeEqual)
        case UInt8(ascii: "^"): return withEqual(.caret, .caretEqual)
        case UInt8(ascii: "~"): return single(.tilde)
        case UInt8(ascii: ":"): return single(.colon)
        case UInt8(ascii: ";"): return single(.semicolon)
        case UInt8(ascii: "!"):
            advance()
            guard peek() == UInt8(ascii: "=") else { throw error("unexpected character '!' (use 'not' for negation)", at: start) }
            advance()
            return Token(kind: .notEqual, position: start, end: pos)
        case UInt8(ascii: "*"):
            if peek(1) == UInt8(ascii: "*") {
                advance()
                return single(.starStar)
            }
            return withEqual(.star, .starEqual)
        case UInt8(ascii: "/"):
            if peek(1) == UInt8(ascii: "/") {
                advance()
                return withEqual(.slashSlash, .slashSlashEqual)
            }
            return withEqual(.slash, .slashEqual)
        case UInt8(ascii: "<"):
            if peek(1) == UInt8(ascii: "<") {
                advance()
                return withEqual(.lessLess, .lessLessEqual)
            }
            return withEqual(.less, .lessEqual)
        case UInt8(ascii: ">"):
            if peek(1) == UInt8(ascii: ">") {
                advance()
                return withEqual(.greaterGreater, .greaterGreaterEqual)
            }
            return withEqual(.greater, .greaterEqual)
        default:
            return try scanWord(start: start)
        }
    }

    /// An identifier, keyword, or a string/bytes literal with an `r`, `b`, `rb` or `br` prefix.
    private mutating func scanWord(start: SourcePosition) throws(CompileError) -> Token {
        let quote = { (b: UInt8) in b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") }
        let c0 = peek(), c1 = peek(1)
        if c0 == UInt8(ascii: "r") && quote(c1) {
            advance()
            return try scanString(start: start, raw: true, isBytes: false)
        }
        if c0 == UInt8(ascii: "b") && quote(c1) {
            advance()
            return try scanString(start: start, raw: false, isBytes: true)
        }
        if (c0 == UInt8(ascii: "r") && c1 == UInt8(ascii: "b") || c0 == UInt8(ascii: "b") && c1 == UInt8(ascii: "r"))
            && quote(peek(2))
        {
            advance()
            advance()
            return try scanString(start: start, raw: true, isBytes: true)
        }
        let begin = pos
        while !atEnd {
            let (scalar, length) = decodeScalar(at: pos)
            let ok = pos == begin ? isIdentifierStart(scalar) : isIdentifierContinue(scalar)
            guard ok else { break }
            for _ in 0..<length { advance() }
        }
        guard pos > begin else {
            let (scalar, _) = decodeScalar(at: pos)
            throw error("unexpected character '\(String(Character(scalar)))' (U+\(hex(scalar.value)))", at: start)
        }
        guard pos - begin <= CompileLimits.identifierBytes else {
            throw error("identifier is longer than \(CompileLimits.identifierBytes) bytes", at: start)
        }
        let word = String(decoding: bytes[begin..<pos], as: UTF8.self)
        if let keyword = TokenKind.keywords[word] {
            return Token(kind: keyword, position: start, end: pos)
        }
        if TokenKind.reserved.contains(word) {
            if word == "is" {
                throw error("'is' is not a Starlark operator (use == to compare values)", at: start)
            }
            throw error("'\(word)' is a reserved word and cannot be used as an identifier", at: start)
        }
        return Token(kind: .identifier, position: start, end: pos, value: .name(word))
    }

    /// The scalar at byte offset `i` and its length in bytes (the source is valid UTF-8).
    func decodeScalar(at i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(bytes[i])
        let length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
        guard i + length <= bytes.count else { return ("\u{FFFD}", 1) }
        var value: UInt32
        switch length {
        case 1: value = b0
        case 2: value = b0 & 0x1F
        case 3: value = b0 & 0x0F
        default: value = b0 & 0x07
        }
        for k in 1..<length { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}

func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

func isIdentifierStart(_ s: Unicode.Scalar) -> Bool {
    if s.isASCII {
        let v = s.value
        return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || v == 0x5F
    }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
}

func isIdentifierContinue(_ s: Unicode.Scalar) -> Bool {
    isIdentifierStart(s) || (s.value >= 0x30 && s.value <= 0x39)
}

func hex(_ value: UInt32) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
}

extension Lexer {
    /// All tokens of `text` up to and including EOF (for tests and tools; the parser pulls).
    static func tokenize(_ text: String, file: String = "<test>") throws(CompileError) -> [Token] {
        var lexer = Lexer(SourceText(file: file, bytes: Array(text.utf8)))
        var tokens: [Token] = []
        repeat { tokens.append(try lexer.next()) } while tokens.last!.kind != .eof
        return tokens
    }
}
