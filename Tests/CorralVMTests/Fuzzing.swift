import CorralBytecode

// Input generators for FuzzTests: seeded, so any input is rebuilt from (seed, lane, index).

/// SplitMix64: tiny, seedable, and the same sequence everywhere, so a failing seed replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform enough in `0..<n` (modulo bias does not matter here).
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
    mutating func bool() -> Bool { next() & 1 == 0 }
    /// True one time in `n`.
    mutating func oneIn(_ n: Int) -> Bool { below(n) == 0 }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    /// The generator for input `index` of `lane` in the run seeded `seed`: each input stands
    /// alone, so `CORRAL_FUZZ_ONLY=index` rebuilds it without replaying the ones before.
    static func forInput(seed: UInt64, lane: UInt64, index: Int) -> SplitMix64 {
        var mix = SplitMix64(seed: seed ^ (lane &* 0xD6E8_FEB8_6659_FD93) ^ (UInt64(index) &* 0xA076_1D64_78BD_642F))
        return SplitMix64(seed: mix.next())
    }
}

// MARK: - Byte-level view of the format

/// Just enough of the binary format to aim mutations at fields: LEB128 and section framing.
enum Wire {
    static let header: [UInt8] = BinaryFormat.magic + [1, 0, 0, 0]

    static func uleb(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            out.append(b)
        } while v != 0
        return out
    }

    /// A LEB128 at `at`, leniently (at most 10 bytes): its value and where it ends.
    static func readLEB(_ b: [UInt8], at: Int) -> (value: UInt64, end: Int)? {
        var value: UInt64 = 0
        var i = at
        while i < b.count, i - at < 10 {
            value |= UInt64(b[i] & 0x7F) << UInt64(7 * (i - at))
            i += 1
            if b[i - 1] & 0x80 == 0 { return (value, i) }
        }
        return nil
    }

    struct Section {
        var id: UInt8
        /// Offset of the size field, and the body's range.
        var sizeAt: Int
        var body: Range<Int>
    }

    /// The sections of `b` up to the first one that is not framed properly.
    static func sections(_ b: [UInt8]) -> [Section] {
        guard b.count >= 8 else { return [] }
        var out: [Section] = []
        var at = 8
        while at < b.count {
            guard let (size, bodyStart) = readLEB(b, at: at + 1), size <= UInt64(b.count - bodyStart) else { break }
            out.append(Section(id: b[at], sizeAt: at + 1, body: bodyStart..<bodyStart + Int(size)))
            at = bodyStart + Int(size)
        }
        return out
    }

    /// A module from sections, each size written to fit its body.
    static func module(_ sections: [(id: UInt8, body: [UInt8])]) -> [UInt8] {
        var out = header
        for s in sections {
            out.append(s.id)
            out += uleb(UInt64(s.body.count))
            out += s.body
        }
        return out
    }

    static func split(_ b: [UInt8]) -> [(id: UInt8, body: [UInt8])] {
        sections(b).map { ($0.id, Array(b[$0.body])) }
    }
}

// MARK: - Mutations

