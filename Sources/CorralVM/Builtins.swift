/// The VM's builtin functions, by the name `builtin k` refers to. The id is the case's
/// position in `all`; ids are internal, names are the contract.
enum Builtin: String, CaseIterable {
    case len, print, fail, `type`, repr, str, bool, int, float, list, tuple, dict, set, range
    case min, max, abs, sorted, reversed, enumerate, zip, hash, `any`, hasattr, getattr, dir
    /// `all` (the Swift name is taken by the table of builtins below).
    case allTrue = "all"
    case bytes, chr, ord
    /// Modules: values of type `module` whose members (`json.encode`, `math.pi`) are reached
    /// with `attr`/`call.attr` like methods. Calling the module itself traps.
    case json, math
    /// Test builtins (bytecode/SPEC.md, "Test builtins"): the conformance harness of the Go
    /// Starlark test files (starlarktest's assert.star) needs them. Only a module validated
    /// with `testing: true` may name them; for any other module they are unknown builtins.
    case testError = "error", testCatch = "catch", testMatches = "matches", testModule = "module"
    case testFreeze = "_freeze"
    /// The Go test driver's own values (eval_test.go): `struct(**fields)`, `hasfields()` (a
    /// value with assignable fields) and `fibonacci` (an infinite iterable).
    case testStruct = "struct", testHasFields = "hasfields", testFibonacci = "fibonacci"

    /// Whether this builtin is a module rather than a function.
    var isModule: Bool { self == .json || self == .math }

    /// Whether only modules validated for testing may use this builtin.
    var isTestOnly: Bool {
        switch self {
        case .testError, .testCatch, .testMatches, .testModule, .testFreeze, .testStruct, .testHasFields, .testFibonacci:
            return true
        default: return false
        }
    }

    /// The name a builtin prints as (`_freeze` is Go's `freeze`).
    var displayName: String { self == .testFreeze ? "freeze" : rawValue }

    static let all = Builtin.allCases
    static let idByName: [String: Int] = {
        var t: [String: Int] = [:]
        for (i, b) in all.enumerated() { t[b.rawValue] = i }
        return t
    }()
    var id: Int { Builtin.idByName[rawValue]! }
}

/// Builtins that inspect values or make text: `len`, `print`, `fail`, `type`, `repr`, `str`,
/// `bool`, `hash` and the attribute builtins. Conversions and collections live in
/// Builtins+Conversions.swift and Builtins+Collections.swift.
///
/// A builtin's fuel is all or nothing (`atomicFuel`), and its memory is reserved before it
/// builds anything; its arguments stay on the stack while it runs, so they are safe from the
/// collector.
extension Sandbox {
    func callBuiltin(_ b: Builtin, _ args: Arguments) throws(Trap) -> Value {
        try atomicFuel { () throws(Trap) -> Value in try dispatch(b, args) }
    }

