/// A native function's C signature as a policy writes it: `int64(string, double)`.
///
/// Types: `int64`, `int32`, `double`, `bool`, `string` (an argument: a NUL-terminated UTF-8
/// `const char *` the host owns for the call; a result: a `char *` the plugin allocated, copied
/// and then given to the policy's `free` function), and `void` (results only).
public struct NativeSignature: Sendable, Equatable, CustomStringConvertible {
    public enum CType: String, Sendable, Equatable {
        case int64, int32, double, bool, string, void
    }

    public var result: CType
    public var parameters: [CType]

    /// Most parameters a native function may take.
    public static let maxParameters = 16

    public init(result: CType, parameters: [CType]) {
        self.result = result
        self.parameters = parameters
    }

    public var description: String { "\(result.rawValue)(\(parameters.map(\.rawValue).joined(separator: ", ")))" }

    /// Parses `text`, or says what is wrong with it.
    public static func parse(_ text: String) -> Result<NativeSignature, NativeBindError> {
        func fail(_ why: String) -> Result<NativeSignature, NativeBindError> {
            .failure(NativeBindError("signature \"\(text)\": \(why)"))
        }
        let compact = text.filter { !$0.isWhitespace }
        guard let open = compact.firstIndex(of: "("), compact.hasSuffix(")") else { return fail("want RESULT(TYPE, …)") }
        guard let result = CType(rawValue: String(compact[..<open])) else {
            return fail("unknown result type \"\(compact[..<open])\" (int64, int32, double, bool, string, void)")
        }
        let inside = compact[compact.index(after: open)..<compact.index(before: compact.endIndex)]
        var parameters: [CType] = []
        if !inside.isEmpty {
            for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
                guard let t = CType(rawValue: String(part)), t != .void else {
                    return fail("unknown parameter type \"\(part)\" (int64, int32, double, bool, string)")
                }
                parameters.append(t)
            }
        }
        guard parameters.count <= maxParameters else { return fail("more than \(maxParameters) parameters") }
        return .success(NativeSignature(result: result, parameters: parameters))
    }
}

/// A native grant that cannot be bound: a library that does not open, a missing symbol, a
/// signature Corral does not support. The CLI reports it as a link error.
public struct NativeBindError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
