/// Writes a `Module` as Corral assembly (grammar in TextForm.swift), for people reading
/// compiler output, golden tests and `corral disasm`.
///
/// The text is exact: `Assembler.assemble(disassemble(m)) == m` for every module the decoder
/// can produce. Comments carry what indices refer to (constant values, names); the assembler
/// ignores them.
public enum Disassembler {
    /// The whole module as text; never fails, even on a module the validator would reject.
    public static func disassemble(_ module: Module) -> String {
        var writer = DisassemblyWriter(module: module)
        writer.write()
        return writer.out
    }
}

private struct DisassemblyWriter {
    let module: Module
    var out = ""

    /// Longest string shown in a comment before it is cut with `...`.
    static let commentBytes = 40

    mutating func emit(_ text: String, indent: Int = 0, comment: String? = nil) {
        out += String(repeating: "  ", count: min(max(indent, 0), TextForm.maxIndent))
        out += text
        if let comment { out += " ; " + comment }
        out += "\n"
    }

    /// A blank line between groups, never at the top.
    mutating func separate() {
        if !out.isEmpty { out += "\n" }
    }

    mutating func write() {
        for (i, k) in module.constants.enumerated() { emit(".const " + Self.constant(k), comment: "#\(i)") }
        for (i, imp) in module.imports.enumerated() {
            emit(".import \(Self.quote(imp.module)) \(Self.quote(imp.name))", comment: "#\(i)")
        }
        for (i, g) in module.globals.enumerated() { emit(".global \(Self.quote(g.name))", comment: "#\(i)") }
        for e in module.exports {
            let kind = switch e.kind {
            case .function: "func"
            case .global: "global"
            }
            emit(".export \(kind) \(Self.quote(e.name)) \(e.index)")
        }
        if let start = module.start { emit(".start \(start)") }
        for (i, f) in module.functions.enumerated() {
            separate()
            function(f, index: i)
        }
        if let debug = module.debug {
            separate()
            emit(".debug file \(Self.quote(debug.file))")
            for (i, names) in debug.localNames.enumerated() {
                emit(".debug locals \(i)" + names.map { " " + Self.quote($0) }.joined())
            }
            for (i, source) in debug.functionFiles.enumerated() {
                emit(".debug source \(i) \(Self.quote(source))")
            }
        }
        if !module.customSections.isEmpty { separate() }
        for c in module.customSections { emit(".custom \(Self.quote(c.name)) \(TextForm.quote(c.bytes))") }
    }

    mutating func function(_ f: Function, index: Int) {
        emit(".func \(Self.quote(f.name))", comment: "#\(index)")
        for p in f.params { emit(".param \(Self.quote(p.name))" + (p.hasDefault ? " default" : "")) }
        if f.positionalCount != UInt32(clamping: f.params.count) { emit(".positional \(f.positionalCount)") }
        if f.hasVarargs { emit(".varargs") }
        if f.hasKwargs { emit(".kwargs") }
        if f.localCount != TextForm.defaultLocalCount(params: f.params.count, varargs: f.hasVarargs, kwargs: f.hasKwargs) {
            emit(".locals \(f.localCount)")
        }
        if f.freeCount != 0 { emit(".free \(f.freeCount)") }

        let localNames = module.debug.flatMap { index < $0.localNames.count ? $0.localNames[index] : nil } ?? []
        var depth = 1  // the function body is one level in; its final `end` comes back to 0
        var nextLine = 0
        for (pc, ins) in f.code.enumerated() {
            while nextLine < f.lines.count, f.lines[nextLine].pc <= pc {
                line(f.lines[nextLine], depth: depth)
                nextLine += 1
            }
            let op = ins.opcode
            if op == .end { depth -= 1 }
            emit(op.info.mnemonic + Self.operands(ins), indent: op == .else ? depth - 1 : depth, comment: comment(ins, localNames, localCount: Int(f.localCount)))
            if op == .block || op == .loop || op == .if { depth += 1 }
        }
        for entry in f.lines[nextLine...] { line(entry, depth: depth) }
    }