/// Byte- and module-level mutations of seed modules.
struct Mutator {
    var rng: SplitMix64
    /// Modules to splice from and to start over from; byte mutations need at least one.
    let seeds: [[UInt8]]

    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x81, 0x01, 0x0B, 0x02, 0x03, 0x04, 0x05, 0x0C, 0x40, 0xC0, 0x3F]

    /// LEB128 values aimed at length and count fields: the u32 edges, the format's limits,
    /// over-long and overflowing encodings, and one that never terminates.
    static let hugeLEBs: [[UInt8]] = [
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],  // 2^32 - 1
        [0x80, 0x80, 0x80, 0x80, 0x08],  // 2^31
        [0xFE, 0xFF, 0xFF, 0xFF, 0x0F],  // 2^32 - 2
        [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],  // overflows 32 bits
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // 2^64 - 1
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x00],  // zero, over-long
        [0xFF, 0xFF, 0xFF, 0xFF],  // unterminated
        Wire.uleb(UInt64(Limits.constants)), Wire.uleb(UInt64(Limits.constants + 1)),
        Wire.uleb(UInt64(Limits.functions)), Wire.uleb(UInt64(Limits.instructionsPerFunction)),
        Wire.uleb(UInt64(Limits.locals)), Wire.uleb(UInt64(Limits.locals + 1)),
        Wire.uleb(UInt64(Limits.bigIntBytes + 1)), Wire.uleb(UInt64(Limits.nameBytes + 1)),
        Wire.uleb(UInt64(Limits.moduleBytes)),
    ]

    /// One to four stacked byte-level mutations of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0..<rng.int(1...4) { mutateOnce(&b) }
        return b
    }

    mutating func mutateOnce(_ b: inout [UInt8]) {
        if b.isEmpty { b = rng.pick(seeds) }
        switch rng.below(11) {
        case 0:  // flip bits
            for _ in 0..<rng.int(1...4) { b[rng.below(b.count)] ^= 1 << UInt8(rng.below(8)) }
        case 1:  // an interesting byte
            b[rng.below(b.count)] = rng.pick(Mutator.interestingBytes)
        case 2:  // truncate
            b.removeLast(rng.int(1...b.count))
        case 3:  // insert a run
            let run = (0..<rng.int(1...16)).map { _ in rng.bool() ? rng.pick(Mutator.interestingBytes) : rng.byte() }
            b.insert(contentsOf: run, at: rng.below(b.count + 1))
        case 4:  // delete a run
            let at = rng.below(b.count)
            b.removeSubrange(at..<min(b.count, at + rng.int(1...16)))
        case 5:  // duplicate a section
            var parts = Wire.split(b)
            guard !parts.isEmpty else { return mutateOnce(&b) }
            let i = rng.below(parts.count)
            parts.insert(parts[i], at: rng.below(parts.count + 1))
            b = Wire.module(parts)
        case 6:  // splice: a prefix of this input, a suffix of another
            let other = rng.pick(seeds)
            b = Array(b.prefix(rng.below(b.count + 1))) + Array(other.suffix(rng.below(other.count + 1)))
        case 7:  // splice sections: swap in another module's section with the same id
            var parts = Wire.split(b)
            let others = Wire.split(rng.pick(seeds))
            guard !parts.isEmpty, !others.isEmpty else { return mutateOnce(&b) }
            let donor = rng.pick(others)
            if let i = parts.firstIndex(where: { $0.id == donor.id }) { parts[i] = donor } else { parts.append(donor) }
            b = Wire.module(parts)
        case 8, 9:  // a length or count field claims a huge value
            hugeField(&b)
        default:  // mutate inside one section, then fix its size so the decoder reads the body
            var parts = Wire.split(b)
            guard !parts.isEmpty else { return mutateOnce(&b) }
            let i = rng.below(parts.count)
            var body = parts[i].body
            if body.isEmpty { body = [rng.byte()] }
            switch rng.below(4) {
            case 0: body[rng.below(body.count)] = rng.pick(Mutator.interestingBytes)
            case 1: body[rng.below(body.count)] ^= 1 << UInt8(rng.below(8))
            case 2: replaceLEB(&body, at: leb(in: body), with: rng.pick(Mutator.hugeLEBs))
            default: body.removeLast(rng.int(1...body.count))
            }
            parts[i].body = body
            b = Wire.module(parts)
        }
    }

    /// Replaces a section size, a section's first count, or any LEB with a huge value.
    mutating func hugeField(_ b: inout [UInt8]) {
        let sections = Wire.sections(b)
        let at: Int
        if !sections.isEmpty, rng.bool() {
            let s = rng.pick(sections)
            at = rng.bool() || s.body.isEmpty ? s.sizeAt : s.body.lowerBound
        } else {
            at = leb(in: b)
        }
        replaceLEB(&b, at: at, with: rng.pick(Mutator.hugeLEBs))
    }

    /// A random offset where a LEB128 could start (just after a byte without continuation).
    mutating func leb(in b: [UInt8]) -> Int {
        guard !b.isEmpty else { return 0 }
        for _ in 0..<8 {
            let i = rng.below(b.count)
            if i == 0 || b[i - 1] & 0x80 == 0 { return i }
        }
        return rng.below(b.count)
    }

    func replaceLEB(_ b: inout [UInt8], at: Int, with leb: [UInt8]) {
        guard at < b.count else { return b.append(contentsOf: leb) }
        let end = Wire.readLEB(b, at: at)?.end ?? min(b.count, at + 1)
        b.replaceSubrange(at..<end, with: leb)
    }

    // MARK: Module-level mutations

    /// Mutates the decoded module (one to three times) so it stays decodable but tests the
    /// validator: dangling indices, bad immediates, broken nesting, wrong signatures.
    mutating func mutate(_ m: inout Module) {
        for _ in 0..<rng.int(1...3) { mutateOnce(&m) }
    }

    mutating func edgeIndex(near count: Int) -> UInt32 {
        switch rng.below(8) {
        case 0: return UInt32.max
        case 1: return UInt32(truncatingIfNeeded: max(count - 1, 0))
        case 2: return UInt32(truncatingIfNeeded: count)
        case 3: return UInt32(truncatingIfNeeded: count + 1)
        case 4: return rng.pick([255, 256, 65_535, 65_536, 1_000_000, 1 << 31])
        default: return UInt32(truncatingIfNeeded: rng.below(min(max(count, 1), 1 << 20) + 2))
        }
    }

    mutating func randomInstruction(_ m: Module) -> Instruction {
        var ins = Instruction(rng.pick(Opcode.allCases))
        switch ins.opcode.info.immediates {
        case .none: break
        case .index, .label: ins.a = edgeIndex(near: 4)
        case .int64: ins.int = rng.pick([0, 1, -1, Int64.max, Int64.min, Int64(rng.int(-100...100))])
        case .blockType: ins.a = UInt32(rng.below(2))
        case .call(let withName):
            if withName { ins.name = edgeIndex(near: m.constants.count) }
            ins.a = rng.oneIn(4) ? edgeIndex(near: 3) : UInt32(rng.below(4))
            ins.b = rng.oneIn(4) ? edgeIndex(near: 2) : UInt32(rng.below(3))
            ins.c = UInt32(rng.below(4))
        }
        return ins
    }

    mutating func mutateOnce(_ m: inout Module) {
        if m.functions.isEmpty { m.functions.append(Function(name: "f", code: [Instruction(.constNone), Instruction(.end)])) }
        let f = rng.below(m.functions.count)
        var code = m.functions[f].code
        switch rng.below(12) {
        case 0, 1:  // an immediate at an edge
            guard !code.isEmpty else { break }
            let pc = rng.below(code.count)
            switch code[pc].opcode.info.immediates {
            case .none: code[pc] = randomInstruction(m)
            case .index(let space):
                let count = switch space {
                case .local: Int(m.functions[f].localCount)
                case .global: m.globals.count
                case .constant, .name: m.constants.count
                case .function: m.functions.count
                case .import: m.imports.count
                case .free: Int(m.functions[f].freeCount)
                case .count: 3
                }
                code[pc].a = edgeIndex(near: count)
            case .label: code[pc].a = edgeIndex(near: 3)
            case .int64: code[pc].int = rng.pick([Int64.max, Int64.min, 0, -1, 1 << 62])
            case .blockType: code[pc].a = 1 - min(code[pc].a, 1)
            case .call: code[pc].a = edgeIndex(near: 2)
            }
        case 2, 3:  // insert an instruction
            code.insert(randomInstruction(m), at: rng.below(code.count + 1))
        case 4:  // delete one
            guard !code.isEmpty else { break }
            code.remove(at: rng.below(code.count))
        case 5:  // swap two
            guard code.count >= 2 else { break }
            code.swapAt(rng.below(code.count), rng.below(code.count))
        case 6:  // another opcode with the same immediates
            guard !code.isEmpty else { break }
            let pc = rng.below(code.count)
            let same = Opcode.allCases.filter { $0.info.immediates == code[pc].opcode.info.immediates }
            code[pc].opcode = rng.pick(same)
        case 7:  // the frame shape
            var fn = m.functions[f]
            switch rng.below(5) {
            case 0: fn.localCount = edgeIndex(near: Int(fn.localCount))
            case 1: fn.freeCount = edgeIndex(near: Int(fn.freeCount))
            case 2: fn.positionalCount = edgeIndex(near: fn.params.count)
            case 3: fn.params.append(Param(name: fn.params.first?.name ?? "p", hasDefault: rng.bool()))
            default:
                fn.hasVarargs.toggle()
                fn.hasKwargs = rng.bool()
            }
            m.functions[f] = fn
        case 8:  // module tables
            switch rng.below(6) {
            case 0: m.start = rng.oneIn(3) ? nil : edgeIndex(near: m.functions.count)
            case 1: m.exports.append(Export(name: "e\(rng.below(3))", kind: rng.bool() ? .function : .global, index: edgeIndex(near: m.functions.count)))
            case 2: if !m.constants.isEmpty { m.constants.removeLast() }
            case 3: if !m.globals.isEmpty { m.globals.removeLast() }
            case 4: if !m.constants.isEmpty { m.constants[rng.below(m.constants.count)] = rng.bool() ? .int(7) : .string(Array("nosuch".utf8)) }
            default: m.debug = DebugInfo(file: "f", localNames: Array(repeating: ["x"], count: m.functions.count + rng.below(2)))
            }
        case 9:  // a second copy of a function
            m.functions.append(m.functions[f])
        case 10:  // a line table that points past the code
            m.functions[f].lines.append(LineEntry(pc: UInt32(code.count + rng.below(2)), line: 1, column: 1))
        default:  // drop the final end, or add one too many
            if rng.bool(), !code.isEmpty { code.removeLast() } else { code.append(Instruction(.end)) }
        }
        m.functions[f].code = code
        m.functions[f].lines = m.functions[f].lines.filter { Int($0.pc) <= code.count }
    }
}

