/// Every method and module member name the VM knows, across all types; `attr`/`call.attr`
/// names resolve to one of these when a module is validated.
enum MethodName: String, CaseIterable, Sendable {
    // list (some shared with dict, set and string)
    case append, extend, insert, pop, remove, clear, index
    // dict
    case get, keys, values, items, setdefault, update, popitem
    // set
    case add, discard, union, difference, intersection, issubset, issuperset, isdisjoint
    case symmetricDifference = "symmetric_difference", differenceUpdate = "difference_update"
    case intersectionUpdate = "intersection_update", symmetricDifferenceUpdate = "symmetric_difference_update"
    // string (and bytes: elems)
    case capitalize, codepointOrds = "codepoint_ords", codepoints, count, elemOrds = "elem_ords", elems
    case endswith, find, format, isalnum, isalpha, isdigit, islower, isspace, istitle, isupper, join
    case lower, lstrip, partition, removeprefix, removesuffix, replace, rfind, rindex, rpartition
    case rsplit, rstrip, split, splitlines, startswith, strip, title, upper
    // module json
    case encode, decode, indent, encodeIndent = "encode_indent"
    // module math
    case ceil, copysign, fabs, floor, mod, pow, remainder, round, exp, sqrt, acos, asin, atan, atan2
    case cos, hypot, sin, tan, degrees, radians, acosh, asinh, atanh, cosh, sinh, tanh, log, gamma
    case e, pi
}

/// A builtin method of a particular receiver type, or a member of a builtin module.
/// It prints as `type.name` (`rawValue`); the bound-method form prints its `name`.
enum Method: Equatable, Sendable {
    case list(MethodName), dict(MethodName), set(MethodName), string(MethodName), bytes(MethodName)
    /// A member of the `json` or `math` module.
    case json(MethodName), math(MethodName)

    /// The method's name without its type (`append`).
    var name: String {
        switch self {
        case .list(let n), .dict(let n), .set(let n), .string(let n), .bytes(let n), .json(let n), .math(let n):
            return n.rawValue
        }
    }

    /// `type.name`, as error messages write it.
    var rawValue: String {
        switch self {
        case .list(let n): return "list.\(n.rawValue)"
        case .dict(let n): return "dict.\(n.rawValue)"
        case .set(let n): return "set.\(n.rawValue)"
        case .string(let n): return "string.\(n.rawValue)"
        case .bytes(let n): return "bytes.\(n.rawValue)"
        case .json(let n): return "json.\(n.rawValue)"
        case .math(let n): return "math.\(n.rawValue)"
        }
    }

    /// The method `name` on `receiver`, if its type has one.
    static func lookup(_ name: MethodName, on sandbox: Sandbox, _ receiver: Value) -> Method? {
        if case .builtin(let id) = receiver {
            switch Builtin.all[Int(id)] {
            case .json: return isJSONMember(name) ? .json(name) : nil
            case .math: return isMathMember(name) ? .math(name) : nil
            default: return nil
            }
        }
        guard let kind = sandbox.kind(receiver) else { return nil }
        return method(name, kind: kind)
    }

    /// Plain switches, not a string lookup: `call.attr` resolves a method on every call.
    private static func method(_ name: MethodName, kind: ObjectKind) -> Method? {
        switch kind {
        case .list:
            switch name {
            case .append, .extend, .insert, .pop, .remove, .clear, .index: return .list(name)
            default: return nil
            }
        case .dict:
            switch name {
            case .get, .keys, .values, .items, .pop, .popitem, .setdefault, .update, .clear: return .dict(name)
            default: return nil
            }
        case .set:
            switch name {
            case .add, .clear, .difference, .differenceUpdate, .discard, .intersection, .intersectionUpdate,
                .isdisjoint, .issubset, .issuperset, .pop, .remove, .symmetricDifference,
                .symmetricDifferenceUpdate, .union, .update:
                return .set(name)
            default: return nil
            }
        case .string:
            switch name {
            case .capitalize, .codepointOrds, .codepoints, .count, .elemOrds, .elems, .endswith, .find, .format,
                .index, .isalnum, .isalpha, .isdigit, .islower, .isspace, .istitle, .isupper, .join, .lower,
                .lstrip, .partition, .removeprefix, .removesuffix, .replace, .rfind, .rindex, .rpartition,
                .rsplit, .rstrip, .split, .splitlines, .startswith, .strip, .title, .upper:
                return .string(name)
            default: return nil
            }
        case .bytes:
            return name == .elems ? .bytes(name) : nil
        default:
            return nil
        }
    }

    private static func isJSONMember(_ name: MethodName) -> Bool {
        switch name {
        case .encode, .decode, .indent, .encodeIndent: return true
        default: return false
        }
    }

    private static func isMathMember(_ name: MethodName) -> Bool {
        switch name {
        case .ceil, .copysign, .fabs, .floor, .mod, .pow, .remainder, .round, .exp, .sqrt, .acos, .asin, .atan,
            .atan2, .cos, .hypot, .sin, .tan, .degrees, .radians, .acosh, .asinh, .atanh, .cosh, .sinh, .tanh,
            .log, .gamma, .e, .pi:
            return true
        default: return false
        }
    }

    /// A module member that is a value, not a function (`math.pi`): `attr` yields the value
    /// itself rather than a bound method.
    var constant: Value? {
        switch self {
        case .math(.e): return .float(2.718281828459045)
        case .math(.pi): return .float(Double.pi)
        default: return nil
        }
    }
}

/// Method calls. Each method charges fuel per element or per 8 bytes it touches before
/// mutating anything, reserves the memory it builds or grows by, and (for mutators) checks
/// that the receiver is neither frozen nor being iterated.
extension Sandbox {
    func invokeMethod(_ method: Method, receiver: Value, _ args: Arguments) throws(Trap) -> Value {
        try atomicFuel { () throws(Trap) -> Value in
            switch method {
            case .list(let m):
                guard let l = listObject(receiver) else { throw wrongReceiver(method, receiver) }
                return try listMethod(m, l, args)
            case .dict(let m):
                guard let d = dictObject(receiver) else { throw wrongReceiver(method, receiver) }
                return try dictMethod(m, d, args)
            case .set(let m):
                guard let s = setObject(receiver) else { throw wrongReceiver(method, receiver) }
                return try setMethod(m, s, args)
            case .string(let m):
                guard let s = stringBytes(receiver) else { throw wrongReceiver(method, receiver) }
                return try stringMethod(m, s, args, receiver: receiver)
            case .bytes:
                guard let b = bytesData(receiver) else { throw wrongReceiver(method, receiver) }
                return try bytesElems(b, args)
            case .json(let m):
                return try jsonFunction(m, args)
            case .math(let m):
                if let c = method.constant { throw Trap.runtime("invalid call of non-function (\(typeName(c)))") }
                return try mathFunction(m, args)
            }
        }
    }

    private func wrongReceiver(_ method: Method, _ receiver: Value) -> Trap {
        Trap.runtime("\(method.rawValue) called on \(typeName(receiver))")
    }

    func noArguments(_ args: Arguments, _ name: String) throws(Trap) {
        try args.noNamed(name)
        guard args.positional.isEmpty else {
            throw Trap.runtime("\(name): got \(args.positional.count) arguments, want 0")
        }
    }
}
