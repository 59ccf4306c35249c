import CorralBytecode

/// The module as it is being generated: one constant pool (each constant once), imports,
/// globals and functions for every file of the program.
struct ModuleBuilder {
    var module = Module()
    private var constantIndex: [ConstantKey: UInt32] = [:]
    /// Imports by "module\0name".
    private var importIndex: [String: UInt32] = [:]

    /// Constants compared by value (floats by bit pattern, so -0.0 and 0.0 stay apart).
    private enum ConstantKey: Hashable {
        case int(Int64)
        case bigInt(Bool, [UInt8])
        case float(UInt64)
        case string([UInt8])
        case bytes([UInt8])
    }

    mutating func constant(_ c: Constant) -> UInt32 {
        let key: ConstantKey
        switch c {
        case .int(let v): key = .int(v)
        case .bigInt(let negative, let magnitude): key = .bigInt(negative, magnitude)
        case .float(let d): key = .float(d.bitPattern)
        case .string(let s): key = .string(s)
        case .bytes(let b): key = .bytes(b)
        }
        if let k = constantIndex[key] { return k }
        module.constants.append(c)
        let k = UInt32(module.constants.count - 1)
        constantIndex[key] = k
        return k
    }

    /// A string constant, as names of builtins, attributes and keyword arguments are.
    mutating func name(_ text: String) -> UInt32 { constant(.string(Array(text.utf8))) }

    mutating func importFunction(module name: String, _ function: String) -> UInt32 {
        let key = name + "\u{0}" + function
        if let k = importIndex[key] { return k }
        module.imports.append(Import(module: name, name: function))
        let k = UInt32(module.imports.count - 1)
        importIndex[key] = k
        return k
    }

    /// Reserves `count` function slots and returns the first index.
    mutating func reserveFunctions(_ count: Int) -> Int {
        let first = module.functions.count
        for _ in 0..<count { module.functions.append(CorralBytecode.Function(name: "")) }
        return first
    }
}