// MARK: - Random bytes

extension SplitMix64 {
    /// Random bytes of a random length, some behind a valid header so they reach the sections.
    mutating func randomInput() -> [UInt8] {
        let count = pick([0, 1, 4, 8, 9, 12, 16, 32, 64, 128, 512, 2_048])
        var b = (0..<below(count + 1)).map { _ in oneIn(4) ? pick(Mutator.interestingBytes) : byte() }
        switch below(4) {
        case 0: break
        case 1: b = Wire.header + b
        default:
            // A header and a plausible section id, so the section decoders see random bodies.
            b = Wire.header + [UInt8(below(8))] + Wire.uleb(UInt64(b.count)) + b
        }
        return b
    }
}

// MARK: - Structurally valid programs

/// Builds modules whose functions usually validate: code is generated with the operand height,
/// the open blocks and the assigned locals tracked, so stack, label and nesting rules hold and
/// indices stay in range. Values are typed loosely and calls are shaped for their callees, so
/// most operations succeed when run and execution reaches deep code.
struct ProgramGenerator {
    var rng: SplitMix64

    enum Kind: Equatable { case int, float, str, list, dict, tuple, none, bool, function, iterator, any }

    private struct Block {
        enum Kind { case function, block, loop, `if`, `else`, forLoop }
        var kind: Kind
        var height: Int
        var arity: Int
        /// The locals known to be assigned when the block began (all that is sure after it).
        var locals: [ProgramGenerator.Kind?]
    }

