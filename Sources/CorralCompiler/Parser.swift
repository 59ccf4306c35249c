/// A recursive-descent parser from tokens to a `SourceFile`, stopping at the first error.
///
/// The grammar and its corner cases follow the Go implementation (go.starlark.net/syntax), with
/// Corral's dialect: `while` is a statement. Recursion is bounded: every construct that nests
/// (brackets, blocks, unary operators, lambdas, conditional expressions and each suffix of a
/// `.name`/`[i]`/`(args)` chain) counts against `CompileLimits.nestingDepth`, and runs of binary
/// operators are parsed in a loop, so no input can overflow the native stack.
struct Parser {
    var lexer: Lexer
    /// The current (lookahead) token.
    var tok: Token
    var identifierCount = 0
    var functionCount = 0
    var depth = 0

    init(_ source: SourceText) throws(CompileError) {
        lexer = Lexer(source)
        tok = try lexer.next()
    }

    /// Parses a whole file.
    static func parse(_ text: String, file: String) throws(CompileError) -> SourceFile {
        let bytes = Array(text.utf8)
        let source = SourceText(file: file, bytes: bytes)
        guard bytes.count <= CompileLimits.sourceBytes else {
            throw source.error(
                .syntax, "source file is \(bytes.count) bytes, over the limit of \(CompileLimits.sourceBytes)",
                at: SourcePosition(line: 1, column: 1, offset: 0))
        }
        var parser = try Parser(source)
        return try parser.parseFile()
    }

    mutating func parseFile() throws(CompileError) -> SourceFile {
        var statements: [Statement] = []
        while tok.kind != .eof {
            if tok.kind == .newline {
                try advance()
                continue
            }
            try parseStatement(into: &statements)
        }
        return SourceFile(
            file: lexer.source.file, statements: statements, identifierCount: identifierCount,
            functionCount: functionCount)
    }

    // MARK: Tokens

    /// Moves to the next token and returns the one just left.
    @discardableResult
    mutating func advance() throws(CompileError) -> Token {
        let previous = tok
        tok = try lexer.next()
        return previous
    }

    /// Consumes a token of `kind` or fails with "unexpected X, expected Y".
    @discardableResult
    mutating func expect(_ kind: TokenKind, _ what: String? = nil) throws(CompileError) -> Token {
        guard tok.kind == kind else { throw unexpected(what ?? kind.display) }
        return try advance()
    }

    func error(_ message: String, at position: SourcePosition) -> CompileError {
        lexer.source.error(.syntax, message, at: position)
    }

    /// "unexpected <current token>, expected <what>".
    func unexpected(_ expected: String) -> CompileError {
        error("unexpected \(tok.display), expected \(expected)", at: tok.position)
    }

    // MARK: Nesting

    /// Enters one level of nesting at the current token; pair with `leave()`.
    mutating func enter() throws(CompileError) {
        depth += 1
        guard depth <= CompileLimits.nestingDepth else {
            throw error("program is nested too deeply (the limit is \(CompileLimits.nestingDepth) levels of brackets, blocks and expressions)", at: tok.position)
        }
    }

    mutating func leave() { depth -= 1 }

    // MARK: Names

    mutating func makeIdentifier(_ name: String, at position: SourcePosition) -> Identifier {
        defer { identifierCount += 1 }
        return Identifier(name: name, position: position, id: identifierCount)
    }

    /// An identifier token as a variable occurrence.
    mutating func parseIdentifier(_ what: String = "a name") throws(CompileError) -> Identifier {
        guard tok.kind == .identifier else { throw unexpected(what) }
        let t = try advance()
        return makeIdentifier(t.name, at: t.position)
    }

    mutating func makeFunctionID() -> Int {
        defer { functionCount += 1 }
        return functionCount
    }
}
