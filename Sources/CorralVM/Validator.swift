import CorralBytecode

/// The trust boundary. Checks a decoded module and, in the same pass, translates each function
/// to internal code (`Op`): jumps resolved, stack heights proven, fuel summed per block.
///
/// Rules (bytecode/SPEC.md, "Validation"): every index in range; every instruction's operands
/// present in its own block; `end` leaves exactly the block's results; branches carry the
/// label's results; nothing follows `br`, `return` or `unreachable` in the same block; the
/// function body leaves one value; heights and nesting within `Limits`.
struct Validator {
    let module: Module
    let metered: Bool
    /// Appends the VM's own bytecode functions (`Prelude`); off only to translate the prelude.
    var prelude = true
    /// Allows the test builtins (`Builtin.isTestOnly`); only the conformance harness sets it.
    var testing = false

    /// A block on the control stack while a function is being checked.
    private struct Control {
        enum Kind { case function, block, loop, `if`, `else` }
        var kind: Kind
        /// Operand height when the block was entered.
        var height: Int
        /// Values the block leaves (0 or 1).
        var arity: Int
        /// Translated pc of a loop's first op (its branch target).
        var loopStart: Int32 = 0
        /// Ops that jump to this block's end, patched when it closes.
        var fixups: [Int] = []
        /// The `if`'s conditional jump, patched at `else` or `end`.
        var ifJump: Int = -1
        /// After `br`/`return`/`unreachable`: only `end` or `else` may follow.
        var deadTail = false
        var labelArity: Int { kind == .loop ? 0 : arity }
    }

    func validate() throws(ValidationError) -> ValidatedModule {
        try checkModule()
        let names = try internNames()
        var functions: [CompiledFunction] = []
        functions.reserveCapacity(module.functions.count)
        do {
            for i in module.functions.indices {
                functions.append(try translate(i, names: names))
            }
        } catch {
            // The op buffers belong to a ValidatedModule only once one exists; a module
            // rejected part-way must not leak the code of the functions translated before.
            for f in functions { f.ops.deallocate() }
            throw error
        }
        let own = functions.count
        if prelude { functions += Prelude.functions(metered: metered) }
        return ValidatedModule(module: module, functions: functions, ownFunctions: own, names: names.list, metered: metered)
    }

    private func checkModule() throws(ValidationError) {
        let m = module
        if let start = m.start {
            guard Int(start) < m.functions.count else {
                throw ValidationError("start function \(start) does not exist (\(m.functions.count) functions)")
            }
            let f = m.functions[Int(start)]
            guard f.params.isEmpty, f.freeCount == 0 else {
                throw ValidationError(function: Int(start), "the start function must take no parameters and capture nothing")
            }
        }
        var exported = Set<String>()
        for e in m.exports {
            guard exported.insert(e.name).inserted else { throw ValidationError("export \"\(e.name)\" is repeated") }
            switch e.kind {
            case .function:
                guard Int(e.index) < m.functions.count else {
                    throw ValidationError("export \"\(e.name)\" names function \(e.index), which does not exist")
                }
                // The host calls a function export as a plain function: it has no closure to
                // supply defaults or captured cells (export a global holding the closure instead).
                let f = m.functions[Int(e.index)]
                guard f.defaultCount == 0, f.freeCount == 0 else {
                    throw ValidationError(
                        function: Int(e.index), "exported function \"\(e.name)\" has defaults or free variables; export a global instead")
                }
            case .global:
                guard Int(e.index) < m.globals.count else {
                    throw ValidationError("export \"\(e.name)\" names global \(e.index), which does not exist")
                }
            }
        }
        if let debug = m.debug, debug.localNames.count > m.functions.count {
            throw ValidationError("debug section describes \(debug.localNames.count) functions but the module has \(m.functions.count)")
        }
        if let debug = m.debug, debug.functionFiles.count > m.functions.count {
            throw ValidationError("debug section names source files for \(debug.functionFiles.count) functions but the module has \(m.functions.count)")
        }
        for (i, f) in m.functions.enumerated() {
            let fixed = f.params.count + (f.hasVarargs ? 1 : 0) + (f.hasKwargs ? 1 : 0)
            guard Int(f.positionalCount) <= f.params.count else {
                throw ValidationError(function: i, "positional count \(f.positionalCount) exceeds the \(f.params.count) parameters")
            }
            guard Int(f.localCount) >= fixed, Int(f.localCount) <= Limits.locals else {
                throw ValidationError(function: i, "local count \(f.localCount) must be between \(fixed) and \(Limits.locals)")
            }
            guard Int(f.freeCount) <= Limits.freeVariables else {
                throw ValidationError(function: i, "free variable count \(f.freeCount) exceeds \(Limits.freeVariables)")
            }
            var seen = Set<String>()
            for p in f.params {
                guard seen.insert(p.name).inserted else {
                    throw ValidationError(function: i, "parameter \"\(p.name)\" is repeated")
                }
            }
        }
    }