    /// The module under construction, and the function being generated.
    private var module = Module()
    private var current = 0
    private var code: [Instruction] = []
    private var stack: [Kind] = []
    private var blocks: [Block] = []
    /// What each local holds, `nil` while unassigned; and which hold cells.
    private var locals: [Kind?] = []
    private var cells: Set<Int> = []
    private var globals: [Kind] = []
    /// Globals that the start function binds to a function, by function index.
    private var globalFunctions: [Int: Int] = [:]
    private var dead = false
    private var strings: [String: UInt32] = [:]

    /// Builtins with the argument kinds that make them work and the kind they return.
    static let builtins: [(name: String, args: [Kind], result: Kind)] = [
        ("len", [.list], .int), ("len", [.str], .int), ("range", [.int], .list), ("range", [.int, .int], .list),
        ("range", [.int, .int, .int], .list), ("str", [.any], .str), ("repr", [.any], .str), ("type", [.any], .str),
        ("list", [.list], .list), ("list", [], .list), ("tuple", [.list], .tuple), ("dict", [], .dict),
        ("sorted", [.list], .list), ("min", [.list], .any), ("max", [.int, .int], .int), ("abs", [.int], .int),
        ("int", [.str], .int), ("int", [.float], .int), ("bool", [.any], .bool), ("enumerate", [.list], .list),
        ("zip", [.list, .list], .list), ("reversed", [.list], .list), ("hash", [.str], .int), ("print", [.any, .any], .none),
        ("any", [.list], .bool), ("all", [.list], .bool), ("hasattr", [.any, .str], .bool), ("getattr", [.dict, .str, .none], .any),
        ("dir", [.list], .list), ("set", [.list], .any), ("float", [.int], .float), ("fail", [.str], .none),
    ]

    /// Methods by receiver kind, with argument kinds and result.
    static let methods: [Kind: [(name: String, args: [Kind], result: Kind)]] = [
        .list: [("append", [.int], .none), ("extend", [.list], .none), ("insert", [.int, .str], .none), ("pop", [], .any),
                ("clear", [], .none), ("index", [.int], .int), ("remove", [.int], .none)],
        .dict: [("get", [.str], .any), ("get", [.str, .int], .any), ("keys", [], .list), ("values", [], .list), ("items", [], .list),
                ("setdefault", [.str, .int], .any), ("update", [.dict], .none), ("pop", [.str, .none], .any), ("clear", [], .none)],
        .str: [("join", [.list], .str), ("split", [], .list), ("split", [.str], .list), ("strip", [], .str), ("startswith", [.str], .bool),
               ("find", [.str], .int), ("replace", [.str, .str], .str), ("upper", [], .str), ("lower", [], .str), ("nosuch", [], .any)],
    ]

    init(seed rng: SplitMix64) { self.rng = rng }

    mutating func module(functions: Int? = nil) -> Module {
        module = Module()
        strings = [:]
        for _ in 0..<rng.int(0...4) {
            module.constants.append(
                rng.pick([
                    .int(rng.pick([0, 1, -1, Int64.max, Int64.min, 1 << 40])), .float(rng.pick([0.5, -0.0, .nan, .infinity, 1e300])),
                    .bigInt(negative: rng.bool(), magnitude: [1, 0, 0, 0, 0, 0, 0, 0, UInt8(rng.int(1...255))]),
                    .bytes(Array("b\(rng.below(9))".utf8)),
                ]))
        }
        module.imports = (0..<(rng.oneIn(3) ? rng.int(1...2) : 0)).map { Import(module: "host", name: "f\($0)") }
        module.globals = (0..<rng.int(0...3)).map { Global(name: "g\($0)") }

        // Signatures first: `func.make` and calls need to know every function's shape.
        let n = functions ?? rng.int(1...4)
        for i in 0..<n {
            var params: [Param] = []
            if i > 0 {
                let count = rng.int(0...3)
                let required = rng.int(0...count)  // defaults come last, as Starlark requires
                for p in 0..<count { params.append(Param(name: "p\(p)", hasDefault: p >= required)) }
            }
            let varargs = i > 0 && rng.oneIn(5)
            let kwargs = i > 0 && rng.oneIn(6)
            let fixed = params.count + (varargs ? 1 : 0) + (kwargs ? 1 : 0)
            module.functions.append(
                Function(
                    name: "f\(i)", params: params, positionalCount: rng.oneIn(8) ? UInt32(rng.below(params.count + 1)) : nil,
                    hasVarargs: varargs, hasKwargs: kwargs, localCount: UInt32(fixed + rng.int(0...4)),
                    freeCount: i > 0 && rng.oneIn(4) ? UInt32(rng.int(1...2)) : 0))
        }
        globals = Array(repeating: .any, count: module.globals.count)
        globalFunctions = [:]
        for i in 0..<n {
            module.functions[i].code = body(of: i)
            if rng.oneIn(3) {
                let count = module.functions[i].code.count
                var pc = 0
                while pc <= count, rng.bool() {
                    module.functions[i].lines.append(LineEntry(pc: UInt32(pc), line: UInt32(rng.int(1...500)), column: UInt32(rng.below(80))))
                    pc += rng.int(1...8)
                }
            }
        }
        module.start = 0
        // Only functions without defaults or free variables may be exported directly.
        let exportable = (1..<n).filter { module.functions[$0].defaultCount == 0 && module.functions[$0].freeCount == 0 }
        if !exportable.isEmpty, rng.bool() { module.exports.append(Export(name: "entry", kind: .function, index: UInt32(rng.pick(exportable)))) }
        if !module.globals.isEmpty, rng.oneIn(3) { module.exports.append(Export(name: "state", kind: .global, index: 0)) }
        if rng.oneIn(4) { module.debug = DebugInfo(file: "fuzz.star", localNames: [["a", "b"]]) }
        return module
    }

