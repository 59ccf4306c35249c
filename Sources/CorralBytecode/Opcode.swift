/// Every instruction of the Corral bytecode, by its one-byte encoding.
///
/// This enum and `Opcode.info` below are the one opcode table: the decoder, encoder,
/// validator, translator, assembler, disassembler, fuel schedule and `bytecode/OPCODES.md`
/// all read from it. Switches over `Opcode` have no `default:` so that a new opcode breaks
/// the build wherever it needs handling.
public enum Opcode: UInt8, CaseIterable, Sendable {
    // control
    case unreachable = 0x00
    case nop = 0x01
    case block = 0x02
    case loop = 0x03
    case `if` = 0x04
    case `else` = 0x05
    case end = 0x0B
    case br = 0x0C
    case brIf = 0x0D
    case brUnless = 0x0E
    case `return` = 0x0F
    // stack and constants
    case drop = 0x10
    case dup = 0x11
    case dup2 = 0x12
    case swap = 0x13
    case constNone = 0x18
    case constTrue = 0x19
    case constFalse = 0x1A
    case constInt = 0x1B
    case const = 0x1C
    // variables
    case localGet = 0x20
    case localSet = 0x21
    case globalGet = 0x22
    case globalSet = 0x23
    case cellMake = 0x24
    case cellGet = 0x25
    case cellSet = 0x26
    case freeGet = 0x27
    case freeCell = 0x2B
    case builtin = 0x28
    case importGet = 0x29
    case funcMake = 0x2A
    // arithmetic
    case add = 0x30
    case sub = 0x31
    case mul = 0x32
    case div = 0x33
    case floorDiv = 0x34
    case mod = 0x35
    case neg = 0x36
    case pos = 0x37
    case bitAnd = 0x38
    case bitOr = 0x39
    case bitXor = 0x3A
    case bitNot = 0x3B
    case shl = 0x3C
    case shr = 0x3D
    case addInPlace = 0x3E
    case bitOrInPlace = 0x3F
    // comparison and logic
    case eq = 0x40
    case ne = 0x41
    case lt = 0x42
    case le = 0x43
    case gt = 0x44
    case ge = 0x45
    case `in` = 0x46
    case notIn = 0x47
    case not = 0x48
    // data structures
    case listNew = 0x50
    case tupleNew = 0x51
    case dictNew = 0x52
    case listPush = 0x53
    case index = 0x54
    case indexSet = 0x55
    case slice = 0x56
    case attr = 0x57
    case unpack = 0x58
    case attrSet = 0x59
    // iteration
    case iterBegin = 0x60
    case iterNext = 0x61
    case iterEnd = 0x62
    // calls
    case call = 0x70
    case callAttr = 0x71
}

/// The kinds of immediate operand an instruction carries after its opcode byte.
public enum ImmediateShape: Sendable, Equatable {
    /// No immediates.
    case none
    /// One unsigned LEB128 u32: an index (local, global, constant, function, import) or a count.
    case index(IndexSpace)
    /// One signed LEB128 i64.
    case int64
    /// One unsigned LEB128 u32: a relative label depth (0 = innermost enclosing block).
    case label
    /// One byte: the number of values a block leaves (0 or 1).
    case blockType
    /// Three immediates: positional count (u32), named count (u32), flags (u8: bit 0 = *args,
    /// bit 1 = **kwargs). `callAttr` carries a name constant index first.
    case call(withName: Bool)
}

/// What an index immediate refers to; the validator checks it against the matching section.
public enum IndexSpace: String, Sendable {
    case local, global, constant, name, function, `import`, free, count
}

/// Groups used for the reference document and for the interpreter's handler files.
public enum OpcodeCategory: String, CaseIterable, Sendable {
    case control, stack, variables, arithmetic, comparison, data, iteration, calls
}

