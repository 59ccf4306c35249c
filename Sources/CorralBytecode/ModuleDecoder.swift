/// Decodes module bytes into a `Module`, or says precisely why they are not one.
///
/// The decoder checks the format only: lengths, counts, encodings, known opcodes, limits.
/// Whether the code makes sense (stack heights, indices, labels) is the validator's job.
public enum ModuleDecoder {
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> Module {
        guard bytes.count <= Limits.moduleBytes else {
            throw DecodeError(offset: 0, "module is \(bytes.count) bytes, over the limit of \(Limits.moduleBytes)")
        }
        var r = ByteReader(bytes)
        for (i, m) in BinaryFormat.magic.enumerated() {
            let b = try r.byte("magic")
            guard b == m else { throw DecodeError(offset: i, "not a Corral module: bad magic (expected \\0CBC)") }
        }
        var version: UInt32 = 0
        for i in 0..<4 { version |= UInt32(try r.byte("version")) << UInt32(8 * i) }
        guard version == BinaryFormat.version else {
            throw DecodeError(offset: 4, "unsupported format version \(version) (this build reads \(BinaryFormat.version))")
        }

        var module = Module()
        var lastID: UInt8 = 0
        while !r.isAtEnd {
            let idOffset = r.offset
            let rawID = try r.byte("section id")
            guard let id = BinaryFormat.SectionID(rawValue: rawID) else {
                throw DecodeError(offset: idOffset, "unknown section id \(rawID)")
            }
            let sizeOffset = r.offset
            let size = Int(try r.u32("section size"))
            guard size <= r.remaining else {
                throw DecodeError(offset: sizeOffset, "section size \(size) runs past the end of the module")
            }
            if id != .custom {
                guard rawID > lastID else {
                    throw DecodeError(offset: idOffset, "section \(id) is out of order or repeated")
                }
                lastID = rawID
            }
            var s = ByteReader(bytes, from: r.offset, to: r.offset + size)
            switch id {
            case .custom: try decodeCustom(&s, into: &module)
            case .constants: module.constants = try decodeConstants(&s)
            case .imports: module.imports = try decodeImports(&s)
            case .globals: module.globals = try decodeGlobals(&s)
            case .functions: module.functions = try decodeFunctions(&s)
            case .exports: module.exports = try decodeExports(&s)
            case .start: module.start = try s.u32("start function index")
            }
            guard s.isAtEnd else { throw s.error("\(s.remaining) unused bytes at the end of section \(id)") }
            r.offset += size
        }
        return module
    }

    private static func decodeCustom(_ s: inout ByteReader, into module: inout Module) throws(DecodeError) {
        guard module.customSections.count < Limits.customSections else {
            throw s.error("more than \(Limits.customSections) custom sections")
        }
        let name = try s.name("custom section name")
        if name == BinaryFormat.debugSectionName {
            guard module.debug == nil else { throw s.error("repeated debug section") }
            let file = try s.name("debug file name")
            let n = try s.count("debug function", limit: Limits.functions)
            var locals: [[String]] = []
            locals.reserveCapacity(n)
            for _ in 0..<n {
                let m = try s.count("debug local name", limit: Limits.locals)
                var names: [String] = []
                names.reserveCapacity(m)
                for _ in 0..<m { names.append(try s.name("local name")) }
                locals.append(names)
            }
            var files: [String] = []
            if s.offset < s.end {
                let k = try s.count("debug function file", limit: Limits.functions)
                files.reserveCapacity(k)
                for _ in 0..<k { files.append(try s.name("debug function file name")) }
            }
            module.debug = DebugInfo(file: file, localNames: locals, functionFiles: files)
        } else {
            let start = s.offset
            module.customSections.append(CustomSection(name: name, bytes: Array(s.bytes[start..<s.end])))
            s.offset = s.end
        }
    }

