/// Why a run stopped abnormally. The raw values are stable words: the CLI prints them, the
/// store records them and users match on them.
public enum TrapReason: String, Sendable, CaseIterable {
    case outOfFuel = "out-of-fuel"
    case outOfMemory = "out-of-memory"
    case deadlineExceeded = "deadline-exceeded"
    case cancelled = "cancelled"
    case stackOverflow = "stack-overflow"
    case capabilityDenied = "capability-denied"
    case hostError = "host-error"
    case runtimeError = "runtime-error"
    /// The program called `fail`.
    case fail = "fail"

    /// Whether the same run can continue after the host fixes the cause (adds fuel).
    public var isResumable: Bool { self == .outOfFuel }
}

/// One frame of a trap's backtrace, innermost first.
public struct BacktraceFrame: Sendable, Equatable, CustomStringConvertible {
    public var function: String
    public var functionIndex: Int
    /// Instruction index in the module's (untranslated) code.
    public var pc: Int
    public var file: String?
    public var line: Int?
    public var column: Int?

    public var description: String {
        var s = "  at \(function)"
        if let line {
            s += " (\(file ?? "<module>"):\(line)"
            if let column, column > 0 { s += ":\(column)" }
            s += ")"
        } else {
            s += " (function \(functionIndex), pc \(pc))"
        }
        return s
    }
}

/// A run's abnormal end: a reason word, a message, and where.
public struct Trap: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: TrapReason
    public var message: String
    public var backtrace: [BacktraceFrame]

    public init(_ reason: TrapReason, _ message: String, backtrace: [BacktraceFrame] = []) {
        self.reason = reason
        self.message = message
        self.backtrace = backtrace
    }

    /// `reason: message` followed by the backtrace, one frame a line.
    public var description: String {
        ([reason.rawValue + ": " + message] + backtrace.map(\.description)).joined(separator: "\n")
    }

    static func runtime(_ message: String) -> Trap { Trap(.runtimeError, message) }
}