    /// The index of a string constant, added on first use.
    private mutating func string(_ s: String) -> UInt32 {
        if let k = strings[s] { return k }
        let k = UInt32(module.constants.count)
        module.constants.append(.string(Array(s.utf8)))
        strings[s] = k
        return k
    }

    // MARK: Function bodies

    private var available: Int { stack.count - blocks[blocks.count - 1].height }
    private var top: Kind { stack[stack.count - 1] }

    private mutating func emit(_ ins: Instruction, pops: Int = 0, push: [Kind] = []) {
        code.append(ins)
        stack.removeLast(pops)
        stack += push
    }

    private mutating func body(of index: Int) -> [Instruction] {
        let fn = module.functions[index]
        current = index
        code = []
        stack = []
        locals = Array(repeating: nil, count: Int(fn.localCount))
        for i in 0..<fn.params.count { locals[i] = .any }
        if fn.hasVarargs { locals[fn.params.count] = .tuple }
        if fn.hasKwargs { locals[fn.params.count + (fn.hasVarargs ? 1 : 0)] = .dict }
        cells = []
        blocks = [Block(kind: .function, height: 0, arity: 1, locals: locals)]
        dead = false
        if index == 0 {
            // Like a Starlark file's top level: bind every global first, some to functions.
            for g in globals.indices {
                if module.functions.count > 1 && rng.bool() {
                    let f = rng.int(1...module.functions.count - 1)
                    funcMake(f)
                    globalFunctions[g] = f
                    globals[g] = .function
                } else {
                    let kind = rng.pick([Kind.int, .str, .list, .dict, .tuple])
                    pushValue(kind)
                    globals[g] = kind
                }
                emit(Instruction(.globalSet, a: UInt32(g)), pops: 1)
            }
        }
        let budget = code.count + rng.pick([4, 12, 30, 60, 120])
        while code.count < budget, !blocks.isEmpty {
            step()
        }
        while !blocks.isEmpty { close() }
        return code
    }

    private mutating func step() {
        if dead { return close() }
        let b = blocks[blocks.count - 1]
        switch rng.below(100) {
        case 0..<25: push()
        case 25..<40 where available >= 1: operate()
        case 40..<50 where available >= 1: store()
        case 50..<62: call()
        case 62..<70: data()
        case 70..<76 where blocks.count < 12: open()
        case 76..<80 where blocks.count < 12: forLoop()
        case 80..<85 where blocks.count > 1: close()
        case 85..<87 where b.kind == .if && available == b.arity: elseArm()
        case 87..<92: branch()
        case 92..<94 where available >= 1 && blocks.count == 1 && rng.oneIn(4):
            emit(Instruction(.return), pops: 1)
            dead = true
        case 94 where rng.oneIn(8):
            emit(Instruction(.unreachable))
            dead = true
        case 95..<100: stackOp()
        default: push()
        }
    }

    /// Pushes a value of `kind`, built from constants.
    private mutating func pushValue(_ kind: Kind) {
        switch kind {
        case .int: emit(Instruction(.constInt, int: rng.oneIn(12) ? rng.pick([Int64.max, Int64.min, -1]) : Int64(rng.int(-2...9))), push: [.int])
        case .float:
            let k = UInt32(module.constants.count)
            module.constants.append(.float(rng.pick([0.5, -0.0, 2.5, .nan, .infinity, 1e300])))
            emit(Instruction(.const, a: k), push: [.float])
        case .str: emit(Instruction(.const, a: string(rng.pick(["", "a", "a,b", " x ", "é", "k", "p0", "append"]))), push: [.str])
        case .list, .tuple:
            let n = rng.int(0...3)
            for _ in 0..<n { pushValue(rng.oneIn(4) ? .str : .int) }
            emit(Instruction(kind == .list ? .listNew : .tupleNew, a: UInt32(n)), pops: n, push: [kind])
        case .dict:
            let n = rng.int(0...2)
            for _ in 0..<n {
                pushValue(.str)
                pushValue(.int)
            }
            emit(Instruction(.dictNew, a: UInt32(n)), pops: 2 * n, push: [.dict])
        case .bool: emit(Instruction(rng.bool() ? .constTrue : .constFalse), push: [.bool])
        case .none: emit(Instruction(.constNone), push: [.none])
        case .function: emit(Instruction(.builtin, a: string(rng.pick(Self.builtins).name)), push: [.function])
        case .iterator, .any: push()
        }
    }