    /// Name constants used by `builtin`, `attr`, `attr.set` and `call.attr`, interned once per module.
    private struct NameTable {
        var list: [String] = []
        var idByConstant: [Int: Int32] = [:]
    }

    private func internNames() throws(ValidationError) -> NameTable {
        var table = NameTable()
        var byString: [String: Int32] = [:]
        for (f, fn) in module.functions.enumerated() {
            for (pc, ins) in fn.code.enumerated() {
                let k: UInt32
                switch ins.opcode {
                case .builtin, .attr, .attrSet: k = ins.a
                case .callAttr: k = ins.name
                default: continue
                }
                guard Int(k) < module.constants.count, case .string(let bytes) = module.constants[Int(k)] else {
                    throw ValidationError(function: f, pc: pc, "\(ins.opcode.info.mnemonic) needs a string constant, and constant \(k) is not one")
                }
                if table.idByConstant[Int(k)] != nil { continue }
                let name = String(decoding: bytes, as: UTF8.self)
                if let id = byString[name] {
                    table.idByConstant[Int(k)] = id
                } else {
                    let id = Int32(table.list.count)
                    table.list.append(name)
                    byString[name] = id
                    table.idByConstant[Int(k)] = id
                }
            }
        }
        return table
    }

    private func translate(_ index: Int, names: NameTable) throws(ValidationError) -> CompiledFunction {
        let fn = module.functions[index]
        var ops: [Op] = []
        var origin: [Int32] = []
        ops.reserveCapacity(fn.code.count + 8)
        origin.reserveCapacity(fn.code.count + 8)
        var controls: [Control] = [Control(kind: .function, height: 0, arity: 1)]
        var height = 0
        var maxHeight = 0
        // Index of the open block's `charge` op, or -1 when the next op starts a new block.
        var chargeAt = -1
        // First op of the current straight-line block: fusion never reaches before it, so no
        // branch target ends up inside a fused op.
        var blockStart = 0
        var pc = 0

        func fail(_ message: String) -> ValidationError { ValidationError(function: index, pc: pc, message) }

        func emit(_ op: Op, fuel: Int) {
            if metered {
                if chargeAt < 0 {
                    chargeAt = ops.count
                    ops.append(.charge(0))
                    origin.append(Int32(pc))
                }
                if case .charge(let n) = ops[chargeAt] { ops[chargeAt] = .charge(n + Int32(fuel)) }
            }
            ops.append(op)
            origin.append(Int32(pc))
            fuse()
        }
        /// Replaces the tail of the block with a superinstruction where one applies.
        func fuse() {
            let n = ops.count
            func replace(_ count: Int, with op: Op) {
                let first = origin[n - count]
                ops.removeLast(count)
                origin.removeLast(count)
                ops.append(op)
                origin.append(first)
            }
            switch ops[n - 1] {
            case .add, .sub, .lt, .le, .gt, .ge, .eq, .ne:
                guard n - 3 >= blockStart, let kind = FusedKind(ops[n - 1]),
                    case .localGet(let i) = ops[n - 3], case .constInt(let k) = ops[n - 2], let k32 = Int32(exactly: k)
                else { return }
                replace(3, with: .localConst(i, k32, Fused(kind)))
            case .localSet(let j):
                guard n - 2 >= blockStart, case .localConst(let i, let k, let f) = ops[n - 2], !f.kind.isComparison,
                    let i16 = UInt16(exactly: i), let j16 = UInt16(exactly: j)
                else { return }
                replace(2, with: .localConstSet(i16, k, j16, f))
            case .jumpUnless(let t, _), .jumpIf(let t, _):
                guard n - 2 >= blockStart else { return }
                let unless: Bool
                if case .jumpUnless = ops[n - 1] { unless = true } else { unless = false }
                if case .localConst(let i, let k, let f) = ops[n - 2], f.kind.isComparison,
                    let i8 = UInt8(exactly: i), let k16 = Int16(exactly: k)
                {
                    replace(
                        2, with: unless ? .jumpUnlessLocalConst(t, k16, Prepay(), i8, f) : .jumpIfLocalConst(t, k16, Prepay(), i8, f))
                } else if let kind = FusedKind(ops[n - 2]), kind.isComparison {
                    replace(2, with: unless ? .jumpUnlessCompare(t, Prepay(), Fused(kind)) : .jumpIfCompare(t, Prepay(), Fused(kind)))
                }
            default: return
            }
        }
        /// The next op begins a straight-line block (a branch target or a fall-through after
        /// a conditional branch).
        func newBlock() {
            chargeAt = -1
            blockStart = ops.count
        }
        /// Where a branch landing here goes: the `charge` that will open the next block.
        func here() -> Int32 { Int32(ops.count) }

        func pop(_ n: Int) throws(ValidationError) {
            guard height - n >= controls[controls.count - 1].height else {
                throw fail("\(fn.code[pc].opcode.info.mnemonic) needs \(n) operand(s) but its block has \(height - controls[controls.count - 1].height)")
            }
            height -= n
        }
        func push(_ n: Int) throws(ValidationError) {
            height += n
            guard height <= Limits.stackHeight else { throw fail("operand stack exceeds \(Limits.stackHeight) values") }
            maxHeight = max(maxHeight, height)
        }
        func checkIndex(_ i: UInt32, _ count: Int, _ what: String) throws(ValidationError) {
            guard Int(i) < count else { throw fail("\(what) \(i) does not exist (\(count) defined)") }
        }
        /// The stack adjustment for a branch from the current height to label `depth`.
        func branchShape(_ depth: UInt32) throws(ValidationError) -> (target: Int, drop: Int, keep: Int) {
            guard Int(depth) < controls.count else {
                throw fail("branch to label \(depth), but only \(controls.count) block(s) enclose it")
            }
            let target = controls.count - 1 - Int(depth)
            let c = controls[target]
            let keep = c.labelArity
            guard height - keep >= c.height, height - keep >= controls[controls.count - 1].height || keep == 0 else {
                throw fail("branch to label \(depth) needs \(keep) result(s) on the stack")
            }
            return (target, height - keep - c.height, keep)
        }
        /// Emits a jump to control `target`, registering a fixup if its address is not known yet.
        func emitJump(to target: Int, drop: Int, keep: Int, kind: UInt8, fuel: Int) throws(ValidationError) {
            guard drop <= Int(UInt16.max) else { throw fail("branch drops too many values") }
            let isLoop = controls[target].kind == .loop
            let address = isLoop ? controls[target].loopStart : -1
            let op: Op
            switch (kind, drop) {
            case (0, 0): op = .jump(address, Prepay())
            case (1, 0): op = .jumpIf(address, Prepay())
            case (2, 0): op = .jumpUnless(address, Prepay())
            case (0, _): op = .jumpAdjust(address, drop: UInt16(drop), keep: UInt16(keep), Prepay())
            case (1, _): op = .jumpIfAdjust(address, drop: UInt16(drop), keep: UInt16(keep), Prepay())
            default: op = .jumpUnlessAdjust(address, drop: UInt16(drop), keep: UInt16(keep), Prepay())
            }
            emit(op, fuel: fuel)
            if !isLoop { controls[target].fixups.append(ops.count - 1) }
        }

        let code = fn.code
        while pc < code.count {
            let ins = code[pc]
            let info = ins.opcode.info
            let fuel = info.fuel
            if controls.isEmpty { throw fail("instruction after the function's final end") }
            if controls[controls.count - 1].deadTail && ins.opcode != .end && ins.opcode != .else {
                throw fail("unreachable \(info.mnemonic) after a branch, return or unreachable; only end or else may follow")
            }
            switch ins.opcode {
            case .nop: break
            case .unreachable:
                emit(.unreachable, fuel: fuel)
                controls[controls.count - 1].deadTail = true
            case .block, .loop:
                // controls[0] is the function body itself; the limit counts the nesting in it.
                guard controls.count <= Limits.controlDepth else { throw fail("blocks nest deeper than \(Limits.controlDepth)") }
                var c = Control(kind: ins.opcode == .loop ? .loop : .block, height: height, arity: Int(ins.a))
                if ins.opcode == .loop {
                    newBlock()
                    c.loopStart = here()
                }
                controls.append(c)
            case .if:
                guard controls.count <= Limits.controlDepth else { throw fail("blocks nest deeper than \(Limits.controlDepth)") }
                try pop(1)
                emit(.jumpUnless(-1, Prepay()), fuel: fuel)
                newBlock()
                var c = Control(kind: .if, height: height, arity: Int(ins.a))
                c.ifJump = ops.count - 1
                controls.append(c)
            case .else:
                var c = controls[controls.count - 1]
                guard c.kind == .if else { throw fail("else without a matching if") }
                guard c.deadTail || height == c.height + c.arity else {
                    throw fail("the then-arm leaves \(height - c.height) value(s) but the if needs \(c.arity)")
                }
                emit(.jump(-1, Prepay()), fuel: 0)
                c.fixups.append(ops.count - 1)
                newBlock()
                ops[c.ifJump].retarget(here())
                c.ifJump = -1
                c.kind = .else
                c.deadTail = false
                height = c.height
                controls[controls.count - 1] = c
            case .end:
                let c = controls.removeLast()
                guard c.deadTail || height == c.height + c.arity else {
                    throw fail("block leaves \(height - c.height) value(s) but declares \(c.arity)")
                }
                if c.kind == .if && c.arity != 0 {
                    throw fail("an if with a result needs an else")
                }
                height = c.height + c.arity
                maxHeight = max(maxHeight, height)
                if c.kind == .function {
                    // Branches to the function's own label land on this final return; without
                    // any, the return simply ends the current block.
                    if !c.fixups.isEmpty { newBlock() }
                    let target = here()
                    for at in c.fixups { ops[at].retarget(target) }
                    if c.deadTail && c.fixups.isEmpty {
                        // Unreachable: keep the op as a guard but charge nothing for it.
                        ops.append(.ret)
                        origin.append(Int32(pc))
                    } else {
                        emit(.ret, fuel: 1)
                    }
                    guard pc == code.count - 1 else {
                        pc += 1
                        throw fail("instruction after the function's final end")
                    }
                } else {
                    newBlock()
                    let target = here()
                    for at in c.fixups { ops[at].retarget(target) }
                    if c.ifJump >= 0 { ops[c.ifJump].retarget(target) }
                }
            case .br:
                let s = try branchShape(ins.a)
                try emitJump(to: s.target, drop: s.drop, keep: s.keep, kind: 0, fuel: fuel)
                controls[controls.count - 1].deadTail = true
            case .brIf, .brUnless:
                try pop(1)
                let s = try branchShape(ins.a)
                try emitJump(to: s.target, drop: s.drop, keep: s.keep, kind: ins.opcode == .brIf ? 1 : 2, fuel: fuel)
                newBlock()
            case .return:
                try pop(1)
                emit(.ret, fuel: fuel)
                controls[controls.count - 1].deadTail = true
            case .drop: try pop(1); emit(.drop, fuel: fuel)
            case .dup: try pop(1); try push(2); emit(.dup, fuel: fuel)
            case .dup2: try pop(2); try push(4); emit(.dup2, fuel: fuel)
            case .swap: try pop(2); try push(2); emit(.swap, fuel: fuel)
            case .constNone: try push(1); emit(.constNone, fuel: fuel)
            case .constTrue: try push(1); emit(.constTrue, fuel: fuel)
            case .constFalse: try push(1); emit(.constFalse, fuel: fuel)
            case .constInt: try push(1); emit(.constInt(ins.int), fuel: fuel)
            case .const:
                try checkIndex(ins.a, module.constants.count, "constant")
                try push(1)
                switch module.constants[Int(ins.a)] {
                case .int(let v): emit(.constInt(v), fuel: fuel)
                case .float(let d): emit(.constFloat(d), fuel: fuel)
                case .bigInt, .string, .bytes: emit(.constRef(Int32(ins.a)), fuel: fuel)
                }
            case .localGet, .localSet, .cellMake, .cellGet, .cellSet:
                try checkIndex(ins.a, Int(fn.localCount), "local")
                let i = Int32(ins.a)
                switch ins.opcode {
                case .localGet: try push(1); emit(.localGet(i), fuel: fuel)
                case .localSet: try pop(1); emit(.localSet(i), fuel: fuel)
                case .cellMake: emit(.cellMake(i), fuel: fuel)
                case .cellGet: try push(1); emit(.cellGet(i), fuel: fuel)
                default: try pop(1); emit(.cellSet(i), fuel: fuel)
                }
            case .globalGet:
                try checkIndex(ins.a, module.globals.count, "global")
                try push(1)
                emit(.globalGet(Int32(ins.a)), fuel: fuel)
            case .globalSet:
                try checkIndex(ins.a, module.globals.count, "global")
                try pop(1)
                emit(.globalSet(Int32(ins.a)), fuel: fuel)
            case .freeGet:
                try checkIndex(ins.a, Int(fn.freeCount), "free variable")
                try push(1)
                emit(.freeGet(Int32(ins.a)), fuel: fuel)
            case .freeCell:
                try checkIndex(ins.a, Int(fn.freeCount), "free variable")
                try push(1)
                emit(.freeCell(Int32(ins.a)), fuel: fuel)
            case .builtin:
                let name = names.list[Int(names.idByConstant[Int(ins.a)]!)]
                guard let b = Builtin(rawValue: name), testing || !b.isTestOnly else {
                    throw fail("unknown builtin \"\(name)\"")
                }
                try push(1)
                emit(.builtin(Int32(b.id)), fuel: fuel)
            case .importGet:
                try checkIndex(ins.a, module.imports.count, "import")
                try push(1)
                emit(.importGet(Int32(ins.a)), fuel: fuel)
            case .funcMake:
                try checkIndex(ins.a, module.functions.count, "function")
                let target = module.functions[Int(ins.a)]
                let n = target.defaultCount + Int(target.freeCount)
                try pop(n)
                try push(1)
                emit(.funcMake(Int32(ins.a)), fuel: fuel + n * FuelSchedule.perElement)
            case .add: try binary(.add)
            case .sub: try binary(.sub)
            case .mul: try binary(.mul)
            case .div: try binary(.div)
            case .floorDiv: try binary(.floorDiv)
            case .mod: try binary(.mod)
            case .bitAnd: try binary(.bitAnd)
            case .bitOr: try binary(.bitOr)
            case .bitXor: try binary(.bitXor)
            case .shl: try binary(.shl)
            case .shr: try binary(.shr)
            case .addInPlace: try binary(.addInPlace)
            case .bitOrInPlace: try binary(.bitOrInPlace)
            case .eq: try binary(.eq)
            case .ne: try binary(.ne)
            case .lt: try binary(.lt)
            case .le: try binary(.le)
            case .gt: try binary(.gt)
            case .ge: try binary(.ge)
            case .in: try binary(.in)
            case .notIn: try binary(.notIn)
            case .neg: try unary(.neg)
            case .pos: try unary(.pos)
            case .bitNot: try unary(.bitNot)
            case .not: try unary(.not)
            case .listNew, .tupleNew, .dictNew, .unpack:
                guard Int(ins.a) <= Limits.literalCount else {
                    throw fail("\(info.mnemonic) count \(ins.a) exceeds \(Limits.literalCount)")
                }
                let n = Int32(ins.a)
                let perElement = Int(ins.a) * FuelSchedule.perElement
                switch ins.opcode {
                case .listNew: try pop(Int(n)); try push(1); emit(.listNew(n), fuel: fuel + perElement)
                case .tupleNew: try pop(Int(n)); try push(1); emit(.tupleNew(n), fuel: fuel + perElement)
                case .dictNew: try pop(2 * Int(n)); try push(1); emit(.dictNew(n), fuel: fuel + perElement)
                default: try pop(1); try push(Int(n)); emit(.unpack(n), fuel: fuel + perElement)
                }
            case .listPush: try pop(2); emit(.listPush, fuel: fuel)
            case .index: try pop(2); try push(1); emit(.index, fuel: fuel)
            case .indexSet: try pop(3); emit(.indexSet, fuel: fuel)
            case .slice: try pop(4); try push(1); emit(.slice, fuel: fuel)
            case .attr:
                try pop(1)
                try push(1)
                emit(.attr(names.idByConstant[Int(ins.a)]!), fuel: fuel)
            case .attrSet:
                try pop(2)
                emit(.attrSet(names.idByConstant[Int(ins.a)]!), fuel: fuel)
            case .iterBegin: try pop(1); try push(1); emit(.iterBegin, fuel: fuel)
            case .iterNext:
                // The iterator normally sits below the loop's block; the run loop checks its type.
                guard height > 0 else { throw fail("iter.next needs the iterator on the stack") }
                let s = try branchShape(ins.a)
                guard s.keep == 0 else { throw fail("iter.next cannot branch to a label that takes a result") }
                emit(.iterNext(-1, drop: Int32(s.drop), Prepay()), fuel: fuel)
                if controls[s.target].kind == .loop {
                    ops[ops.count - 1] = .iterNext(controls[s.target].loopStart, drop: Int32(s.drop), Prepay())
                } else {
                    controls[s.target].fixups.append(ops.count - 1)
                }
                try push(1)
                newBlock()
            case .iterEnd: try pop(1); emit(.iterEnd, fuel: fuel)
            case .call, .callAttr:
                guard ins.a <= UInt32(Limits.callArguments), ins.b <= UInt32(Limits.callArguments) else {
                    throw fail("a call passes at most \(Limits.callArguments) positional and \(Limits.callArguments) named arguments")
                }
                let shape = CallShape(positional: Int(ins.a), named: Int(ins.b), flags: ins.c)
                try pop(1 + shape.slots)
                try push(1)
                let extra = (shape.named + (shape.hasVarargs ? 1 : 0) + (shape.hasKwargs ? 1 : 0)) * FuelSchedule.perElement
                if ins.opcode == .call {
                    emit(.call(shape), fuel: fuel + extra)
                } else {
                    emit(.callAttr(names.idByConstant[Int(ins.name)]!, shape), fuel: fuel + extra)
                }
                // No new block after a call: the rest of the caller's block was paid for at
                // its entry, and a callee that traps or suspends does not refund it.
            }
            pc += 1

            func binary(_ op: Op) throws(ValidationError) {
                try pop(2)
                try push(1)
                emit(op, fuel: fuel)
            }
            func unary(_ op: Op) throws(ValidationError) {
                try pop(1)
                try push(1)
                emit(op, fuel: fuel)
            }
        }
        guard controls.isEmpty else {
            throw ValidationError(function: index, pc: code.count, "function body ends inside \(controls.count) open block(s); it must end with end")
        }
        if metered {
            openLandings(&ops, &origin)
            prepay(&ops)
        }
        // The run loop jumps relative to the op after the branch (see `Op`).
        for at in ops.indices {
            if let (t, _) = ops[at].branchTarget { ops[at].retarget(t - Int32(at + 1)) }
        }
        return CompiledFunction(
            index: index, source: fn, ops: ops, origin: origin, maxHeight: maxHeight)
    }

