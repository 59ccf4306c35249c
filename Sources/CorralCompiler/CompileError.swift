/// The one error type of the compiler: a syntax or resolve error at a place in the source.
///
/// It keeps the text of the offending line so that `rendered` can draw a caret under the column
/// without the caller having to keep the source around.
public struct CompileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which phase rejected the program. The raw values are stable words for tools and the store.
    public enum Kind: String, Sendable {
        /// The lexer or parser: the text is not a Starlark program.
        case syntax = "syntax-error"
        /// The resolver: the program is well formed but names or statements are misused.
        case resolve = "resolve-error"
    }

    public var kind: Kind
    public var message: String
    public var file: String
    /// 1-based line and column (the column counts Unicode scalars).
    public var line: Int
    public var column: Int
    /// The source line the error points into, without its line ending.
    public var sourceLine: String

    public init(kind: Kind, message: String, file: String, line: Int, column: Int, sourceLine: String = "") {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.sourceLine = sourceLine
    }

    /// `file:line:col: message`, as compilers and editors expect.
    public var description: String { "\(file):\(line):\(column): \(message)" }

    /// The description, then the source line and a caret under the column (tabs in the line
    /// are copied into the caret line so the caret lines up in a terminal).
    public var rendered: String {
        var caret = ""
        var remaining = column - 1
        for scalar in sourceLine.unicodeScalars {
            guard remaining > 0 else { break }
            caret.append(scalar == "\t" ? "\t" : " ")
            remaining -= 1
        }
        caret += String(repeating: " ", count: max(remaining, 0)) + "^"
        return "\(description)\n\(sourceLine)\n\(caret)"
    }
}
