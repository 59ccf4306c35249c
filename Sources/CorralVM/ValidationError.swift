import CorralBytecode

/// Why a decoded module may not run, and where: function index and instruction index (pc),
/// or the section when the problem is module-level.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var function: Int?
    public var pc: Int?
    public var message: String

    public init(function: Int? = nil, pc: Int? = nil, _ message: String) {
        self.function = function
        self.pc = pc
        self.message = message
    }

    public var description: String {
        guard let function else { return message }
        if let pc { return "\(message) (function \(function), pc \(pc))" }
        return "\(message) (function \(function))"
    }
}

/// Decoding or validation failed: the one error `ValidatedModule.load` throws.
public enum LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    case decode(DecodeError)
    case validation(ValidationError)

    public var description: String {
        switch self {
        case .decode(let e): return "malformed module: \(e)"
        case .validation(let e): return "invalid module: \(e)"
        }
    }
}