/// One row of the opcode table.
public struct OpcodeInfo: Sendable {
    /// Text-form name, e.g. `local.get`.
    public let mnemonic: String
    public let immediates: ImmediateShape
    /// Stack effect as written in the reference (`a b → c`); the validator applies the exact
    /// counts instruction by instruction.
    public let stack: String
    /// Base fuel charged when the instruction's block is entered (schedule version `FuelSchedule.version`).
    public let fuel: Int
    /// Work-dependent fuel charged when the instruction runs, if any (empty when none).
    public let dynamicFuel: String
    public let category: OpcodeCategory
    /// Control transfer out of the straight line (ends a fuel block).
    public let isBranch: Bool
    /// Nothing after it in the same block is reachable (`br`, `return`, `unreachable`).
    public let isTerminator: Bool
    /// One-line meaning, Lua style.
    public let meaning: String
}

/// The fuel schedule's version. Bump it whenever any cost in `Opcode.info` or any dynamic
/// charge changes, and say why in bytecode/SPEC.md: fuel numbers are part of the contract.
public enum FuelSchedule {
    public static let version = 2
    /// Fuel per element for work proportional to a collection's length.
    public static let perElement = 1
    /// Bytes covered by one unit of fuel for byte-proportional work (strings, bytes).
    public static let bytesPerFuel = 8
}

