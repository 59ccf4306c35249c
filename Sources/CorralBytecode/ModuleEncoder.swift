/// Encodes a `Module` to its binary form (bytecode/SPEC.md). Decoding the output gives the
/// same `Module` back.
public enum ModuleEncoder {
    public static func encode(_ module: Module) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.append(contentsOf: BinaryFormat.magic)
        for i in 0..<4 { w.byte(UInt8(truncatingIfNeeded: BinaryFormat.version >> UInt32(8 * i))) }

        if !module.constants.isEmpty {
            section(&w, .constants) { s in
                s.u32(module.constants.count)
                for k in module.constants { constant(&s, k) }
            }
        }
        if !module.imports.isEmpty {
            section(&w, .imports) { s in
                s.u32(module.imports.count)
                for i in module.imports {
                    s.name(i.module)
                    s.name(i.name)
                }
            }
        }
        if !module.globals.isEmpty {
            section(&w, .globals) { s in
                s.u32(module.globals.count)
                for g in module.globals { s.name(g.name) }
            }
        }
        if !module.functions.isEmpty {
            section(&w, .functions) { s in
                s.u32(module.functions.count)
                for f in module.functions { function(&s, f) }
            }
        }
        if !module.exports.isEmpty {
            section(&w, .exports) { s in
                s.u32(module.exports.count)
                for e in module.exports {
                    s.name(e.name)
                    s.byte(e.kind.rawValue)
                    s.u32(e.index)
                }
            }
        }
        if let start = module.start {
            section(&w, .start) { s in s.u32(start) }
        }
        for custom in module.customSections {
            section(&w, .custom) { s in
                s.name(custom.name)
                s.bytes.append(contentsOf: custom.bytes)
            }
        }
        if let debug = module.debug {
            section(&w, .custom) { s in
                s.name(BinaryFormat.debugSectionName)
                s.name(debug.file)
                s.u32(debug.localNames.count)
                for names in debug.localNames {
                    s.u32(names.count)
                    for n in names { s.name(n) }
                }
                // Optional trailer: written only when some function has a file of its own.
                if !debug.functionFiles.isEmpty {
                    s.u32(debug.functionFiles.count)
                    for f in debug.functionFiles { s.name(f) }
                }
            }
        }
        return w.bytes
    }

    private static func section(_ w: inout ByteWriter, _ id: BinaryFormat.SectionID, _ body: (inout ByteWriter) -> Void) {
        var s = ByteWriter()
        body(&s)
        w.byte(id.rawValue)
        w.bytes(s.bytes)
    }

    private static func constant(_ s: inout ByteWriter, _ k: Constant) {
        switch k {
        case .int(let v):
            s.byte(BinaryFormat.ConstantKind.int.rawValue)
            s.sleb64(v)
        case .bigInt(let negative, let magnitude):
            s.byte(BinaryFormat.ConstantKind.bigInt.rawValue)
            s.byte(negative ? 1 : 0)
            s.bytes(magnitude)
        case .float(let d):
            s.byte(BinaryFormat.ConstantKind.float.rawValue)
            s.float64(d)
        case .string(let b):
            s.byte(BinaryFormat.ConstantKind.string.rawValue)
            s.bytes(b)
        case .bytes(let b):
            s.byte(BinaryFormat.ConstantKind.bytes.rawValue)
            s.bytes(b)
        }
    }

    private static func function(_ s: inout ByteWriter, _ f: Function) {
        s.name(f.name)
        s.byte((f.hasVarargs ? BinaryFormat.functionVarargs : 0) | (f.hasKwargs ? BinaryFormat.functionKwargs : 0))
        s.u32(f.params.count)
        for p in f.params {
            s.name(p.name)
            s.byte(p.hasDefault ? BinaryFormat.paramHasDefault : 0)
        }
        s.u32(f.positionalCount)
        s.u32(f.localCount)
        s.u32(f.freeCount)
        var c = ByteWriter()
        for ins in f.code { instruction(&c, ins) }
        s.bytes(c.bytes)
        s.u32(f.lines.count)
        var pc: UInt32 = 0
        for e in f.lines {
            s.u32(e.pc &- pc)
            pc = e.pc
            s.u32(e.line)
            s.u32(e.column)
        }
    }

    static func instruction(_ c: inout ByteWriter, _ ins: Instruction) {
        c.byte(ins.opcode.rawValue)
        switch ins.opcode.info.immediates {
        case .none: break
        case .index, .label: c.u32(ins.a)
        case .int64: c.sleb64(ins.int)
        case .blockType: c.byte(UInt8(truncatingIfNeeded: ins.a))
        case .call(let withName):
            if withName { c.u32(ins.name) }
            c.u32(ins.a)
            c.u32(ins.b)
            c.byte(UInt8(truncatingIfNeeded: ins.c))
        }
    }
}
