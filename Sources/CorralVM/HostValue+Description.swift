/// Starlark-style text for host values: what `corral exec` prints and what the conformance
/// corpus compares against.
extension HostValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return HostValue.formatFloat(d)
        case .string(let s): return HostValue.quote(s)
        case .bytes(let b): return "b" + HostValue.quote(String(decoding: b, as: UTF8.self))
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let items):
            return items.count == 1 ? "(\(items[0]),)" : "(" + items.map(\.description).joined(separator: ", ") + ")"
        case .dict(let entries):
            return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "+inf" }
        if d == d.rounded(), abs(d) < 1e16 {
            return String(Int64(d)) + ".0"
        }
        return String(d)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
