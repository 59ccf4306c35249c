/// The kinds of Starlark token. Literal and identifier tokens carry their value in
/// `Token.value`; the rest are fully described by their kind.
enum TokenKind: Sendable, Hashable {
    case eof, newline, indent, outdent
    case identifier, int, float, string, bytes
    // Punctuation.
    case plus, minus, star, slash, slashSlash, percent, starStar
    case tilde, amp, pipe, caret, lessLess, greaterGreater
    case dot, comma, equal, semicolon, colon
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case less, greater, greaterEqual, lessEqual, equalEqual, notEqual
    case plusEqual, minusEqual, starEqual, slashEqual, slashSlashEqual, percentEqual
    case ampEqual, pipeEqual, caretEqual, lessLessEqual, greaterGreaterEqual
    // Keywords.
    case kwAnd, kwBreak, kwContinue, kwDef, kwElif, kwElse, kwFor, kwIf, kwIn, kwLambda
    case kwLoad, kwNot, kwOr, kwPass, kwReturn, kwWhile

    /// How an error message names the token: `')'`, `'for'`, `newline`, `identifier`.
    var display: String {
        switch self {
        case .eof: "end of file"
        case .newline: "newline"
        case .indent: "indentation"
        case .outdent: "end of indented block"
        case .identifier: "identifier"
        case .int: "int literal"
        case .float: "float literal"
        case .string: "string literal"
        case .bytes: "bytes literal"
        default: "'\(spelling)'"
        }
    }

    /// The source text of a punctuation or keyword token.
    var spelling: String {
        switch self {
        case .plus: "+"
        case .minus: "-"
        case .star: "*"
        case .slash: "/"
        case .slashSlash: "//"
        case .percent: "%"
        case .starStar: "**"
        case .tilde: "~"
        case .amp: "&"
        case .pipe: "|"
        case .caret: "^"
        case .lessLess: "<<"
        case .greaterGreater: ">>"
        case .dot: "."
        case .comma: ","
        case .equal: "="
        case .semicolon: ";"
        case .colon: ":"
        case .leftParen: "("
        case .rightParen: ")"
        case .leftBracket: "["
        case .rightBracket: "]"
        case .leftBrace: "{"
        case .rightBrace: "}"
        case .less: "<"
        case .greater: ">"
        case .greaterEqual: ">="
        case .lessEqual: "<="
        case .equalEqual: "=="
        case .notEqual: "!="
        case .plusEqual: "+="
        case .minusEqual: "-="
        case .starEqual: "*="
        case .slashEqual: "/="
        case .slashSlashEqual: "//="
        case .percentEqual: "%="
        case .ampEqual: "&="
        case .pipeEqual: "|="
        case .caretEqual: "^="
        case .lessLessEqual: "<<="
        case .greaterGreaterEqual: ">>="
        case .kwAnd: "and"
        case .kwBreak: "break"
        case .kwContinue: "continue"
        case .kwDef: "def"
        case .kwElif: "elif"
        case .kwElse: "else"
        case .kwFor: "for"
        case .kwIf: "if"
        case .kwIn: "in"
        case .kwLambda: "lambda"
        case .kwLoad: "load"
        case .kwNot: "not"
        case .kwOr: "or"
        case .kwPass: "pass"
        case .kwReturn: "return"
        case .kwWhile: "while"
        case .eof, .newline, .indent, .outdent, .identifier, .int, .float, .string, .bytes: ""
        }
    }

    static let keywords: [String: TokenKind] = [
        "and": .kwAnd, "break": .kwBreak, "continue": .kwContinue, "def": .kwDef, "elif": .kwElif,
        "else": .kwElse, "for": .kwFor, "if": .kwIf, "in": .kwIn, "lambda": .kwLambda, "load": .kwLoad,
        "not": .kwNot, "or": .kwOr, "pass": .kwPass, "return": .kwReturn, "while": .kwWhile,
    ]

    /// Words the spec reserves for possible future keywords; using one is a syntax error.
    /// `while` is a keyword in Corral's dialect, and `assert`, reserved by the spec, is left
    /// usable as in the Go implementation (its test suite calls `assert.eq` everywhere).
    static let reserved: Set<String> = [
        "as", "async", "await", "class", "del", "except", "finally", "from", "global", "import", "is",
        "nonlocal", "raise", "try", "with", "yield",
    ]
}

/// An integer literal's value: a 64-bit int when it fits, else the magnitude of a big int in
/// the form of `Constant.bigInt` (little-endian bytes, no trailing zeros). Literals are never
/// negative: `-5` is unary minus applied to `5`.
public enum IntLiteral: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case big(magnitude: [UInt8])

    /// Decimal for small values, `0x…` for big ones (exact and cheap to print).
    public var description: String {
        switch self {
        case .int(let n): return String(n)
        case .big(let magnitude):
            let digits = Array("0123456789abcdef")
            var text = ""
            for (i, byte) in magnitude.reversed().enumerated() {
                if i > 0 || byte >> 4 != 0 { text.append(digits[Int(byte >> 4)]) }
                text.append(digits[Int(byte & 15)])
            }
            return "0x" + text
        }
    }
}

/// What a token carries besides its kind.
enum TokenValue: Sendable, Equatable {
    case none
    case name(String)
    case int(IntLiteral)
    case float(Double)
    /// The decoded contents of a string or bytes literal.
    case text([UInt8])
}

/// One token: its kind, where it starts and ends, and its value.
struct Token: Sendable, Equatable {
    var kind: TokenKind
    var position: SourcePosition
    /// Byte offset just past the token.
    var end: Int
    var value: TokenValue = .none

    var name: String {
        if case .name(let n) = value { return n }
        return ""
    }

    /// How an error message names this token: the kind, plus the name of an identifier.
    var display: String {
        if kind == .identifier { return "identifier '\(name)'" }
        return kind.display
    }
}
