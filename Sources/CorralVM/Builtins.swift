// STUB: to be implemented (helper).

/// The VM's builtin functions, by the name `builtin k` refers to. The id is the case's
/// position in `all`; ids are internal, names are the contract.
enum Builtin: String, CaseIterable {
    case len, print, fail

    static let all = Builtin.allCases
    static let idByName: [String: Int] = {
        var t: [String: Int] = [:]
        for (i, b) in all.enumerated() { t[b.rawValue] = i }
        return t
    }()
    var id: Int { Builtin.idByName[rawValue]! }
}

extension Sandbox {
    func callBuiltin(_ b: Builtin, _ args: Arguments) throws(Trap) -> Value {
        switch b {
        case .len:
            guard case .ref(let slot) = args.positional.first ?? .none, heap.object(slot).kind == .list else {
                throw Trap.runtime("len: unsupported")
            }
            return .int(Int64(unsafeDowncast(heap.object(slot), to: ListObject.self).items.count))
        case .print:
            printHandler(args.positional.map { repr($0) }.joined(separator: " "))
            return .none
        case .fail:
            throw Trap(.fail, args.positional.map { repr($0) }.joined(separator: " "))
        }
    }

    /// The Starlark type name of `v` (`int`, `list`, `function`, …).
    func typeName(_ v: Value) -> String {
        switch v {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .function, .host: return "function"
        case .builtin: return "builtin_function_or_method"
        case .unbound: return "unbound"
        case .ref(let slot):
            switch heap.object(slot).kind {
            case .string: return "string"
            case .bytes: return "bytes"
            case .bigInt: return "int"
            case .list: return "list"
            case .tuple: return "tuple"
            case .dict: return "dict"
            case .set: return "set"
            case .range: return "range"
            case .function: return "function"
            case .cell: return "cell"
            case .iterator: return "iterator"
            case .boundMethod: return "builtin_function_or_method"
            }
        }
    }

    func repr(_ v: Value) -> String {
        switch v {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        default: return "<\(typeName(v))>"
        }
    }
}