extension Opcode {
    /// The opcode table. Exhaustive by construction: adding a case without a row fails to compile.
    public var info: OpcodeInfo {
        switch self {
        case .unreachable: row("unreachable", .none, "→", 0, .control, term: true, "trap(runtime-error)")
        case .nop: row("nop", .none, "→", 0, .control, "do nothing")
        case .block: row("block", .blockType, "→", 0, .control, "begin a block; `br` to it jumps past its `end`")
        case .loop: row("loop", .blockType, "→", 0, .control, "begin a loop; `br` to it jumps back to its start")
        case .if: row("if", .blockType, "c →", 1, .control, branch: true, "if truth(pop()) run then-arm else else-arm")
        case .else: row("else", .none, "→", 0, .control, branch: true, "end the then-arm, begin the else-arm")
        case .end:
            row("end", .none, "→", 0, .control, dyn: "the function body's final end returns: 1, as return",
                "end the innermost block, loop, if or function body")
        case .br: row("br", .label, "→", 1, .control, branch: true, term: true, "jump to label L, keeping its results")
        case .brIf: row("br_if", .label, "c →", 1, .control, branch: true, "if truth(pop()) jump to label L")
        case .brUnless: row("br_unless", .label, "c →", 1, .control, branch: true, "if not truth(pop()) jump to label L")
        case .return: row("return", .none, "v →", 1, .control, branch: true, term: true, "return pop() to the caller")

        case .drop: row("drop", .none, "a →", 1, .stack, "pop()")
        case .dup: row("dup", .none, "a → a a", 1, .stack, "push(top())")
        case .dup2: row("dup2", .none, "a b → a b a b", 1, .stack, "push the top two again")
        case .swap: row("swap", .none, "a b → b a", 1, .stack, "exchange the top two")
        case .constNone: row("const.none", .none, "→ None", 1, .stack, "push(None)")
        case .constTrue: row("const.true", .none, "→ True", 1, .stack, "push(True)")
        case .constFalse: row("const.false", .none, "→ False", 1, .stack, "push(False)")
        case .constInt: row("const.int", .int64, "→ n", 1, .stack, "push(int n)")
        case .const: row("const", .index(.constant), "→ k", 1, .stack, "push(constants[k])")

        case .localGet: row("local.get", .index(.local), "→ v", 1, .variables, "push(locals[i]); trap if unassigned")
        case .localSet: row("local.set", .index(.local), "v →", 1, .variables, "locals[i] = pop()")
        case .globalGet: row("global.get", .index(.global), "→ v", 1, .variables, "push(globals[i]); trap if unassigned")
        case .globalSet: row("global.set", .index(.global), "v →", 1, .variables, "globals[i] = pop(); trap if frozen")
        case .cellMake: row("cell.make", .index(.local), "→", 2, .variables, "locals[i] = cell(locals[i])")
        case .cellGet: row("cell.get", .index(.local), "→ v", 1, .variables, "push(locals[i].value); trap if unassigned")
        case .cellSet: row("cell.set", .index(.local), "v →", 1, .variables, "locals[i].value = pop()")
        case .freeGet: row("free.get", .index(.free), "→ v", 1, .variables, "push(closure.free[i].value); trap if unassigned")
        case .freeCell: row("free.cell", .index(.free), "→ c", 1, .variables, "push(closure.free[i]), the cell itself, to pass on to func.make")
        case .builtin: row("builtin", .index(.name), "→ f", 1, .variables, "push(the builtin named by string constant k)")
        case .importGet: row("import.get", .index(.import), "→ f", 1, .variables, "push(the host function bound to import i)")
        case .funcMake:
            row("func.make", .index(.function), "defaults… cells… → f", 2, .variables,
                dyn: "+1 per default and cell, with the block", "push(function f closed over popped defaults and cells)")

        case .add: row("add", .none, "a b → a+b", 1, .arithmetic, dyn: "+1 per 8 bytes or element built; big ints: +max(words)", "push(a + b)")
        case .sub: row("sub", .none, "a b → a-b", 1, .arithmetic, dyn: "big ints: +max(words); sets: +1 per element", "push(a - b)")
        case .mul: row("mul", .none, "a b → a*b", 1, .arithmetic, dyn: "+1 per 8 bytes or element built; big ints: +words a × words b", "push(a * b)")
        case .div: row("div", .none, "a b → a/b", 1, .arithmetic, dyn: "big ints: +words a × words b", "push(a / b) as float; trap on zero")
        case .floorDiv: row("floordiv", .none, "a b → a//b", 1, .arithmetic, dyn: "big ints: +words a × words b", "push(a // b); trap on zero")
        case .mod: row("mod", .none, "a b → a%b", 1, .arithmetic, dyn: "big ints: +words a × words b", "push(a % b), sign of b; trap on zero")
        case .neg: row("neg", .none, "a → -a", 1, .arithmetic, dyn: "big ints: +words", "push(-a)")
        case .pos: row("pos", .none, "a → +a", 1, .arithmetic, "push(+a); a must be a number")
        case .bitAnd: row("bitand", .none, "a b → a&b", 1, .arithmetic, dyn: "big ints: +max(words); sets: +1 per element", "push(a & b)")
        case .bitOr: row("bitor", .none, "a b → a|b", 1, .arithmetic, dyn: "big ints: +max(words); dicts, sets: +1 per element", "push(a | b)")
        case .bitXor: row("bitxor", .none, "a b → a^b", 1, .arithmetic, dyn: "big ints: +max(words); sets: +1 per element", "push(a ^ b)")
        case .bitNot: row("bitnot", .none, "a → ~a", 1, .arithmetic, dyn: "big ints: +words", "push(~a)")
        case .shl: row("shl", .none, "a b → a<<b", 1, .arithmetic, dyn: "off the 64-bit path: +words a + b/64", "push(a << b); trap if b < 0 or b ≥ 512")
        case .shr: row("shr", .none, "a b → a>>b", 1, .arithmetic, dyn: "big ints: +words", "push(a >> b); trap if b < 0")
        case .addInPlace:
            row("add.inplace", .none, "a b → a+=b", 1, .arithmetic, dyn: "+1 per element appended",
                "if a is a list extend it by b and push(a), else push(a + b)")
        case .bitOrInPlace:
            row("bitor.inplace", .none, "a b → a|=b", 1, .arithmetic, dyn: "+1 per element",
                "if a is a dict update it by b and push(a), else push(a | b)")

        case .eq: row("eq", .none, "a b → a==b", 1, .comparison, dyn: "+1 per element or 8 bytes compared", "push(a == b)")
        case .ne: row("ne", .none, "a b → a!=b", 1, .comparison, dyn: "+1 per element or 8 bytes compared", "push(a != b)")
        case .lt: row("lt", .none, "a b → a<b", 1, .comparison, dyn: "+1 per element or 8 bytes compared", "push(a < b)")
        case .le: row("le", .none, "a b → a<=b", 1, .comparison, dyn: "+1 per element or 8 bytes compared", "push(a <= b)")
        case .gt: row("gt", .none, "a b → a>b", 1, .comparison, dyn: "+1 per element or 8 bytes compared", "push(a > b)")
        case .ge: row("ge", .none, "a b → a>=b", 1, .comparison, dyn: "+1 per element or 8 bytes compared", "push(a >= b)")
        case .in: row("in", .none, "x s → x in s", 1, .comparison, dyn: "+1 per element or 8 bytes searched; dicts, sets: the key's hash", "push(x in s)")
        case .notIn: row("not_in", .none, "x s → x not in s", 1, .comparison, dyn: "+1 per element or 8 bytes searched; dicts, sets: the key's hash", "push(x not in s)")
        case .not: row("not", .none, "a → not a", 1, .comparison, "push(not truth(a))")

        case .listNew: row("list.new", .index(.count), "x₁…xₙ → list", 2, .data, dyn: "+n, with the block", "push([x₁, …, xₙ])")
        case .tupleNew: row("tuple.new", .index(.count), "x₁…xₙ → tuple", 2, .data, dyn: "+n, with the block", "push((x₁, …, xₙ))")
        case .dictNew: row("dict.new", .index(.count), "k₁ v₁…kₙ vₙ → dict", 2, .data, dyn: "+n, with the block; each key's hash", "push({k₁: v₁, …}); trap on a repeated key")
        case .listPush: row("list.push", .none, "l x →", 1, .data, "l.append(x)")
        case .index: row("index", .none, "s k → s[k]", 1, .data, dyn: "dicts: the key's hash", "push(s[k])")
        case .indexSet: row("index.set", .none, "s k v →", 1, .data, dyn: "dicts: the key's hash", "s[k] = v; trap if frozen or iterating")
        case .slice: row("slice", .none, "s lo hi step → s[lo:hi:step]", 2, .data, dyn: "+1 per element or 8 bytes copied", "push(s[lo:hi:step]); None means absent")
        case .attr: row("attr", .index(.name), "x → x.name", 1, .data, "push(x.name), e.g. a bound method")
        case .attrSet: row("attr.set", .index(.name), "x v →", 1, .data, "x.name = v; traps unless x has assignable fields (no Starlark value does; the test value `hasfields` does)")
        case .unpack: row("unpack", .index(.count), "s → x₁…xₙ", 1, .data, dyn: "+n, with the block", "push the n elements of s; trap unless len(s) == n")

        case .iterBegin: row("iter.begin", .none, "s → it", 2, .iteration, "push(iterator over s); s cannot be mutated until iter.end")
        case .iterNext: row("iter.next", .label, "it → it x", 1, .iteration, branch: true, "push(next(it)), or jump to label L when it is exhausted")
        case .iterEnd: row("iter.end", .none, "it →", 1, .iteration, "pop() the iterator; its sequence may be mutated again")

        case .call:
            row("call", .call(withName: false), "f args… (name v)… [*a] [**kw] → r", 5, .calls,
                dyn: "+1 per named argument and spread, with the block; +1 per element spread", "push(f(args…, name=v…, *a, **kw))")
        case .callAttr:
            row("call.attr", .call(withName: true), "x args… (name v)… [*a] [**kw] → r", 5, .calls,
                dyn: "+1 per named argument and spread, with the block; +1 per element spread", "push(x.name(args…)) without building a bound method")
        }
    }

    private func row(
        _ mnemonic: String, _ imm: ImmediateShape, _ stack: String, _ fuel: Int, _ category: OpcodeCategory,
        branch: Bool = false, term: Bool = false, dyn: String = "", _ meaning: String
    ) -> OpcodeInfo {
        OpcodeInfo(
            mnemonic: mnemonic, immediates: imm, stack: stack, fuel: fuel, dynamicFuel: dyn,
            category: category, isBranch: branch, isTerminator: term, meaning: meaning)
    }

    /// Looks an opcode up by its text-form mnemonic.
    public init?(mnemonic: String) {
        guard let op = Opcode.byMnemonic[mnemonic] else { return nil }
        self = op
    }

    private static let byMnemonic: [String: Opcode] = {
        var table: [String: Opcode] = [:]
        for op in Opcode.allCases { table[op.info.mnemonic] = op }
        return table
    }()
}