    private func dispatch(_ b: Builtin, _ args: Arguments) throws(Trap) -> Value {
        switch b {
        case .len: return try builtinLen(args)
        case .print:
            let text = try joinedText(args, "print")
            printHandler(String(decoding: text, as: UTF8.self))
            return .none
        case .fail:
            throw Trap(.fail, String(decoding: try joinedText(args, "fail"), as: UTF8.self))
        case .type:
            let a = try args.bind("type", ["x"], required: 1)
            return try makeString(typeName(a[0] ?? .none))
        case .repr:
            let a = try args.bind("repr", ["x"], required: 1)
            return try makeText(a[0] ?? .none, quoteStrings: true)
        case .str:
            let a = try args.bind("str", ["x"], required: 1)
            let x = a[0] ?? .none
            if stringBytes(x) != nil { return x }
            if let data = bytesData(x) {
                try useFuel(bytes: data.count)
                return try makeString(validUTF8(data))
            }
            return try makeText(x, quoteStrings: false)
        case .bool:
            let a = try args.bind("bool", ["x"], required: 0)
            return .bool(truth(a[0] ?? .bool(false)))
        case .hash: return try builtinHash(args)
        case .hasattr:
            let a = try args.bind("hasattr", ["x", "name"], required: 2)
            if let m = moduleObject(a[0] ?? .none) { return .bool(m.field(try attributeName(a[1] ?? .none, "hasattr")) != nil) }
            return .bool(try method(of: a[0] ?? .none, named: a[1] ?? .none, "hasattr") != nil)
        case .getattr:
            let a = try args.bind("getattr", ["x", "name", "default"], required: 2)
            let x = a[0] ?? .none
            if let m = moduleObject(x), let v = m.field(try attributeName(a[1] ?? .none, "getattr")) { return v }
            if let m = try method(of: x, named: a[1] ?? .none, "getattr") {
                if let constant = m.constant { return constant }
                return try boundMethod(x, m)
            }
            if let d = a[2] { return d }
            let name = String(decoding: stringBytes(a[1] ?? .none) ?? [], as: UTF8.self)
            throw Trap.runtime("getattr: \(noSuchAttribute(x, name).message)")
        case .dir: return try builtinDir(args)
        case .int: return try builtinInt(args)
        case .float: return try builtinFloat(args)
        case .abs: return try builtinAbs(args)
        case .list, .tuple: return try builtinSequence(args, tuple: b == .tuple)
        case .dict: return try builtinDict(args)
        case .set: return try builtinSet(args)
        case .range: return try builtinRange(args)
        case .min, .max: return try builtinMinMax(args, max: b == .max)
        case .sorted: return try builtinSorted(args)
        case .reversed: return try builtinReversed(args)
        case .enumerate: return try builtinEnumerate(args)
        case .zip: return try builtinZip(args)
        case .any, .allTrue: return try builtinAnyAll(args, all: b == .allTrue)
        case .bytes: return try builtinBytes(args)
        case .chr: return try builtinChr(args)
        case .ord: return try builtinOrd(args)
        case .json, .math: throw Trap.runtime("invalid call of non-function (module)")
        case .testError, .testMatches, .testModule, .testFreeze, .testStruct, .testHasFields, .testFibonacci:
            return try testBuiltin(b, args)
        case .testCatch:
            // `catch` runs in a prelude frame (Sandbox.callPrelude); it never gets here.
            throw Trap.runtime("catch: internal error: called natively")
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
        case .builtin(let id):
            let b = Builtin.all[Int(id)]
            return b.isModule ? "module" : (b == .testFibonacci ? "fib" : "builtin_function_or_method")
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
            case .module: return unsafeDowncast(heap.object(slot), to: ModuleObject.self).flavor.typeName
            case .stringView: return unsafeDowncast(heap.object(slot), to: StringViewObject.self).typeName
            }
        }
    }

    // MARK: - Text

    /// `repr(x)` or `str(x)` as a new string: bounded by the memory left, fuel per element
    /// written and per 8 bytes produced.
    private func makeText(_ x: Value, quoteStrings: Bool) throws(Trap) -> Value {
        var out = outputBuffer()
        try write(x, to: &out, quoteStrings: quoteStrings)
        try useFuel(bytes: out.bytes.count)
        return try makeString(out.bytes)
    }

    /// `print` and `fail`: `str` of each positional argument joined by `sep` (default " ").
    /// The text leaves the sandbox, so it is bounded by the memory left (fail: 64 KiB, cut off).
    private func joinedText(_ args: Arguments, _ function: String) throws(Trap) -> [UInt8] {
        var sep: [UInt8] = [UInt8(ascii: " ")]
        for (name, v) in args.named {
            guard name == "sep" else { throw Trap.runtime("\(function): unexpected keyword argument \"\(name)\"") }
            guard let s = stringBytes(v) else { throw Trap.runtime("\(function): sep must be a string, not \(typeName(v))") }
            sep = s
        }
        var out = function == "fail" ? TextBuffer(limit: 64 << 10, strict: false) : outputBuffer()
        for (i, v) in args.positional.enumerated() {
            if i > 0 { try out.append(bytes: sep) }
            try write(v, to: &out, quoteStrings: false)
        }
        try useFuel(bytes: out.bytes.count)
        return out.bytes
    }

    private func builtinLen(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("len", ["x"], required: 1)
        let x = a[0] ?? .none
        guard let n = length(of: x) else { throw Trap.runtime("len: value of type \(typeName(x)) has no len") }
        return .int(n)
    }

    /// What `len(x)` answers: bytes of a string or bytes value, elements of a collection; nil
    /// for a value without a length. Shared with the fast call (`fastBuiltinCall`).
    func length(of x: Value) -> Int64? {
        guard let o = heapObject(x) else { return nil }
        switch o.kind {
        case .string, .bytes: return Int64(byteContents(o).count)
        default: return iterableCount(x)
        }
    }

    /// `hash(x)` for strings and bytes, as Go Starlark defines it so that it is the same on every
    /// machine and run: strings use Java's `String.hashCode` over UTF-16 code units (a signed
    /// 32-bit result), bytes use 32-bit FNV-1a (unsigned).
    private func builtinHash(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("hash", ["x"], required: 1)
        let x = a[0] ?? .none
        if let s = stringBytes(x) {
            try useFuel(bytes: s.count)
            var h: Int32 = 0
            var i = 0
            while i < s.count {
                let r = decodeRune(s, at: i)
                i += r.width
                if r.scalar >= 0x10000 {
                    let v = r.scalar - 0x10000
                    h = h &* 31 &+ Int32(0xD800 + (v >> 10))
                    h = h &* 31 &+ Int32(0xDC00 + (v & 0x3FF))
                } else {
                    h = h &* 31 &+ Int32(r.scalar)
                }
            }
            return .int(Int64(h))
        }
        if let b = bytesData(x) {
            try useFuel(bytes: b.count)
            var h: UInt32 = 2_166_136_261
            for byte in b { h = (h ^ UInt32(byte)) &* 16_777_619 }
            return .int(Int64(h))
        }
        throw Trap.runtime("hash: got \(typeName(x)), want string or bytes")
    }

    // MARK: - Attributes

    /// The method `name` (a string value) of `x`'s type, if any.
    private func method(of x: Value, named name: Value, _ function: String) throws(Trap) -> Method? {
        guard let m = MethodName(rawValue: try attributeName(name, function)) else { return nil }
        return Method.lookup(m, on: self, x)
    }

    private func attributeName(_ name: Value, _ function: String) throws(Trap) -> String {
        guard let bytes = stringBytes(name) else {
            throw Trap.runtime("\(function): attribute name must be a string, not \(typeName(name))")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `x` as a test `module` value, if it is one.
    private func moduleObject(_ x: Value) -> ModuleObject? {
        guard case .ref(let slot) = x, heap.object(slot).kind == .module else { return nil }
        return unsafeDowncast(heap.object(slot), to: ModuleObject.self)
    }

    /// `dir(x)`: the names of `x`'s methods, sorted.
    private func builtinDir(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("dir", ["x"], required: 1)
        let x = a[0] ?? .none
        let names = moduleObject(x)?.fields.map(\.name) ?? methodNames(of: x)
        try useFuel(elements: names.count)
        var bytes = MemoryCost.sequence(names.count)
        for n in names { bytes += MemoryCost.string(n.utf8.count) }
        try reserve(bytes)
        var items: [Value] = []
        for n in names { items.append(try heap.insert(heap.newString(taking: Array(n.utf8)))) }
        return try heap.insert(ListObject(items))
    }
}
