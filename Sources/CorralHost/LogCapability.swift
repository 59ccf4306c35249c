import CorralVM
import Synchronization

/// A line an agent logs with `log.info(message, fields)` (or `warn`, `error`): captured with
/// the run, never written where the agent could read it back.
public struct LogLine: Sendable, Equatable {
    public var level: String
    public var message: String
    /// A dict of structured fields, or None.
    public var fields: HostValue

    public init(level: String, message: String, fields: HostValue = .none) {
        self.level = level
        self.message = message
        self.fields = fields
    }

    /// One line of text: `info: message {"k": 1}`.
    public var text: String {
        let extra = fields == .none ? "" : " " + ((try? HostValueJSON.encode(fields)) ?? "\(fields)")
        return "\(level): \(message)\(extra)"
    }
}

/// `log`: structured lines, captured with the run.
enum LogCapability {
    /// Longest message kept; longer ones are cut (the quota on bytes out bounds the rest).
    static let maxMessageBytes = 64 << 10

    static func call(_ name: String, _ arguments: [String: HostValue], context: RunContext) throws(HostError) -> HostValue {
        guard case .string(var message) = arguments["message"] ?? .none else {
            throw HostError("message must be a string")
        }
        if message.utf8.count > maxMessageBytes {
            message = String(decoding: message.utf8.prefix(maxMessageBytes), as: UTF8.self)
        }
        let fields = arguments["fields"] ?? .none
        switch fields {
        case .none, .dict: break
        default: throw HostError("fields must be a dict")
        }
        context.log(LogLine(level: name, message: message, fields: fields))
        return .none
    }
}

/// A run's log lines (and, where a caller keeps them, its `print` output as lines of level
/// `print`), in order, for the store.
public final class RunLog: Sendable {
    private struct State {
        var lines: [LogLine] = []
        var prints = 0
    }
    private let state = Mutex(State())
    /// `print` lines kept; the rest are counted in one last line.
    public let maxPrints: Int

    public init(maxPrints: Int = 200) { self.maxPrints = maxPrints }

    public func log(_ line: LogLine) { state.withLock { $0.lines.append(line) } }

    public func print(_ text: String) {
        state.withLock { s in
            s.prints += 1
            if s.prints <= maxPrints { s.lines.append(LogLine(level: "print", message: String(text.prefix(4096)))) }
        }
    }

    public var all: [LogLine] {
        state.withLock { s in
            var out = s.lines
            if s.prints > maxPrints { out.append(LogLine(level: "print", message: "(\(s.prints - maxPrints) more print lines dropped)")) }
            return out
        }
    }
}
