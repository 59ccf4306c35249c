import BigInt
import CorralVM

/// JSON to and from `HostValue`: `corral run`'s `--input` and printed result, values kept in
/// `kv`, audit digests and recorded answers.
///
/// A small strict parser of its own rather than Foundation's: object keys keep their order
/// (Starlark dicts are ordered, and the same input must give the same run everywhere),
/// integers of any size stay exact, and nesting is bounded so hostile input cannot exhaust the
/// native stack.
public enum HostValueJSON {
    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "at byte \(offset): \(message)" }
    }

    /// Deepest nesting of arrays and objects accepted.
    public static let maxDepth = 512

    public static func parse(_ text: String) throws(ParseError) -> HostValue {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.at == p.bytes.count else { throw p.fail("unexpected text after the value") }
        return v
    }

    public struct EncodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Compact JSON; tuples become arrays. Dict keys must be strings, floats finite.
    public static func encode(_ v: HostValue) throws(EncodeError) -> String {
        var out = ""
        try encode(v, into: &out, depth: 0)
        return out
    }

    private static func encode(_ v: HostValue, into out: inout String, depth: Int) throws(EncodeError) {
        guard depth < maxDepth else { throw EncodeError(description: "result nested deeper than \(maxDepth)") }
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d):
            guard d.isFinite else { throw EncodeError(description: "cannot encode \(d) as JSON") }
            out += d == d.rounded() && abs(d) < 1e16 ? wholeFloat(d) : "\(d)"
        case .string(let s): quote(s, into: &out)
        case .bytes(let b): throw EncodeError(description: "cannot encode bytes (\(b.count) long) as JSON")
        case .list(let items), .tuple(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                try encode(item, into: &out, depth: depth + 1)
            }
            out += "]"
        case .dict(let entries):
            out += "{"
            for (i, e) in entries.enumerated() {
                guard case .string(let key) = e.key else {
                    throw EncodeError(description: "cannot encode a dict with a non-string key as JSON")
                }
                if i > 0 { out += ", " }
                quote(key, into: &out)
                out += ": "
                try encode(e.value, into: &out, depth: depth + 1)
            }
            out += "}"
        }
    }

    /// `1.0` for a whole float (so it reads back as a float), else Swift's shortest form.
    private static func wholeFloat(_ d: Double) -> String {
        (d.sign == .minus && d == 0 ? "-" : "") + String(Int64(d)) + ".0"
    }

    /// `s` as a JSON string literal, appended to `out`.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0

        func fail(_ message: String) -> ParseError { ParseError(offset: at, message: message) }

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        }

        mutating func value(depth: Int) throws(ParseError) -> HostValue {
            guard at < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[at] {
            case UInt8(ascii: "{"):
                guard depth < HostValueJSON.maxDepth else { throw fail("nested deeper than \(HostValueJSON.maxDepth)") }
                at += 1
                var entries: [HostValueEntry] = []
                var indexByKey: [String: Int] = [:]
                skipSpace()
                if at < bytes.count && bytes[at] == UInt8(ascii: "}") {
                    at += 1
                    return .dict(entries)
                }
                while true {
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    let v = try value(depth: depth + 1)
                    // A repeated key keeps its first position and its last value.
                    if let i = indexByKey[key] {
                        entries[i].value = v
                    } else {
                        indexByKey[key] = entries.count
                        entries.append(HostValueEntry(.string(key), v))
                    }
                    skipSpace()
                    if try endOrComma("}") { return .dict(entries) }
                }
            case UInt8(ascii: "["):
                guard depth < HostValueJSON.maxDepth else { throw fail("nested deeper than \(HostValueJSON.maxDepth)") }
                at += 1
                var items: [HostValue] = []
                skipSpace()
                if at < bytes.count && bytes[at] == UInt8(ascii: "]") {
                    at += 1
                    return .list(items)
                }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if try endOrComma("]") { return .list(items) }
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try word("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try word("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try word("null")
                return .none
            default:
                return try number()
            }
        }

        mutating func expect(_ c: Character) throws(ParseError) {
            guard at < bytes.count, bytes[at] == c.asciiValue! else { throw fail("expected '\(c)'") }
            at += 1
        }

        /// After an element: true at the closing bracket, false after a comma.
        mutating func endOrComma(_ close: Character) throws(ParseError) -> Bool {
            guard at < bytes.count else { throw fail("unexpected end of input") }
            if bytes[at] == close.asciiValue! {
                at += 1
                return true
            }
            guard bytes[at] == UInt8(ascii: ",") else { throw fail("expected ',' or '\(close)'") }
            at += 1
            return false
        }

        mutating func word(_ w: String) throws(ParseError) {
            let u = Array(w.utf8)
            guard at + u.count <= bytes.count, Array(bytes[at..<at + u.count]) == u else { throw fail("unexpected character") }
            at += u.count
        }

        mutating func number() throws(ParseError) -> HostValue {
            let start = at
            if at < bytes.count && bytes[at] == UInt8(ascii: "-") { at += 1 }
            var isFloat = false
            var digits = 0
            while at < bytes.count {
                let c = bytes[at]
                if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    digits += 1
                } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || ((c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && isFloat)
                {
                    isFloat = true
                } else {
                    break
                }
                at += 1
            }
            guard digits > 0 else {
                at = start
                throw fail("unexpected character")
            }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            if isFloat {
                guard let d = Double(text), d.isFinite else { throw ParseError(offset: start, message: "bad number \(text)") }
                return .float(d)
            }
            guard let i = BigInt(text) else { throw ParseError(offset: start, message: "bad number \(text)") }
            return .int(i)
        }

        mutating func string() throws(ParseError) -> String {
            at += 1
            var out: [UInt8] = []
            while true {
                guard at < bytes.count else { throw fail("unterminated string") }
                let c = bytes[at]
                at += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { throw fail("unterminated string") }
                    let e = bytes[at]
                    at += 1
                    switch e {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if scalar >= 0xD800 && scalar < 0xDC00, at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"),
                            bytes[at + 1] == UInt8(ascii: "u")
                        {
                            at += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw fail("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        out.append(contentsOf: Array(String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8))
                    default: throw fail("invalid escape")
                    }
                default:
                    guard c >= 0x20 else { throw fail("control character in string") }
                    out.append(c)
                }
            }
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
                throw fail("invalid \\u escape")
            }
            at += 4
            return v
        }
    }
}