    private static func decodeConstants(_ s: inout ByteReader) throws(DecodeError) -> [Constant] {
        let n = try s.count("constant", limit: Limits.constants, minItemBytes: 2)
        var out: [Constant] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let kindOffset = s.offset
            let raw = try s.byte("constant kind")
            guard let kind = BinaryFormat.ConstantKind(rawValue: raw) else {
                throw DecodeError(offset: kindOffset, "constant \(i) has unknown kind \(raw)")
            }
            switch kind {
            case .int: out.append(.int(try s.sleb64("int constant")))
            case .bigInt:
                let sign = try s.byte("big int sign")
                guard sign <= 1 else { throw DecodeError(offset: s.offset - 1, "big int sign must be 0 or 1, not \(sign)") }
                let magOffset = s.offset
                let mag = try s.bytes("big int magnitude", limit: Limits.bigIntBytes)
                guard let last = mag.last, last != 0 else {
                    throw DecodeError(offset: magOffset, "big int magnitude must be non-empty with no trailing zero byte")
                }
                out.append(.bigInt(negative: sign == 1, magnitude: mag))
            case .float: out.append(.float(try s.float64("float constant")))
            case .string: out.append(.string(try s.bytes("string constant")))
            case .bytes: out.append(.bytes(try s.bytes("bytes constant")))
            }
        }
        return out
    }

    private static func decodeImports(_ s: inout ByteReader) throws(DecodeError) -> [Import] {
        let n = try s.count("import", limit: Limits.imports, minItemBytes: 2)
        var out: [Import] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let module = try s.name("import module name")
            let name = try s.name("import function name")
            out.append(Import(module: module, name: name))
        }
        return out
    }

    private static func decodeGlobals(_ s: inout ByteReader) throws(DecodeError) -> [Global] {
        let n = try s.count("global", limit: Limits.globals)
        var out: [Global] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(Global(name: try s.name("global name"))) }
        return out
    }

    private static func decodeExports(_ s: inout ByteReader) throws(DecodeError) -> [Export] {
        let n = try s.count("export", limit: Limits.exports, minItemBytes: 3)
        var out: [Export] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let name = try s.name("export name")
            let kindOffset = s.offset
            let raw = try s.byte("export kind")
            guard let kind = Export.Kind(rawValue: raw) else {
                throw DecodeError(offset: kindOffset, "unknown export kind \(raw)")
            }
            out.append(Export(name: name, kind: kind, index: try s.u32("export index")))
        }
        return out
    }

    private static func decodeFunctions(_ s: inout ByteReader) throws(DecodeError) -> [Function] {
        let n = try s.count("function", limit: Limits.functions, minItemBytes: 8)
        var out: [Function] = []
        out.reserveCapacity(n)
        for f in 0..<n {
            let name = try s.name("function name")
            let flagsOffset = s.offset
            let flags = try s.byte("function flags")
            guard flags & ~(BinaryFormat.functionVarargs | BinaryFormat.functionKwargs) == 0 else {
                throw DecodeError(offset: flagsOffset, function: f, "unknown function flags \(flags)")
            }
            let paramCount = try s.count("parameter", limit: Limits.params, minItemBytes: 2)
            var params: [Param] = []
            params.reserveCapacity(paramCount)
            for _ in 0..<paramCount {
                let pname = try s.name("parameter name")
                let pflagsOffset = s.offset
                let pflags = try s.byte("parameter flags")
                guard pflags & ~BinaryFormat.paramHasDefault == 0 else {
                    throw DecodeError(offset: pflagsOffset, function: f, "unknown parameter flags \(pflags)")
                }
                params.append(Param(name: pname, hasDefault: pflags & BinaryFormat.paramHasDefault != 0))
            }
            let positional = try s.u32("positional parameter count")
            let localCount = try s.u32("local count")
            let freeCount = try s.u32("free variable count")
            let codeOffset = s.offset
            let codeSize = Int(try s.u32("code size"))
            guard codeSize <= s.remaining else {
                throw DecodeError(offset: codeOffset, function: f, "code size \(codeSize) runs past the end of the section")
            }
            var c = ByteReader(s.bytes, from: s.offset, to: s.offset + codeSize)
            let code = try decodeCode(&c, function: f)
            s.offset += codeSize
            let lineCount = try s.count("line table entry", limit: Limits.instructionsPerFunction, minItemBytes: 3)
            var lines: [LineEntry] = []
            lines.reserveCapacity(lineCount)
            var pc: UInt32 = 0
            for i in 0..<lineCount {
                let deltaOffset = s.offset
                let delta = try s.u32("line table pc delta")
                guard i == 0 || delta > 0, UInt64(pc) + UInt64(delta) <= UInt64(code.count) else {
                    throw DecodeError(offset: deltaOffset, function: f, "line table pc must increase and stay within the code")
                }
                pc += delta
                lines.append(LineEntry(pc: pc, line: try s.u32("line"), column: try s.u32("column")))
            }
            out.append(
                Function(
                    name: name, params: params, positionalCount: positional,
                    hasVarargs: flags & BinaryFormat.functionVarargs != 0,
                    hasKwargs: flags & BinaryFormat.functionKwargs != 0,
                    localCount: localCount, freeCount: freeCount, code: code, lines: lines))
        }
        return out
    }

    /// Decodes one function body. Structure is checked later; here only encodings.
    static func decodeCode(_ c: inout ByteReader, function f: Int) throws(DecodeError) -> [Instruction] {
        var code: [Instruction] = []
        // An instruction is at least one byte, so this reservation is backed by the input.
        code.reserveCapacity(min(c.remaining, 1 << 16))
        while !c.isAtEnd {
            let at = c.offset
            let pc = code.count
            guard pc < Limits.instructionsPerFunction else {
                throw DecodeError(offset: at, function: f, pc: pc, "more than \(Limits.instructionsPerFunction) instructions")
            }
            do {
                code.append(try decodeInstruction(&c))
            } catch {
                throw DecodeError(offset: error.offset, function: f, pc: pc, error.message)
            }
        }
        return code
    }

    static func decodeInstruction(_ c: inout ByteReader) throws(DecodeError) -> Instruction {
        let at = c.offset
        let raw = try c.byte("opcode")
        guard let op = Opcode(rawValue: raw) else {
            throw DecodeError(offset: at, "unknown opcode 0x\(String(raw, radix: 16))")
        }
        var ins = Instruction(op)
        switch op.info.immediates {
        case .none: break
        case .index: ins.a = try c.u32("\(op.info.mnemonic) immediate")
        case .label: ins.a = try c.u32("\(op.info.mnemonic) label")
        case .int64: ins.int = try c.sleb64("\(op.info.mnemonic) immediate")
        case .blockType:
            let bt = try c.byte("block type")
            guard bt <= 1 else { throw DecodeError(offset: c.offset - 1, "block type must be 0 or 1 results, not \(bt)") }
            ins.a = UInt32(bt)
        case .call(let withName):
            if withName { ins.name = try c.u32("method name") }
            ins.a = try c.u32("positional argument count")
            ins.b = try c.u32("named argument count")
            let flagsAt = c.offset
            let flags = try c.byte("call flags")
            guard flags <= 3 else { throw DecodeError(offset: flagsAt, "unknown call flags \(flags)") }
            ins.c = UInt32(flags)
        }
        return ins
    }
}