    /// Makes every place a metered branch or call can land a `charge` whose fuel fits a
    /// `Prepay` (16 bits): branch targets, the op after a conditional branch, and op 0. The
    /// translator already opens each block with a `charge`; the exceptions are blocks costing
    /// more than 65,535 (a huge straight line) and any landing without one. Each gets a
    /// `charge 0` in front, which a branch prepays (checking the interrupt flag) and which then
    /// runs the block's own `charge`, so the block stays all or nothing. With no exceptions
    /// left, `land` never has to ask whether a prepay exists.
    private func openLandings(_ ops: inout [Op], _ origin: inout [Int32]) {
        func needsOpening(_ pc: Int) -> Bool {
            guard pc < ops.count, case .charge(let n) = ops[pc] else { return true }
            return n > Int32(Prepay.most)
        }
        var landings = Set<Int>([0])
        for at in ops.indices {
            guard let (t, conditional) = ops[at].branchTarget else { continue }
            landings.insert(Int(t))
            if conditional { landings.insert(at + 1) }
        }
        let opened = landings.filter(needsOpening).sorted()
        guard !opened.isEmpty else { return }
        // An old target t moves by the number of openings before it; a target that was
        // opened now names its `charge 0`, which lands just where t used to be.
        func moved(_ t: Int) -> Int32 {
            var lo = 0, hi = opened.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if opened[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return Int32(t + lo)
        }
        var newOps: [Op] = []
        var newOrigin: [Int32] = []
        newOps.reserveCapacity(ops.count + opened.count)
        newOrigin.reserveCapacity(ops.count + opened.count)
        var next = 0
        for at in 0...ops.count {
            if next < opened.count && opened[next] == at {
                newOps.append(.charge(0))
                newOrigin.append(at < origin.count ? origin[at] : origin.last ?? 0)
                next += 1
            }
            guard at < ops.count else { break }
            var op = ops[at]
            if let (t, _) = op.branchTarget { op.retarget(moved(Int(t))) }
            newOps.append(op)
            newOrigin.append(origin[at])
        }
        ops = newOps
        origin = newOrigin
    }

    /// Lets every branch pay for the block it enters (see `Prepay`); `openLandings` has made
    /// sure there is a small enough `charge` wherever one lands.
    private func prepay(_ ops: inout [Op]) {
        func fuel(at pc: Int) -> UInt16 {
            guard pc < ops.count, case .charge(let n) = ops[pc], n <= Int32(Prepay.most) else {
                preconditionFailure("translator: a metered landing at \(pc) has no small charge")
            }
            return UInt16(n)
        }
        for at in ops.indices {
            func paid(_ t: Int32) -> Prepay { Prepay(taken: fuel(at: Int(t)), fall: fuel(at: at + 1)) }
            func paid(taken t: Int32) -> Prepay { Prepay(taken: fuel(at: Int(t)), fall: 0) }
            switch ops[at] {
            case .jump(let t, _): ops[at] = .jump(t, paid(taken: t))
            case .jumpIf(let t, _): ops[at] = .jumpIf(t, paid(t))
            case .jumpUnless(let t, _): ops[at] = .jumpUnless(t, paid(t))
            case .jumpAdjust(let t, let d, let k, _): ops[at] = .jumpAdjust(t, drop: d, keep: k, paid(taken: t))
            case .jumpIfAdjust(let t, let d, let k, _): ops[at] = .jumpIfAdjust(t, drop: d, keep: k, paid(t))
            case .jumpUnlessAdjust(let t, let d, let k, _): ops[at] = .jumpUnlessAdjust(t, drop: d, keep: k, paid(t))
            case .iterNext(let t, let d, _): ops[at] = .iterNext(t, drop: d, paid(t))
            case .jumpUnlessCompare(let t, _, let f): ops[at] = .jumpUnlessCompare(t, paid(t), f)
            case .jumpIfCompare(let t, _, let f): ops[at] = .jumpIfCompare(t, paid(t), f)
            case .jumpUnlessLocalConst(let t, let k, _, let i, let f): ops[at] = .jumpUnlessLocalConst(t, k, paid(t), i, f)
            case .jumpIfLocalConst(let t, let k, _, let i, let f): ops[at] = .jumpIfLocalConst(t, k, paid(t), i, f)
            default: break
            }
        }
    }
}
