/// Builds a `Module` from Corral assembly (grammar in TextForm.swift), so tests, the
/// conformance corpus and people can write bytecode by hand.
///
/// It checks syntax only and never traps on any input: indices, stack heights and block
/// structure are left to the validator, which sees every module however it was made.
public enum Assembler {
    /// Parses `text`; `file` is only used to name the place in errors (`file:line:column`).
    public static func assemble(_ text: String, file: String = "<input>") throws(AssembleError) -> Module {
        var parser = AssemblyParser(file: file)
        var number = 0
        for var line in Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let tokens = try AssemblyLexer(file: file, line: number).tokens(line)
            if !tokens.isEmpty { try parser.statement(Operands(tokens: tokens, file: file, line: number)) }
        }
        return try parser.finish()
    }
}

/// A function whose header and body are still being read.
private struct FunctionBuilder {
    var name: String
    var params: [Param] = []
    var positional: UInt32?
    var varargs = false
    var kwargs = false
    var locals: UInt32?
    var free: UInt32?
    var code: [Instruction] = []
    var lines: [LineEntry] = []

    func build() -> Function {
        Function(
            name: name, params: params, positionalCount: positional ?? UInt32(clamping: params.count),
            hasVarargs: varargs, hasKwargs: kwargs,
            localCount: locals ?? TextForm.defaultLocalCount(params: params.count, varargs: varargs, kwargs: kwargs),
            freeCount: free ?? 0, code: code, lines: lines)
    }
}

/// Turns statements (one line's tokens each) into a module.
private struct AssemblyParser {
    let file: String
    var module = Module()
    var function: FunctionBuilder?
    var debugLocals: [[String]] = []
    /// Where the first `.debug locals` was, to report it if no `.debug file` ever comes.
    var firstDebugLocals: (line: Int, column: Int)?

    init(file: String) { self.file = file }

    mutating func statement(_ ops: Operands) throws(AssembleError) {
        var ops = ops
        let head = ops.head
        guard head.kind == .word else {
            throw ops.error("expected a directive or an instruction, found the string \(head.display)", at: head.column)
        }
        if head.bytes.first == UInt8(ascii: ".") {
            try directive(&ops)
        } else {
            try instruction(&ops)
        }
        try ops.finish()
    }

    mutating func finish() throws(AssembleError) -> Module {
        endFunction()
        if let at = firstDebugLocals {
            guard module.debug != nil else {
                throw AssembleError(file: file, line: at.line, column: at.column, ".debug locals needs a .debug file")
            }
            module.debug?.localNames = debugLocals
        }
        return module
    }

    private mutating func endFunction() {
        if let f = function.take() { module.functions.append(f.build()) }
    }

    private mutating func directive(_ ops: inout Operands) throws(AssembleError) {
        let head = ops.head
        switch head.text {
        case ".const":
            endFunction()
            module.constants.append(try constant(&ops))
        case ".import":
            endFunction()
            let moduleName = try ops.name("import module name")
            module.imports.append(Import(module: moduleName, name: try ops.name("import function name")))
        case ".global":
            endFunction()
            module.globals.append(Global(name: try ops.name("global name")))
        case ".export":
            endFunction()
            let kindToken = try ops.word("export kind (func or global)")
            let kind: Export.Kind
            switch kindToken.text {
            case "func": kind = .function
            case "global": kind = .global
            default: throw ops.error("unknown export kind \(kindToken.display) (expected func or global)", at: kindToken.column)
            }
            let name = try ops.name("export name")
            module.exports.append(Export(name: name, kind: kind, index: try ops.u32("export index")))
        case ".start":
            endFunction()
            guard module.start == nil else { throw ops.error("repeated .start", at: head.column) }
            module.start = try ops.u32("start function index")
        case ".func":
            endFunction()
            function = FunctionBuilder(name: try ops.name("function name"))
        case ".param", ".positional", ".varargs", ".kwargs", ".locals", ".free":
            try header(&ops)
        case ".line":
            guard let pc = function?.code.count else { throw ops.error(".line outside a function", at: head.column) }
            let line = try ops.u32("line number")
            let column = try ops.u32("column number")
            function?.lines.append(LineEntry(pc: UInt32(clamping: pc), line: line, column: column))
        case ".debug":
            endFunction()
            try debug(&ops)
        case ".custom":
            endFunction()
            let nameColumn = ops.hasMore ? ops.tokens[ops.next].column : head.endColumn
            let name = try ops.name("custom section name")
            guard name != BinaryFormat.debugSectionName else {
                throw ops.error("the custom section name \"debug\" is reserved: use .debug file and .debug locals", at: nameColumn)
            }
            module.customSections.append(CustomSection(name: name, bytes: try ops.string("custom section bytes")))
        default:
            throw ops.error("unknown directive \(head.display)", at: head.column)
        }
    }

    private func constant(_ ops: inout Operands) throws(AssembleError) -> Constant {
        let kind = try ops.word("constant kind")
        switch kind.text {
        case "int": return .int(try ops.i64("int constant"))
        case "bigint": return try bigInt(&ops)
        case "float":
            let t = try ops.word("float constant")
            guard let d = TextForm.parseFloat(t.bytes) else {
                throw ops.error("invalid float \(t.display) (expected a decimal, inf, -inf, nan or nan:0x and 16 hex digits of a NaN)", at: t.column)
            }
            return .float(d)
        case "string": return .string(try ops.string("string constant"))
        case "bytes": return .bytes(try ops.string("bytes constant"))
        default:
            throw ops.error("unknown constant kind \(kind.display) (expected int, bigint, float, string or bytes)", at: kind.column)
        }
    }

