import CorralHost

/// A JSON answer under construction. Stored JSON (a run's input and result) goes in as
/// `.raw`, so it is neither parsed nor re-encoded on the way out.
indirect enum JSONOut: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// Text that is already JSON.
    case raw(String)
    case array([JSONOut])
    /// Keys in the order given.
    case object([(String, JSONOut)])

    static func optional(_ s: String?) -> JSONOut { s.map(JSONOut.string) ?? .null }
    static func optional(_ d: Double?) -> JSONOut { d.map(JSONOut.double) ?? .null }

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? String(d) : "null"
        case .string(let s): HostValueJSON.quote(s, into: &out)
        case .raw(let r): out += r
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += ", " }
                HostValueJSON.quote(key, into: &out)
                out += ": "
                value.write(to: &out)
            }
            out += "}"
        }
    }
}