    /// Pushes one value of any kind: a constant, a variable, a function.
    private mutating func push() {
        let assigned = locals.indices.filter { locals[$0] != nil && !cells.contains($0) }
        switch rng.below(20) {
        case 0..<10: pushValue(rng.pick([.int, .int, .int, .str, .list, .dict, .tuple, .bool, .none, .float]))
        case 10..<13 where !assigned.isEmpty:
            let i = rng.pick(assigned)
            emit(Instruction(.localGet, a: UInt32(i)), push: [locals[i] ?? .any])
        case 13..<15 where !globals.isEmpty:
            let g = rng.below(globals.count)
            emit(Instruction(.globalGet, a: UInt32(g)), push: [globals[g]])
        case 15 where module.functions[current].freeCount > 0:
            emit(Instruction(.freeGet, a: UInt32(rng.below(Int(module.functions[current].freeCount)))), push: [.any])
        case 16 where !cells.isEmpty: emit(Instruction(.cellGet, a: UInt32(rng.pick(Array(cells)))), push: [.any])
        case 17: funcMake(rng.below(module.functions.count))
        case 18 where !module.imports.isEmpty: emit(Instruction(.importGet, a: UInt32(rng.below(module.imports.count))), push: [.function])
        case 19 where !module.constants.isEmpty && rng.oneIn(3):
            let k = rng.below(module.constants.count)
            let kind: Kind = switch module.constants[k] {
            case .int, .bigInt: .int
            case .float: .float
            case .string: .str
            case .bytes: .any
            }
            emit(Instruction(.const, a: UInt32(k)), push: [kind])
        default: pushValue(.int)
        }
    }

    /// `func.make` with the defaults and cells the target needs.
    private mutating func funcMake(_ f: Int) {
        let target = module.functions[f]
        for _ in 0..<target.defaultCount { pushValue(rng.pick([.int, .str, .none])) }
        for _ in 0..<Int(target.freeCount) {
            let i = rng.below(locals.count + 1)
            if i < locals.count {
                if !cells.contains(i) {
                    emit(Instruction(.cellMake, a: UInt32(i)))
                    cells.insert(i)
                }
                emit(Instruction(.localGet, a: UInt32(i)), push: [.any])
            } else {
                push()  // not a cell: free.get in the closure must trap, not crash
            }
        }
        emit(Instruction(.funcMake, a: UInt32(f)), pops: target.defaultCount + Int(target.freeCount), push: [.function])
    }

    private mutating func operate() {
        if available >= 2 && !rng.oneIn(4) {
            let a = stack[stack.count - 2], b = top
            let op: Opcode
            if rng.oneIn(8) {
                op = rng.pick([.add, .sub, .mul, .div, .floorDiv, .mod, .bitAnd, .bitOr, .bitXor, .shl, .shr, .addInPlace, .bitOrInPlace, .eq, .ne, .lt, .le, .gt, .ge, .in, .notIn, .index])
            } else {
                op = switch (a, b) {
                case (.int, .int): rng.pick([.add, .sub, .mul, .floorDiv, .mod, .bitAnd, .bitOr, .bitXor, .shl, .shr, .lt, .le, .gt, .ge, .eq, .ne, .addInPlace])
                case (.int, .float), (.float, .int), (.float, .float): rng.pick([.add, .sub, .mul, .div, .lt, .ge, .eq])
                case (.str, .str): rng.pick([.add, .eq, .ne, .lt, .in, .notIn, .addInPlace])
                case (.list, .list), (.tuple, .tuple): rng.pick([.add, .eq, .addInPlace, .lt])
                case (.dict, .dict): rng.pick([.bitOr, .bitOrInPlace, .eq])
                case (.list, .int), (.tuple, .int), (.str, .int): .index
                case (.dict, .str): .index
                case (_, .list), (_, .tuple), (_, .dict): rng.pick([.in, .notIn])
                default: rng.pick([.eq, .ne])
                }
            }
            let result: Kind = switch op {
            case .eq, .ne, .lt, .le, .gt, .ge, .in, .notIn: .bool
            case .div: .float
            case .index: a == .str ? .str : .any
            default: a == b ? a : .any
            }
            emit(Instruction(op), pops: 2, push: [result])
        } else {
            let op: Opcode = switch top {
            case .int: rng.pick([.neg, .pos, .bitNot, .not])
            case .float: rng.pick([.neg, .pos, .not])
            default: rng.oneIn(6) ? rng.pick([.neg, .pos, .bitNot]) : .not
            }
            emit(Instruction(op), pops: 1, push: [op == .not ? .bool : top])
        }
    }

    private mutating func store() {
        switch rng.below(6) {
        case 0..<2 where !locals.isEmpty:
            let i = rng.below(locals.count)
            locals[i] = top
            cells.remove(i)
            emit(Instruction(.localSet, a: UInt32(i)), pops: 1)
        case 2 where !globals.isEmpty:
            let g = rng.below(globals.count)
            if current == 0 { globals[g] = top }
            emit(Instruction(.globalSet, a: UInt32(g)), pops: 1)
        case 3 where !locals.isEmpty:
            let i = rng.below(locals.count)
            if !cells.contains(i) {
                emit(Instruction(.cellMake, a: UInt32(i)))
                cells.insert(i)
            }
            emit(Instruction(.cellSet, a: UInt32(i)), pops: 1)
        default:
            emit(Instruction(.drop), pops: 1)
        }
    }