    private func bigInt(_ ops: inout Operands) throws(AssembleError) -> Constant {
        let t = try ops.word("bigint constant")
        var digits = t.bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ops.error("expected bigint constant (a decimal integer), found \(t.display)", at: t.column)
        }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= TextForm.maxBigIntDigits else {
            throw ops.error("bigint constant has \(significant.count) digits, over the limit of \(Limits.bigIntBytes) bytes", at: t.column)
        }
        let magnitude = TextForm.magnitude(fromDecimal: significant)
        guard !magnitude.isEmpty else { throw ops.error("a bigint constant cannot be zero (use .const int 0)", at: t.column) }
        guard magnitude.count <= Limits.bigIntBytes else {
            throw ops.error("bigint constant is \(magnitude.count) bytes, over the limit of \(Limits.bigIntBytes)", at: t.column)
        }
        return .bigInt(negative: negative, magnitude: magnitude)
    }

    /// `.param`, `.positional`, `.varargs`, `.kwargs`, `.locals`, `.free`.
    private mutating func header(_ ops: inout Operands) throws(AssembleError) {
        let head = ops.head
        // Taken out of `self` so appending parameters does not copy them.
        guard var f = function.take() else { throw ops.error("\(head.text) outside a function", at: head.column) }
        guard f.code.isEmpty else {
            throw ops.error("\(head.text) must come before the function's first instruction", at: head.column)
        }
        func once<T>(_ slot: inout T?, _ value: T) throws(AssembleError) {
            guard slot == nil else { throw ops.error("repeated \(head.text)", at: head.column) }
            slot = value
        }
        func flag(_ slot: inout Bool) throws(AssembleError) {
            guard !slot else { throw ops.error("repeated \(head.text)", at: head.column) }
            slot = true
        }
        switch head.text {
        case ".param":
            let name = try ops.name("parameter name")
            f.params.append(Param(name: name, hasDefault: ops.optional("default")))
        case ".positional": try once(&f.positional, try ops.u32("positional parameter count"))
        case ".varargs": try flag(&f.varargs)
        case ".kwargs": try flag(&f.kwargs)
        case ".locals": try once(&f.locals, try ops.u32("local count"))
        default: try once(&f.free, try ops.u32("free variable count"))  // .free
        }
        function = f
    }

    /// `.debug file NAME`, `.debug locals U32 NAME*` and `.debug source U32 NAME`.
    private mutating func debug(_ ops: inout Operands) throws(AssembleError) {
        let head = ops.head
        let what = try ops.word("debug entry (file, locals or source)")
        switch what.text {
        case "file":
            guard module.debug == nil else { throw ops.error("repeated .debug file", at: head.column) }
            module.debug = DebugInfo(file: try ops.name("debug file name"))
        case "locals":
            let indexToken = ops.hasMore ? ops.tokens[ops.next] : what
            let index = Int(try ops.u32("function index"))
            guard index >= debugLocals.count else {
                throw ops.error("debug locals of function \(index) come after those of function \(debugLocals.count - 1)", at: indexToken.column)
            }
            guard index < Limits.functions else {
                throw ops.error("function index \(index) is over the limit of \(Limits.functions)", at: indexToken.column)
            }
            var names: [String] = []
            while ops.hasMore { names.append(try ops.name("local name")) }
            debugLocals += Array(repeating: [], count: index - debugLocals.count)
            debugLocals.append(names)
            if firstDebugLocals == nil { firstDebugLocals = (ops.line, head.column) }
        case "source":
            guard module.debug != nil else { throw ops.error(".debug source needs a .debug file before it", at: head.column) }
            let indexToken = ops.hasMore ? ops.tokens[ops.next] : what
            let index = Int(try ops.u32("function index"))
            let files = module.debug?.functionFiles.count ?? 0
            guard index >= files else {
                throw ops.error("debug source of function \(index) comes after that of function \(files - 1)", at: indexToken.column)
            }
            guard index < Limits.functions else {
                throw ops.error("function index \(index) is over the limit of \(Limits.functions)", at: indexToken.column)
            }
            let name = try ops.name("source file name")
            module.debug?.functionFiles += Array(repeating: "", count: index - files)
            module.debug?.functionFiles.append(name)
        default:
            throw ops.error("unknown debug entry \(what.display) (expected file, locals or source)", at: what.column)
        }
    }

    private mutating func instruction(_ ops: inout Operands) throws(AssembleError) {
        let head = ops.head
        guard let op = Opcode(mnemonic: head.text) else { throw ops.error("unknown mnemonic \(head.display)", at: head.column) }
        guard function != nil else { throw ops.error("instruction \(head.display) outside a function", at: head.column) }
        var ins = Instruction(op)
        switch op.info.immediates {
        case .none: break
        case .index(let space): ins.a = try ops.u32(space == .count ? "count" : "\(space.rawValue) index")
        case .label: ins.a = try ops.u32("label depth")
        case .int64: ins.int = try ops.i64("integer")
        case .blockType: ins.a = ops.optional("result") ? 1 : 0
        case .call(let withName):
            if withName { ins.name = try ops.u32("method name constant index") }
            ins.a = try ops.u32("positional argument count")
            ins.b = try ops.u32("named argument count")
            if ops.optional("*args") { ins.c |= Instruction.callVarargs }
            if ops.optional("**kwargs") { ins.c |= Instruction.callKwargs }
        }
        function?.code.append(ins)
    }
}
