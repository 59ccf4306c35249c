import CorralBytecode

/// A module that passed validation, with its code translated for the interpreter.
///
/// Only the validator makes one, and a `Sandbox` accepts nothing else: holding a
/// `ValidatedModule` is the proof that the bytes were checked. It is immutable and shared by
/// every sandbox instantiated from it.
public final class ValidatedModule: @unchecked Sendable {
    // @unchecked: all stored properties are immutable after init; the op buffers are written
    // only here and freed only in deinit.

    /// The decoded module (names, constants, debug info).
    public let module: Module
    /// Whether fuel is charged (and the interrupt flag checked). Off only for measuring the
    /// cost of metering; unmetered code has no deadline either.
    public let metered: Bool
    /// The module's functions, then the VM's prelude (shared by all modules, never freed).
    let functions: [CompiledFunction]
    /// Where the prelude starts in `functions`: the module's own function count.
    let preludeBase: Int
    /// Per-function facts the call path reads, in one flat buffer.
    let entries: UnsafeMutablePointer<FunctionEntry>
    /// Interned names of `attr`/`call.attr`, with the method each resolves to.
    let names: [String]
    let methodNames: [MethodName?]
    let exportIndex: [String: Export]

    init(module: Module, functions: [CompiledFunction], ownFunctions: Int, names: [String], metered: Bool) {
        self.module = module
        self.metered = metered
        self.functions = functions
        self.preludeBase = ownFunctions
        self.names = names
        self.methodNames = names.map { MethodName(rawValue: $0) }
        var exports: [String: Export] = [:]
        for e in module.exports { exports[e.name] = e }
        self.exportIndex = exports
        entries = .allocate(capacity: max(functions.count, 1))
        for (i, f) in functions.enumerated() {
            (entries + i).initialize(to: f.entry)
        }
    }

    deinit {
        entries.deinitialize(count: functions.count)
        entries.deallocate()
        for f in functions[..<preludeBase] { f.ops.deallocate() }
    }

    /// Decodes and validates module bytes: the one way in for untrusted bytecode.
    public static func load(_ bytes: [UInt8], metered: Bool = true) throws(LoadError) -> ValidatedModule {
        let module: Module
        do { module = try ModuleDecoder.decode(bytes) } catch { throw .decode(error) }
        do { return try Validator(module: module, metered: metered).validate() } catch { throw .validation(error) }
    }

    /// `load`, with the test builtins (`error`, `catch`, `matches`, `module`, `_freeze`)
    /// allowed when `testing` is true: for the conformance harness, never for agents.
    package static func load(_ bytes: [UInt8], metered: Bool = true, testing: Bool) throws(LoadError) -> ValidatedModule {
        let module: Module
        do { module = try ModuleDecoder.decode(bytes) } catch { throw .decode(error) }
        do {
            var validator = Validator(module: module, metered: metered)
            validator.testing = testing
            return try validator.validate()
        } catch { throw .validation(error) }
    }

    /// Validates a module built in memory (for example by the assembler). It is encoded and
    /// decoded first, so every check the decoder makes on bytes (limits, block types, call
    /// flags, name lengths, line-table order) applies to it too: a `Module` value is as
    /// untrusted as bytes.
    public static func validate(_ module: Module, metered: Bool = true) throws(ValidationError) -> ValidatedModule {
        try validate(module, metered: metered, testing: false)
    }

    /// `validate`, with the test builtins allowed when `testing` is true (see `load`).
    package static func validate(_ module: Module, metered: Bool = true, testing: Bool) throws(ValidationError) -> ValidatedModule {
        let checked: Module
        do {
            checked = try ModuleDecoder.decode(ModuleEncoder.encode(module))
        } catch {
            throw ValidationError(function: error.function, pc: error.pc, "module does not encode to a valid binary: \(error.message)")
        }
        guard checked == module else {
            throw ValidationError("module does not survive encoding (a field is out of range for the binary format)")
        }
        var validator = Validator(module: checked, metered: metered)
        validator.testing = testing
        return try validator.validate()
    }

    /// The function a named export refers to, if it is a function export.
    public func exportedFunction(_ name: String) -> Int? {
        guard let e = exportIndex[name], e.kind == .function else { return nil }
        return Int(e.index)
    }

    /// A text listing of the translated code of one function, for tests and `corral disasm --internal`.
    public func internalListing(function: Int) -> String {
        let f = functions[function]
        return (0..<f.count).map { at in
            // Targets are shown absolute, as the translator made them.
            var op = f.ops[at]
            if let (t, _) = op.branchTarget { op.retarget(t + Int32(at + 1)) }
            return "\(at): \(op)"
        }.joined(separator: "\n")
    }
}

/// What the call path needs to know about a function, without touching the class.
struct FunctionEntry {
    let code: UnsafeMutablePointer<Op>
    let localCount: Int32
    let paramCount: Int32
    /// Stack slots a frame may need: locals plus the deepest operand stack.
    let frameSize: Int32
    /// Takes exactly `paramCount` positional arguments and nothing else: calls with that many
    /// positional arguments bind by copying.
    let isSimple: Bool
    /// The fuel of the entry block's `charge`, which a call prepays (see `Prepay`); 0 in
    /// unmetered code, which has no charges.
    let entryFuel: UInt16
}

/// One function after translation.
struct CompiledFunction {
    let index: Int
    let source: Function
    let ops: UnsafeMutablePointer<Op>
    let count: Int
    /// For each op, the pc of the instruction it came from (backtraces).
    let origin: [Int32]
    let maxHeight: Int

    init(index: Int, source: Function, ops: [Op], origin: [Int32], maxHeight: Int) {
        self.index = index
        self.source = source
        self.count = ops.count
        self.ops = .allocate(capacity: max(ops.count, 1))
        self.ops.initialize(from: ops, count: ops.count)
        self.origin = origin
        self.maxHeight = maxHeight
    }

    var entry: FunctionEntry {
        FunctionEntry(
            code: ops, localCount: Int32(source.localCount), paramCount: Int32(source.params.count),
            frameSize: Int32(Int(source.localCount) + maxHeight),
            isSimple: !source.hasVarargs && !source.hasKwargs && Int(source.positionalCount) == source.params.count,
            entryFuel: entryFuel)
    }

    private var entryFuel: UInt16 {
        guard count > 0, case .charge(let n) = ops[0], n <= Int32(Prepay.most) else { return 0 }
        return UInt16(n)
    }

    /// The source position of translated op `pc`, from the line table.
    func position(at pc: Int) -> (originalPC: Int, line: Int?, column: Int?) {
        let original = pc >= 0 && pc < origin.count ? Int(origin[pc]) : 0
        var found: LineEntry?
        for e in source.lines {
            if Int(e.pc) <= original { found = e } else { break }
        }
        guard let found, found.line > 0 else { return (original, nil, nil) }
        return (original, Int(found.line), Int(found.column))
    }
}
