/// Why a text is not Corral assembly, and where: printed as `file:line:column: message` so
/// editors and terminals can jump to it.
///
/// `line` and `column` are 1-based; the column counts bytes of the line's UTF-8.
public struct AssembleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name passed to `Assembler.assemble(_:file:)`.
    public var file: String
    public var line: Int
    public var column: Int
    /// What was wrong, in words; the position is not repeated here.
    public var message: String

    public init(file: String, line: Int, column: Int, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}