    /// A call shaped for its callee: the callee (or receiver), positional arguments, named
    /// pairs, then maybe `*args` and `**kwargs`.
    private mutating func call() {
        let before = stack.count
        var method: UInt32?
        var positional: [Kind] = []
        var named: [String] = []
        var result = Kind.any
        switch rng.below(20) {
        case 0..<8:
            let b = rng.pick(Self.builtins)
            emit(Instruction(.builtin, a: string(b.name)), push: [.function])
            positional = b.args
            result = b.result
        case 8..<13:
            // A function, directly or through a global; later functions mostly, so calls
            // seldom recurse (some still do, and meet the depth limit).
            let candidates = globalFunctions.filter { $0.value > current }
            let f: Int
            if let (g, gf) = candidates.first, rng.bool() {
                emit(Instruction(.globalGet, a: UInt32(g)), push: [.function])
                f = gf
            } else {
                f = rng.oneIn(16) || current + 1 >= module.functions.count ? rng.below(module.functions.count) : rng.int(current + 1...module.functions.count - 1)
                funcMake(f)
            }
            let fn = module.functions[f]
            let required = fn.params.prefix { !$0.hasDefault }.count
            let byPosition = rng.int(min(required, Int(fn.positionalCount))...Int(fn.positionalCount))
            positional = Array(repeating: .any, count: byPosition + (fn.hasVarargs && rng.bool() ? 1 : 0))
            // Parameters not given by position and without a default go by name.
            named = fn.params[byPosition...].filter { !$0.hasDefault || rng.oneIn(3) }.map(\.name)
            if fn.hasKwargs && rng.oneIn(3) { named.append("extra") }
        case 13..<15 where !module.imports.isEmpty:
            emit(Instruction(.importGet, a: UInt32(rng.below(module.imports.count))), push: [.function])
            positional = Array(repeating: .int, count: rng.int(0...2))
        case 13..<19:
            // A method, on a value already on the stack (kept with dup) or a fresh one.
            let receiver: Kind
            if available >= 1, Self.methods[top] != nil, rng.bool() {
                receiver = top
                emit(Instruction(.dup), pops: 1, push: [top, top])
            } else {
                receiver = rng.pick([.list, .dict, .str])
                pushValue(receiver)
            }
            let m = rng.pick(Self.methods[receiver]!)
            positional = m.args
            result = m.result
            if rng.bool() {
                method = string(m.name)
            } else {
                emit(Instruction(.attr, a: string(m.name)), pops: 1, push: [.function])
            }
        default:
            // Anything at all: not callable, wrong arguments.
            push()
            positional = Array(repeating: .any, count: rng.int(0...3))
        }
        for kind in positional { kind == .any ? push() : pushValue(kind) }
        for name in named {
            emit(Instruction(.const, a: string(name)), push: [.str])
            push()
        }
        var flags: UInt32 = 0
        if rng.oneIn(10) {
            flags |= Instruction.callVarargs
            pushValue(rng.oneIn(4) ? .int : .list)
        }
        if rng.oneIn(12) {
            flags |= Instruction.callKwargs
            if rng.oneIn(4) { pushValue(.list) } else { emit(Instruction(.dictNew, a: 0), push: [.dict]) }
        }
        let ins = Instruction(method == nil ? .call : .callAttr, a: UInt32(positional.count), b: UInt32(named.count), c: flags, name: method ?? 0)
        emit(ins, pops: stack.count - before, push: [result])
    }

    private mutating func data() {
        switch rng.below(8) {
        case 0:
            let n = rng.int(0...min(available, 4))
            emit(Instruction(rng.bool() ? .listNew : .tupleNew, a: UInt32(n)), pops: n, push: [.list])
        case 1:
            let n = rng.int(0...min(available / 2, 3))
            emit(Instruction(.dictNew, a: UInt32(n)), pops: 2 * n, push: [.dict])
        case 2 where available >= 1 && top == .list:
            // l.append(x) keeping l: dup, push x, list.push.
            emit(Instruction(.dup), pops: 1, push: [.list, .list])
            push()
            emit(Instruction(.listPush), pops: 2)
        case 3 where available >= 1 && (top == .list || top == .dict):
            // l[k] = v keeping l.
            let container = top
            emit(Instruction(.dup), pops: 1, push: [container, container])
            pushValue(container == .list ? .int : .str)
            push()
            emit(Instruction(.indexSet), pops: 3)
        case 4 where available >= 1 && (top == .list || top == .str || top == .tuple):
            let kind = top
            for _ in 0..<3 { rng.oneIn(3) ? pushValue(.none) : pushValue(.int) }
            emit(Instruction(.slice), pops: 4, push: [kind])
        case 5:
            // Unpack a fresh tuple, usually of the right length.
            let n = rng.int(0...3)
            for _ in 0..<n { push() }
            emit(Instruction(.tupleNew, a: UInt32(n)), pops: n, push: [.tuple])
            let m = rng.oneIn(5) ? rng.int(0...3) : n
            emit(Instruction(.unpack, a: UInt32(m)), pops: 1, push: Array(repeating: .any, count: m))
        case 6 where available >= 4:
            // The same operations on whatever happens to be there.
            switch rng.below(3) {
            case 0: emit(Instruction(.slice), pops: 4, push: [.any])
            case 1: emit(Instruction(.indexSet), pops: 3)
            default: emit(Instruction(.listPush), pops: 2)
            }
        default:
            pushValue(rng.pick([.list, .dict, .tuple]))
            emit(Instruction(.iterBegin), pops: 1, push: [.iterator])
            emit(Instruction(.iterEnd), pops: 1)
        }
    }