    mutating func line(_ entry: LineEntry, depth: Int) {
        emit(".line \(entry.line) \(entry.column)", indent: depth)
    }

    static func operands(_ ins: Instruction) -> String {
        switch ins.opcode.info.immediates {
        case .none: return ""
        case .index, .label: return " \(ins.a)"
        case .int64: return " \(ins.int)"
        case .blockType: return ins.a == 0 ? "" : " result"
        case .call(let withName):
            return (withName ? " \(ins.name)" : "") + " \(ins.a) \(ins.b)"
                + (ins.c & Instruction.callVarargs != 0 ? " *args" : "")
                + (ins.c & Instruction.callKwargs != 0 ? " **kwargs" : "")
        }
    }

    /// What an instruction's index refers to, when the module says.
    func comment(_ ins: Instruction, _ localNames: [String], localCount: Int) -> String? {
        let i = Int(ins.a)
        switch ins.opcode.info.immediates {
        case .index(.constant):
            return i < module.constants.count ? Self.summary(module.constants[i]) : nil
        case .index(.name):
            return nameConstant(ins.a)
        case .call(withName: true):
            return nameConstant(ins.name)
        case .index(.global):
            return i < module.globals.count ? Self.clip(Array(module.globals[i].name.utf8)) : nil
        case .index(.import):
            guard i < module.imports.count else { return nil }
            return Self.clip(Array(module.imports[i].module.utf8)) + "." + Self.clip(Array(module.imports[i].name.utf8))
        case .index(.local):
            return i < localNames.count && !localNames[i].isEmpty ? Self.clip(Array(localNames[i].utf8)) : nil
        case .index(.function):
            return i < module.functions.count ? Self.clip(Array(module.functions[i].name.utf8)) : nil
        case .index(.free):
            // Free variables are named after the locals (the debug section).
            let at = localCount + i
            return at < localNames.count && !localNames[at].isEmpty ? Self.clip(Array(localNames[at].utf8)) : nil
        case .index(.count), .none, .int64, .label, .blockType, .call(withName: false):
            return nil
        }
    }

    /// A name constant (`builtin`, `attr`, `call.attr`) shown bare when it is a string.
    func nameConstant(_ k: UInt32) -> String? {
        guard Int(k) < module.constants.count else { return nil }
        if case .string(let bytes) = module.constants[Int(k)] { return Self.clip(bytes) }
        return Self.summary(module.constants[Int(k)])
    }

    static func quote(_ name: String) -> String { TextForm.quote(name.utf8) }

    /// Escaped, and cut at `commentBytes` bytes.
    static func clip(_ bytes: [UInt8]) -> String {
        bytes.count <= commentBytes ? TextForm.escape(bytes) : TextForm.escape(bytes.prefix(commentBytes)) + "..."
    }

    /// The operands of a `.const` directive.
    static func constant(_ k: Constant) -> String {
        switch k {
        case .int(let v): "int \(v)"
        case .bigInt(let negative, let magnitude): "bigint " + (negative ? "-" : "") + TextForm.decimal(fromMagnitude: magnitude)
        case .float(let d): "float " + TextForm.float(d)
        case .string(let b): "string " + TextForm.quote(b)
        case .bytes(let b): "bytes " + TextForm.quote(b)
        }
    }

    /// A constant's value for a comment: short, one line.
    static func summary(_ k: Constant) -> String {
        switch k {
        case .int(let v): "\(v)"
        case .bigInt(let negative, let magnitude):
            magnitude.count <= 16
                ? (negative ? "-" : "") + TextForm.decimal(fromMagnitude: magnitude) : "bigint of \(magnitude.count) bytes"
        case .float(let d): TextForm.float(d)
        case .string(let b): "\"" + clip(b) + "\""
        case .bytes(let b): "b\"" + clip(b) + "\""
        }
    }
}
