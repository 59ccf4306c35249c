/// Why a byte string is not a well-formed module, and where.
///
/// `offset` is the byte offset in the input where the problem was found; `function` and `pc`
/// are set when the problem is inside a function body.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var function: Int?
    public var pc: Int?
    public var message: String

    public init(offset: Int, function: Int? = nil, pc: Int? = nil, _ message: String) {
        self.offset = offset
        self.function = function
        self.pc = pc
        self.message = message
    }

    public var description: String {
        var where_ = "at byte \(offset)"
        if let function { where_ += ", function \(function)" }
        if let pc { where_ += ", pc \(pc)" }
        return "\(message) (\(where_))"
    }
}
