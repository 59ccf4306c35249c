/// A compact canonical text form of the tree, for tests and debugging: one statement per line,
/// two-space indentation, every operator run and conditional in parentheses, strings in
/// double quotes with escapes. Two trees print the same exactly when they have the same shape.
extension SourceFile: CustomStringConvertible {
    public var description: String {
        var out = ""
        Statement.dump(statements, indent: "", into: &out)
        return out
    }
}

extension Statement: CustomStringConvertible {
    public var description: String {
        var out = ""
        Statement.dump([self], indent: "", into: &out)
        return out
    }

    static func dump(_ statements: [Statement], indent: String, into out: inout String) {
        for s in statements { s.dump(indent: indent, into: &out) }
    }

    func dump(indent: String, into out: inout String) {
        let inner = indent + "  "
        switch kind {
        case .expression(let e): out += "\(indent)\(e)\n"
        case .assign(let target, let value): out += "\(indent)\(target) = \(value)\n"
        case .augmentedAssign(let target, let op, let value): out += "\(indent)\(target) \(op.rawValue)= \(value)\n"
        case .def(let name, let f):
            out += "\(indent)def \(name.name)(\(f.parameters.map(\.description).joined(separator: ", "))):\n"
            Statement.dump(f.body, indent: inner, into: &out)
        case .if(let s):
            for (i, branch) in s.branches.enumerated() {
                out += "\(indent)\(i == 0 ? "if" : "elif") \(branch.condition):\n"
                Statement.dump(branch.body, indent: inner, into: &out)
            }
            if let otherwise = s.otherwise {
                out += "\(indent)else:\n"
                Statement.dump(otherwise, indent: inner, into: &out)
            }
        case .for(let variables, let iterable, let body):
            out += "\(indent)for \(variables) in \(iterable):\n"
            Statement.dump(body, indent: inner, into: &out)
        case .while(let condition, let body):
            out += "\(indent)while \(condition):\n"
            Statement.dump(body, indent: inner, into: &out)
        case .break: out += "\(indent)break\n"
        case .continue: out += "\(indent)continue\n"
        case .pass: out += "\(indent)pass\n"
        case .return(let value): out += "\(indent)return\(value.map { " \($0)" } ?? "")\n"
        case .load(let load):
            let names = load.bindings.map { b in
                b.local.name == b.exported.name ? quote(Array(b.local.name.utf8)) : "\(b.local.name)=\(quote(Array(b.exported.name.utf8)))"
            }
            out += "\(indent)load(\(([quote(Array(load.module.utf8))] + names).joined(separator: ", ")))\n"
        }
    }
}

extension Parameter: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .required(let id): id.name
        case .optional(let id, let value): "\(id.name)=\(value)"
        case .star(let id): "*\(id?.name ?? "")"
        case .starStar(let id): "**\(id.name)"
        }
    }
}

extension Argument: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .positional(let e): "\(e)"
        case .named(let name, let e): "\(name.name)=\(e)"
        case .star(let e): "*\(e)"
        case .starStar(let e): "**\(e)"
        }
    }
}

extension Expression: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .identifier(let id): return id.name
        case .int(let n): return n.description
        case .float(let f): return f.description
        case .string(let s): return quote(s)
        case .bytes(let b): return "b" + quote(b)
        case .list(let items): return "[\(items.map(\.description).joined(separator: ", "))]"
        case .tuple(let items):
            return items.count == 1 ? "(\(items[0]),)" : "(\(items.map(\.description).joined(separator: ", ")))"
        case .dict(let entries): return "{\(entries.map { "\($0.key): \($0.value)" }.joined(separator: ", "))}"
        case .comprehension(let c):
            let clauses = c.clauses.map { clause in
                switch clause {
                case .for(let variables, let iterable, _): " for \(variables) in \(iterable)"
                case .if(let condition, _): " if \(condition)"
                }
            }.joined()
            switch c.body {
            case .list(let e): return "[\(e)\(clauses)]"
            case .dict(let k, let v): return "{\(k): \(v)\(clauses)}"
            }
        case .unary(let op, let operand): return op == .not ? "(not \(operand))" : "(\(op.rawValue)\(operand))"
        case .binary(let first, let terms):
            return "(\(first)\(terms.map { " \($0.op.rawValue) \($0.operand)" }.joined()))"
        case .conditional(let condition, let then, let otherwise): return "(\(then) if \(condition) else \(otherwise))"
        case .call(let f, let arguments): return "\(f)(\(arguments.map(\.description).joined(separator: ", ")))"
        case .dot(let x, let name): return "\(x).\(name.name)"
        case .index(let x, let i): return "\(x)[\(i)]"
        case .slice(let x, let start, let end, let step):
            return "\(x)[\(start?.description ?? ""):\(end?.description ?? "")\(step.map { ":\($0)" } ?? "")]"
        case .lambda(let f):
            let params = f.parameters.map(\.description).joined(separator: ", ")
            guard case .return(let body?) = f.body.first?.kind else { return "(lambda)" }
            return "(lambda\(params.isEmpty ? "" : " " + params): \(body))"
        }
    }
}

/// A double-quoted literal for `bytes`: printable ASCII as is, common escapes, `\xhh` for the
/// rest (so non-ASCII UTF-8 shows as its bytes).
func quote(_ bytes: [UInt8]) -> String {
    var out = "\""
    for b in bytes {
        switch b {
        case UInt8(ascii: "\""): out += "\\\""
        case UInt8(ascii: "\\"): out += "\\\\"
        case 0x0A: out += "\\n"
        case 0x09: out += "\\t"
        case 0x0D: out += "\\r"
        case 0x20..<0x7F: out.append(Character(Unicode.Scalar(b)))
        default:
            let digits = Array("0123456789abcdef")
            out += "\\x\(digits[Int(b >> 4)])\(digits[Int(b & 15)])"
        }
    }
    return out + "\""
}
