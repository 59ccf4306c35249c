/// A Corral module: the only thing that crosses from the compiler to the VM.
///
/// This is plain data. Nothing here is trusted: the VM builds a `ValidatedModule` from it
/// and runs nothing else.
public struct Module: Sendable, Equatable {
    public var constants: [Constant] = []
    public var imports: [Import] = []
    public var globals: [Global] = []
    public var functions: [Function] = []
    public var exports: [Export] = []
    /// The function run once when a sandbox is created (a Starlark file's top level).
    public var start: UInt32?
    /// Custom sections in file order. `debug` is decoded into `debug`; others are kept as bytes.
    public var customSections: [CustomSection] = []
    /// Source positions and names for backtraces and the disassembler (custom section `debug`).
    public var debug: DebugInfo?

    public init() {}
}

/// A constant-pool entry.
public enum Constant: Sendable, Equatable {
    case int(Int64)
    /// An integer outside Int64, as sign and little-endian magnitude bytes (no trailing zeros).
    case bigInt(negative: Bool, magnitude: [UInt8])
    case float(Double)
    /// A Starlark string: any byte sequence (normally UTF-8).
    case string([UInt8])
    case bytes([UInt8])

    public static func == (lhs: Constant, rhs: Constant) -> Bool {
        switch (lhs, rhs) {
        case let (.int(x), .int(y)): return x == y
        case let (.bigInt(n1, m1), .bigInt(n2, m2)): return n1 == n2 && m1 == m2
        // Bit equality, so NaN payloads and -0.0 round-trip exactly.
        case let (.float(x), .float(y)): return x.bitPattern == y.bitPattern
        case let (.string(x), .string(y)): return x == y
        case let (.bytes(x), .bytes(y)): return x == y
        default: return false
        }
    }
}

/// A host function the module needs, named by capability module and function.
public struct Import: Sendable, Equatable {
    public var module: String
    public var name: String
    public init(module: String, name: String) {
        self.module = module
        self.name = name
    }
}

/// A module-level variable.
public struct Global: Sendable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// One parameter of a function.
public struct Param: Sendable, Equatable {
    public var name: String
    /// A default value is supplied by `func.make` when the function value is created.
    public var hasDefault: Bool
    public init(name: String, hasDefault: Bool = false) {
        self.name = name
        self.hasDefault = hasDefault
    }
}

/// A function: its signature, frame shape, code and line table.
///
/// Frame layout: locals `0..<params.count` are the parameters, then `*args` (if
/// `hasVarargs`), then `**kwargs` (if `hasKwargs`), then the rest up to `localCount`.
public struct Function: Sendable, Equatable {
    public var name: String
    public var params: [Param]
    /// Parameters `0..<positionalCount` may be passed by position; the rest are keyword-only.
    public var positionalCount: UInt32
    public var hasVarargs: Bool
    public var hasKwargs: Bool
    /// All locals, parameters included.
    public var localCount: UInt32
    /// Cells captured from the enclosing function, read with `free.get`.
    public var freeCount: UInt32
    public var code: [Instruction]
    /// Source positions, sorted by `pc` (instruction index).
    public var lines: [LineEntry]

    public init(
        name: String, params: [Param] = [], positionalCount: UInt32? = nil, hasVarargs: Bool = false,
        hasKwargs: Bool = false, localCount: UInt32? = nil, freeCount: UInt32 = 0,
        code: [Instruction] = [], lines: [LineEntry] = []
    ) {
        self.name = name
        self.params = params
        self.positionalCount = positionalCount ?? UInt32(params.count)
        self.hasVarargs = hasVarargs
        self.hasKwargs = hasKwargs
        self.localCount = localCount ?? (UInt32(params.count) + (hasVarargs ? 1 : 0) + (hasKwargs ? 1 : 0))
        self.freeCount = freeCount
        self.code = code
        self.lines = lines
    }

    /// Number of parameters that have a default, i.e. how many defaults `func.make` pops.
    public var defaultCount: Int { params.reduce(0) { $0 + ($1.hasDefault ? 1 : 0) } }
}

/// Instructions from `pc` on come from `line`:`column` (1-based; 0 means unknown).
public struct LineEntry: Sendable, Equatable {
    public var pc: UInt32
    public var line: UInt32
    public var column: UInt32
    public init(pc: UInt32, line: UInt32, column: UInt32) {
        self.pc = pc
        self.line = line
        self.column = column
    }
}

public struct Export: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case function = 0
        case global = 1
    }
    public var name: String
    public var kind: Kind
    public var index: UInt32
    public init(name: String, kind: Kind, index: UInt32) {
        self.name = name
        self.kind = kind
        self.index = index
    }
}

public struct CustomSection: Sendable, Equatable {
    public var name: String
    public var bytes: [UInt8]
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// The `debug` custom section: where the code came from and what its locals are called.
public struct DebugInfo: Sendable, Equatable {
    /// Source file path as the compiler saw it, e.g. `agents/refund.star`.
    public var file: String
    /// Local variable names per function (may be shorter than the function's locals).
    public var localNames: [[String]]
    /// The source file of each function when it is not `file` (a function compiled from a
    /// `load`ed Starlark file); empty means `file`. May be shorter than the functions.
    public var functionFiles: [String]
    public init(file: String, localNames: [[String]] = [], functionFiles: [String] = []) {
        self.file = file
        self.localNames = localNames
        self.functionFiles = functionFiles
    }

    /// The source file of function `f`.
    public func file(ofFunction f: Int) -> String {
        f < functionFiles.count && !functionFiles[f].isEmpty ? functionFiles[f] : file
    }
}