    private mutating func stackOp() {
        switch rng.below(4) {
        case 0 where available >= 1: emit(Instruction(.dup), pops: 1, push: [top, top])
        case 1 where available >= 2:
            let a = stack[stack.count - 2], b = top
            emit(Instruction(.dup2), pops: 2, push: [a, b, a, b])
        case 2 where available >= 2:
            let a = stack[stack.count - 2], b = top
            emit(Instruction(.swap), pops: 2, push: [b, a])
        default: emit(Instruction(.nop))
        }
    }

    private mutating func open() {
        let arity = rng.oneIn(3) ? 1 : 0
        switch rng.below(3) {
        case 0:
            emit(Instruction(.block, a: UInt32(arity)))
            blocks.append(Block(kind: .block, height: stack.count, arity: arity, locals: locals))
        case 1:
            emit(Instruction(.loop, a: UInt32(arity)))
            blocks.append(Block(kind: .loop, height: stack.count, arity: arity, locals: locals))
        default:
            if available == 0 || rng.bool() { pushValue(rng.pick([.bool, .int, .list])) }
            emit(Instruction(.if, a: UInt32(arity)), pops: 1)
            blocks.append(Block(kind: .if, height: stack.count, arity: arity, locals: locals))
        }
    }

    private mutating func elseArm() {
        emit(Instruction(.else))
        let b = blocks[blocks.count - 1]
        stack.removeLast(stack.count - b.height)
        blocks[blocks.count - 1].kind = .else
        locals = b.locals
    }

    /// `for x in s: …` the way the compiler writes it: `iter.begin; block; loop; iter.next 1`.
    private mutating func forLoop() {
        if available == 0 || ![Kind.list, .dict, .tuple].contains(top) || rng.oneIn(3) {
            if rng.bool() {
                emit(Instruction(.builtin, a: string("range")), push: [.function])
                pushValue(.int)
                emit(Instruction(.call, a: 1), pops: 2, push: [.list])
            } else {
                pushValue(rng.pick([.list, .dict, .tuple]))
            }
        }
        emit(Instruction(.iterBegin), pops: 1, push: [.iterator])
        emit(Instruction(.block, a: 0))
        emit(Instruction(.loop, a: 0))
        emit(Instruction(.iterNext, a: 1))
        blocks.append(Block(kind: .forLoop, height: stack.count, arity: 0, locals: locals))
        stack.append(.any)
    }

    /// Closes the innermost block, first making its height right.
    private mutating func close() {
        let b = blocks[blocks.count - 1]
        let wasDead = dead
        if !dead {
            while available > b.arity { emit(Instruction(.drop), pops: 1) }
            // A function value cannot be returned to the host: end with a plain value.
            if b.kind == .function && available == 1 && (top == .function || top == .any) && !rng.oneIn(8) {
                emit(Instruction(.drop), pops: 1)
            }
            if available < b.arity { pushValue(rng.pick([.int, .str, .list, .dict, .tuple, .none])) }
        }
        if b.kind == .if && b.arity == 1 {
            // An if with a result needs an else arm that makes one too (even after a branch).
            emit(Instruction(.else))
            stack.removeLast(stack.count - b.height)
            blocks[blocks.count - 1].kind = .else
            locals = b.locals
            push()
        }
        dead = false
        stack.removeLast(stack.count - b.height)
        blocks.removeLast()
        // Only what was assigned before the block is sure to be assigned after it.
        if b.kind != .function { locals = b.locals }
        switch b.kind {
        case .forLoop:
            // The body goes round again; then the loop, its block and the iterator end.
            if !wasDead { emit(Instruction(.br, a: 0)) }
            emit(Instruction(.end))
            emit(Instruction(.end))
            emit(Instruction(.iterEnd), pops: 1)
        case .function, .block, .loop, .if, .else:
            emit(Instruction(.end))
            if b.arity == 1 { stack.append(.any) }
        }
    }

    /// A branch to a label whose result, if any, is on the stack.
    private mutating func branch() {
        let t = rng.below(blocks.count)
        let target = blocks[t]
        // A for loop is two controls, a block around a loop: its labels are continue and break.
        var depth = 0
        for b in blocks[(t + 1)...] { depth += b.kind == .forLoop ? 2 : 1 }
        if target.kind == .forLoop && rng.bool() { depth += 1 }
        let keep = target.kind == .loop || target.kind == .forLoop ? 0 : target.arity
        let conditional = rng.int(0...2)
        guard available >= keep + (conditional > 0 ? 1 : 0) else { return push() }
        switch conditional {
        case 0:
            emit(Instruction(.br, a: UInt32(depth)))
            dead = true
        case 1: emit(Instruction(.brIf, a: UInt32(depth)), pops: 1)
        default: emit(Instruction(.brUnless, a: UInt32(depth)), pops: 1)
        }
    }
}
