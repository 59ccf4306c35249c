/// Where something is in a source file. Every token, AST node and error carries one, so a
/// diagnostic or a backtrace can point at the exact spot.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars (a tab counts as one).
    public var column: Int
    /// 0-based byte offset into the UTF-8 source.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool { a.offset < b.offset }

    public var description: String { "\(line):\(column)" }
}

/// A source file's bytes and name: what the lexer reads and what errors quote.
struct SourceText: Sendable {
    let file: String
    let bytes: [UInt8]

    /// The text of the line containing `offset`, without its line ending.
    func lineText(containing offset: Int) -> String {
        var start = min(max(offset, 0), bytes.count)
        while start > 0 && bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    func error(_ kind: CompileError.Kind, _ message: String, at position: SourcePosition) -> CompileError {
        CompileError(
            kind: kind, message: message, file: file, line: position.line, column: position.column,
            sourceLine: lineText(containing: position.offset))
    }
}
