/// The run loop: one plain loop, `pc`, `sp`, `fp`, code and fuel in locals, one exhaustive
/// switch. Simple cases (int arithmetic, locals, jumps, plain calls) are handled inline; the
/// rest call out to slow paths in the `Sandbox+…` files after writing the locals back
/// (`self.sp`, `self.fuel`, `self.pc`), which is also what makes the stack a complete root
/// set for the collector whenever a slow path allocates.
///
/// Performance notes (Benchmarks/README.md has the numbers):
/// - Fuel is a local, charged once per straight-line block by `charge` (the prototype measured
///   a class property at +60–200% and per-instruction charging at +20–50%).
/// - The interrupt flag is read in the same `charge`, folded into the fuel compare (see
///   `InterruptFlag`), so deadlines and cancellation cost one load per block and no branch.
/// - The loop is compiled twice, metered and unmetered (`MeteringMode`), so "all off" in the
///   benchmarks really is all off: no charges, no prepay arithmetic, no flag reads.
/// - Values are plain enums: int and float work never touches reference counts.
/// Whether the run loop is compiled with metering. `execute` is generic over it so the compiler
/// makes two copies, and each test of `metered` is decided at compile time.
protocol MeteringMode {
    static var metered: Bool { get }
}

enum Metered: MeteringMode {
    static var metered: Bool { true }
}

enum Unmetered: MeteringMode {
    static var metered: Bool { false }
}

extension Sandbox {
    enum Exit {
        case returned(Value)
        case trapped(Trap)
        case host(PendingHostCall)
        /// The time slice ended at a block entry; the run continues from `self.pc`.
        case yield
    }

    func execute<Mode: MeteringMode>(_: Mode.Type) -> Exit {
        var pc = self.pc
        var sp = self.sp
        var fp = self.fp
        var fuel = self.fuel
        var stack = self.stack
        let entries = module.entries
        var code = entries[Int(frames[depth - 1].function)].code
        let flag = interrupt
        let globals = self.globals

        do throws(Trap) {
            while true {
                let op = code[pc]
                pc &+= 1
                switch op {
                // MARK: control
                case .charge(let n):
                    let rest = fuel &- Int64(n)
                    if rest < flag.floor {
                        if flag.stopReason == nil && rest >= 0 {
                            self.pc = pc &- 1
                            self.sp = sp
                            self.fp = fp
                            self.fuel = fuel
                            return .yield
                        }
                        self.fuel = fuel
                        throw interruptTrap(needed: Int64(n))
                    }
                    fuel = rest
                case .unreachable:
                    throw Trap.runtime("unreachable executed")
                case .jump(let t, let p):
                    pc = land(Mode.self, Int(t), p.taken, &fuel, flag)
                case .jumpIf(let t, let p):
                    sp &-= 1
                    pc = truth(stack[sp]) ? land(Mode.self, Int(t), p.taken, &fuel, flag) : land(Mode.self, pc, p.fall, &fuel, flag)
                case .jumpUnless(let t, let p):
                    sp &-= 1
                    pc = truth(stack[sp]) ? land(Mode.self, pc, p.fall, &fuel, flag) : land(Mode.self, Int(t), p.taken, &fuel, flag)
                case .jumpAdjust(let t, let drop, let keep, let p):
                    sp = adjust(stack, sp, drop: drop, keep: keep)
                    pc = land(Mode.self, Int(t), p.taken, &fuel, flag)
                case .jumpIfAdjust(let t, let drop, let keep, let p):
                    sp &-= 1
                    if truth(stack[sp]) {
                        sp = adjust(stack, sp, drop: drop, keep: keep)
                        pc = land(Mode.self, Int(t), p.taken, &fuel, flag)
                    } else {
                        pc = land(Mode.self, pc, p.fall, &fuel, flag)
                    }
                case .jumpUnlessAdjust(let t, let drop, let keep, let p):
                    sp &-= 1
                    if !truth(stack[sp]) {
                        sp = adjust(stack, sp, drop: drop, keep: keep)
                        pc = land(Mode.self, Int(t), p.taken, &fuel, flag)
                    } else {
                        pc = land(Mode.self, pc, p.fall, &fuel, flag)
                    }
                case .ret:
                    let result = stack[sp &- 1]
                    depth &-= 1
                    let calleeSlot = fp &- 1
                    stack[calleeSlot] = result
                    sp = fp
                    if depth == baseDepth {
                        self.sp = sp
                        self.fuel = fuel
                        self.pc = 0
                        self.fp = depth > 0 ? frames[depth - 1].fp : 0
                        return .returned(result)
                    }
                    let caller = frames[depth &- 1]
                    fp = caller.fp
                    pc = caller.pc
                    code = entries[Int(caller.function)].code

                // MARK: fused
                case .localConst(let i, let k, let f):
                    let v = stack[fp &+ Int(i)]
                    if case .int(let a) = v, let r = f.kind.apply(a, Int64(k)) {
                        stack[sp] = r
                        sp &+= 1
                        continue
                    }
                    self.sp = sp
                    self.fuel = fuel
                    let r = try slowLocalConst(v, local: Int(i), Int64(k), f.kind, pc: pc)
                    fuel = self.fuel
                    stack[sp] = r
                    sp &+= 1
                case .localConstSet(let i, let k, let j, let f):
                    let v = stack[fp &+ Int(i)]
                    if case .int(let a) = v, let r = f.kind.apply(a, Int64(k)) {
                        stack[fp &+ Int(j)] = r
                        continue
                    }
                    self.sp = sp
                    self.fuel = fuel
                    let r = try slowLocalConst(v, local: Int(i), Int64(k), f.kind, pc: pc)
                    fuel = self.fuel
                    stack[fp &+ Int(j)] = r
                case .jumpUnlessCompare(let t, let p, let f), .jumpIfCompare(let t, let p, let f):
                    let holds: Bool
                    if case .int(let a) = stack[sp &- 2], case .int(let b) = stack[sp &- 1] {
                        holds = f.kind.holds(a, b)
                    } else if case .float(let a) = stack[sp &- 2], case .float(let b) = stack[sp &- 1], !a.isNaN && !b.isNaN {
                        holds = f.kind.holds(a, b)
                    } else {
                        self.sp = sp
                        self.fuel = fuel
                        holds = truth(try slowFused(f.kind, stack[sp &- 2], stack[sp &- 1]))
                        fuel = self.fuel
                    }
                    sp &-= 2
                    let taken: Bool
                    if case .jumpIfCompare = op { taken = holds } else { taken = !holds }
                    pc = taken ? land(Mode.self, Int(t), p.taken, &fuel, flag) : land(Mode.self, pc, p.fall, &fuel, flag)
                case .jumpUnlessLocalConst(let t, let k, let p, let i, let f),
                    .jumpIfLocalConst(let t, let k, let p, let i, let f):
                    let v = stack[fp &+ Int(i)]
                    let holds: Bool
                    if case .int(let a) = v {
                        holds = f.kind.holds(a, Int64(k))
                    } else {
                        self.sp = sp
                        self.fuel = fuel
                        holds = truth(try slowLocalConst(v, local: Int(i), Int64(k), f.kind, pc: pc))
                        fuel = self.fuel
                    }
                    let taken: Bool
                    if case .jumpIfLocalConst = op { taken = holds } else { taken = !holds }
                    pc = taken ? land(Mode.self, Int(t), p.taken, &fuel, flag) : land(Mode.self, pc, p.fall, &fuel, flag)

                // MARK: stack
                case .drop:
                    sp &-= 1
                case .dup:
                    stack[sp] = stack[sp &- 1]
                    sp &+= 1
                case .dup2:
                    stack[sp] = stack[sp &- 2]
                    stack[sp &+ 1] = stack[sp &- 1]
                    sp &+= 2
                case .swap:
                    let t = stack[sp &- 1]
                    stack[sp &- 1] = stack[sp &- 2]
                    stack[sp &- 2] = t
                case .constNone:
                    stack[sp] = .none
                    sp &+= 1
                case .constTrue:
                    stack[sp] = .bool(true)
                    sp &+= 1
                case .constFalse:
                    stack[sp] = .bool(false)
                    sp &+= 1
                case .constInt(let v):
                    stack[sp] = .int(v)
                    sp &+= 1
                case .constFloat(let d):
                    stack[sp] = .float(d)
                    sp &+= 1
                case .constRef(let k):
                    stack[sp] = constants[Int(k)]
                    sp &+= 1

                // MARK: variables
                case .localGet(let i):
                    let v = stack[fp &+ Int(i)]
                    if case .unbound = v { throw unboundLocal(Int(i), pc: pc) }
                    stack[sp] = v
                    sp &+= 1
                case .localSet(let i):
                    sp &-= 1
                    stack[fp &+ Int(i)] = stack[sp]
                case .globalGet(let i):
                    let v = globals[Int(i)]
                    if case .unbound = v { throw unboundGlobal(Int(i)) }
                    stack[sp] = v
                    sp &+= 1
                case .globalSet(let i):
                    if globalsFrozen { throw frozenGlobal(Int(i)) }
                    sp &-= 1
                    globals[Int(i)] = stack[sp]
                case .cellMake(let i):
                    self.sp = sp
                    try makeCell(at: fp &+ Int(i))
                case .cellGet(let i):
                    stack[sp] = try cellContents(stack[fp &+ Int(i)], local: Int(i), pc: pc)
                    sp &+= 1
                case .cellSet(let i):
                    sp &-= 1
                    try setCell(stack[fp &+ Int(i)], stack[sp])
                case .freeCell(let i):
                    stack[sp] = .ref(try freeCell(closure: stack[fp &- 1], Int(i), "free.cell").1)
                    sp &+= 1
                case .freeGet(let i):
                    stack[sp] = try freeVariable(closure: stack[fp &- 1], Int(i))
                    sp &+= 1
                case .builtin(let b):
                    stack[sp] = .builtin(UInt32(b))
                    sp &+= 1
                case .importGet(let i):
                    stack[sp] = .host(UInt32(i))
                    sp &+= 1
                case .funcMake(let f):
                    self.sp = sp
                    self.fuel = fuel
                    try makeFunction(Int(f))
                    sp = self.sp

                // MARK: arithmetic
                case .add, .sub, .addInPlace:
                    // `+=` on two ints is plain addition; lists (extend in place) go the long way.
                    let kind: FusedKind
                    if case .sub = op { kind = .sub } else { kind = .add }
                    if case .int(let a) = stack[sp &- 2], case .int(let b) = stack[sp &- 1], let r = kind.apply(a, b) {
                        sp &-= 1
                        stack[sp &- 1] = r
                        continue
                    }
                    if case .float(let x) = stack[sp &- 2], case .float(let y) = stack[sp &- 1] {
                        sp &-= 1
                        stack[sp &- 1] = .float(kind == .sub ? x - y : x + y)
                        continue
                    }
                    // Not two small ints or two floats, or the result overflows: the generic path.
                    fallthrough
                case .mul, .div, .floorDiv, .mod, .bitAnd, .bitOr, .bitXor, .shl, .shr:
                    // The same int fast path for the other integer operators (the generic path
                    // costs ~10× as much: LCG-style loops spent 60% of their time there). Zero
                    // divisors, overflow and out-of-range shifts fall through to it, which
                    // reports or promotes exactly as before; small ints have no dynamic fuel.
                    if case .int(let a) = stack[sp &- 2], case .int(let b) = stack[sp &- 1], let r = smallInt(op, a, b) {
                        sp &-= 1
                        stack[sp &- 1] = .int(r)
                        continue
                    }
                    // Two floats: `*` and `/` by a non-zero float are plain IEEE, as in the
                    // generic path; the rest (and division by zero) go there.
                    if case .float(let x) = stack[sp &- 2], case .float(let y) = stack[sp &- 1] {
                        if case .mul = op {
                            sp &-= 1
                            stack[sp &- 1] = .float(x * y)
                            continue
                        }
                        if case .div = op, y != 0 {
                            sp &-= 1
                            stack[sp &- 1] = .float(x / y)
                            continue
                        }
                    }
                    fallthrough
                case .bitOrInPlace, .in, .notIn:
                    self.sp = sp
                    self.fuel = fuel
                    let r = try binary(BinaryOperator(op), stack[sp &- 2], stack[sp &- 1])
                    fuel = self.fuel
                    sp &-= 1
                    stack[sp &- 1] = r
                case .neg, .pos, .bitNot:
                    self.sp = sp
                    self.fuel = fuel
                    stack[sp &- 1] = try unary(op, stack[sp &- 1])
                    fuel = self.fuel
                case .not:
                    stack[sp &- 1] = .bool(!truth(stack[sp &- 1]))

                // MARK: comparison
                case .eq, .ne:
                    let equal: Bool
                    if case .int(let a) = stack[sp &- 2], case .int(let b) = stack[sp &- 1] {
                        equal = a == b
                    } else if case .float(let a) = stack[sp &- 2], case .float(let b) = stack[sp &- 1], !a.isNaN && !b.isNaN {
                        equal = a == b
                    } else {
                        self.sp = sp
                        self.fuel = fuel
                        equal = try self.equal(stack[sp &- 2], stack[sp &- 1])
                        fuel = self.fuel
                    }
                    sp &-= 1
                    if case .eq = op { stack[sp &- 1] = .bool(equal) } else { stack[sp &- 1] = .bool(!equal) }
                case .lt, .le, .gt, .ge:
                    let result: Bool
                    if case .int(let a) = stack[sp &- 2], case .int(let b) = stack[sp &- 1] {
                        switch op {
                        case .lt: result = a < b
                        case .le: result = a <= b
                        case .gt: result = a > b
                        default: result = a >= b
                        }
                    } else if case .float(let a) = stack[sp &- 2], case .float(let b) = stack[sp &- 1], !a.isNaN && !b.isNaN {
                        switch op {
                        case .lt: result = a < b
                        case .le: result = a <= b
                        case .gt: result = a > b
                        default: result = a >= b
                        }
                    } else {
                        self.sp = sp
                        self.fuel = fuel
                        result = try compare(ComparisonOperator(op), stack[sp &- 2], stack[sp &- 1])
                        fuel = self.fuel
                    }
                    sp &-= 1
                    stack[sp &- 1] = .bool(result)

                // MARK: data
                case .listNew(let n), .tupleNew(let n):
                    self.sp = sp
                    let items = Array(UnsafeBufferPointer(start: stack + (sp &- Int(n)), count: Int(n)))
                    let v = try makeSequence(items, tuple: { if case .tupleNew = op { return true } else { return false } }())
                    sp &-= Int(n)
                    stack[sp] = v
                    sp &+= 1
                case .dictNew(let n):
                    self.sp = sp
                    self.fuel = fuel
                    let v = try makeDict(pairsAt: sp &- 2 &* Int(n), count: Int(n))
                    fuel = self.fuel
                    sp &-= 2 &* Int(n)
                    stack[sp] = v
                    sp &+= 1
                case .listPush:
                    self.sp = sp
                    try listPush(stack[sp &- 2], stack[sp &- 1])
                    sp &-= 2
                case .index:
                    self.sp = sp
                    self.fuel = fuel
                    let v = try index(stack[sp &- 2], stack[sp &- 1])
                    fuel = self.fuel
                    sp &-= 1
                    stack[sp &- 1] = v
                case .indexSet:
                    self.sp = sp
                    self.fuel = fuel
                    try setIndex(stack[sp &- 3], stack[sp &- 2], stack[sp &- 1])
                    fuel = self.fuel
                    sp &-= 3
                case .slice:
                    self.sp = sp
                    self.fuel = fuel
                    let v = try slice(stack[sp &- 4], stack[sp &- 3], stack[sp &- 2], stack[sp &- 1])
                    fuel = self.fuel
                    sp &-= 3
                    stack[sp &- 1] = v
                case .attr(let name):
                    self.sp = sp
                    stack[sp &- 1] = try attribute(stack[sp &- 1], name: Int(name))
                case .unpack(let n):
                    self.sp = sp
                    try unpack(stack[sp &- 1], into: sp &- 1, count: Int(n))
                    sp = sp &- 1 &+ Int(n)

                // MARK: iteration
                case .iterBegin:
                    self.sp = sp
                    stack[sp &- 1] = try iterBegin(stack[sp &- 1])
                case .iterNext(let t, let drop, let p):
                    self.sp = sp
                    if let v = try iterNext(stack[sp &- 1]) {
                        stack[sp] = v
                        sp &+= 1
                        pc = land(Mode.self, pc, p.fall, &fuel, flag)
                    } else {
                        sp &-= Int(drop)
                        pc = land(Mode.self, Int(t), p.taken, &fuel, flag)
                    }
                case .iterEnd:
                    sp &-= 1
                    iterEnd(stack[sp])

                // MARK: calls
                case .call(let shape):
                    let calleeSlot = sp &- shape.slots &- 1
                    if case .function(let f) = stack[calleeSlot], shape.isPositionalOnly {
                        let e = entries[Int(f)]
                        if e.isSimple && Int(e.paramCount) == shape.positional {
                            let newFP = calleeSlot &+ 1
                            if depth >= budget.maxDepth || newFP &+ Int(e.frameSize) > stackCapacity || depth >= frameCapacity {
                                self.sp = sp
                                try makeRoom(frameTop: newFP &+ Int(e.frameSize))
                                stack = self.stack
                            }
                            frames[depth &- 1].pc = pc
                            frames[depth] = Frame(function: Int32(bitPattern: f), fp: newFP, pc: 0)
                            depth &+= 1
                            var i = Int(e.paramCount)
                            while i < Int(e.localCount) {
                                stack[newFP &+ i] = .unbound
                                i &+= 1
                            }
                            fp = newFP
                            sp = newFP &+ Int(e.localCount)
                            code = e.code
                            // The callee's entry block is paid here when possible (see Prepay).
                            pc = land(Mode.self, 0, e.entryFuel, &fuel, flag)
                            continue
                        }
                    }
                    // All of the loop's position goes back to the sandbox: a host call leaves
                    // the loop here, and the inline call path above does not write `self.fp`.
                    self.sp = sp
                    self.fuel = fuel
                    self.pc = pc
                    self.fp = fp
                    switch try callValue(calleeSlot: calleeSlot, shape: shape) {
                    case .frame:
                        stack = self.stack
                        fp = self.fp
                        sp = self.sp
                        code = entries[Int(frames[depth &- 1].function)].code
                        pc = 0
                    case .value:
                        sp = self.sp
                    case .host(let call):
                        // self.fuel already holds the host call's price.
                        return .host(call)
                    }
                    fuel = self.fuel
                case .callAttr(let name, let shape):
                    self.sp = sp
                    self.fuel = fuel
                    self.pc = pc
                    self.fp = fp
                    switch try callMethod(name: Int(name), receiverSlot: sp &- shape.slots &- 1, shape: shape) {
                    case .frame:
                        // A test `module`'s field was a function (Builtins+Testing.swift).
                        stack = self.stack
                        fp = self.fp
                        code = entries[Int(frames[depth &- 1].function)].code
                        pc = 0
                    case .value: break
                    case .host(let call): return .host(call)
                    }
                    sp = self.sp
                    fuel = self.fuel
                }
            }
        } catch {
            // The op at pc - 1 trapped before changing anything, so out-of-fuel can resume it.
            self.pc = pc &- 1
            self.sp = sp
            self.fp = fp
            // Out of fuel: the op runs again from scratch on resume, so it is all or nothing:
            // give back whatever its slow path charged before running short (the local still
            // holds the fuel at the op's start). Any other trap ends the run; fuel only falls
            // while running, so the smaller of the local and the last write-back is the rest.
            self.fuel = error.reason == .outOfFuel ? fuel : min(self.fuel, fuel)
            var trap = error
            trap.backtrace = backtrace(pc: pc &- 1)
            return .trapped(trap)
        }
    }

    /// `local <kind> k` when the local is not a small int (or the int result overflows).
    /// The operands go on the stack first so the collector sees them if the result allocates.
    func slowLocalConst(_ v: Value, local: Int, _ k: Int64, _ kind: FusedKind, pc: Int) throws(Trap) -> Value {
        if case .unbound = v { throw unboundLocal(local, pc: pc) }
        stack[sp] = v
        stack[sp + 1] = .int(k)
        sp += 2
        defer { sp -= 2 }
        return try slowFused(kind, v, .int(k))
    }

    /// A fused op's operation on operands that are not both small ints.
    func slowFused(_ kind: FusedKind, _ x: Value, _ y: Value) throws(Trap) -> Value {
        switch kind {
        case .add: return try binary(.add, x, y)
        case .sub: return try binary(.sub, x, y)
        case .eq: return .bool(try equal(x, y))
        case .ne: return .bool(!(try equal(x, y)))
        case .lt: return .bool(try compare(.lt, x, y))
        case .le: return .bool(try compare(.le, x, y))
        case .gt: return .bool(try compare(.gt, x, y))
        case .ge: return .bool(try compare(.ge, x, y))
        }
    }

    /// Where a branch to `target` continues: just past the target block's `charge` if the
    /// prepaid fuel is there and nothing interrupts, else on the `charge` itself.
    @inline(__always) private func land<Mode: MeteringMode>(
        _: Mode.Type, _ target: Int, _ paid: UInt16, _ fuel: inout Int64, _ flag: InterruptFlag
    ) -> Int {
        guard Mode.metered else { return target }
        let rest = fuel &- Int64(paid)
        if rest >= flag.floor {
            fuel = rest
            return target &+ 1
        }
        return target
    }

    /// Int64 `*`, `//`, `%`, `&`, `|`, `^`, `<<`, `>>` as Starlark defines them (floored
    /// division and modulo), or nil where the generic path must decide: a zero divisor, an
    /// overflow, a shift that is negative or leaves 64 bits, or an op this does not cover
    /// (add/sub arrive here only after their own fast path failed).
    @inline(__always) private func smallInt(_ op: Op, _ a: Int64, _ b: Int64) -> Int64? {
        switch op {
        case .mul:
            let (r, o) = a.multipliedReportingOverflow(by: b)
            return o ? nil : r
        case .floorDiv:
            guard b != 0, !(a == .min && b == -1) else { return nil }
            let q = a / b
            return a % b != 0 && (a < 0) != (b < 0) ? q &- 1 : q
        case .mod:
            guard b != 0, b != -1 else { return nil }
            let r = a % b
            return r != 0 && (r < 0) != (b < 0) ? r &+ b : r
        case .bitAnd: return a & b
        case .bitOr: return a | b
        case .bitXor: return a ^ b
        case .shl:
            guard b >= 0 && b < 63 else { return nil }
            let r = a << b
            return r >> b == a ? r : nil
        case .shr:
            guard b >= 0 else { return nil }
            return b >= 64 ? (a < 0 ? -1 : 0) : a >> b
        default:
            return nil
        }
    }

    /// Moves the `keep` results of a branch down over `drop` discarded values.
    @inline(__always) private func adjust(_ stack: UnsafeMutablePointer<Value>, _ sp: Int, drop: UInt16, keep: UInt16) -> Int {
        if keep == 1 { stack[sp &- 1 &- Int(drop)] = stack[sp &- 1] }
        return sp &- Int(drop)
    }

    /// The trap for a `charge` that could not proceed: an interrupt, or too little fuel.
    func interruptTrap(needed: Int64) -> Trap {
        switch interrupt.stopReason {
        case InterruptFlag.deadline:
            return Trap(.deadlineExceeded, "the run's deadline of \(budget.timeout.map { "\($0)" } ?? "?") passed")
        case InterruptFlag.cancel:
            return Trap(.cancelled, "the run was cancelled")
        default:
            return Trap(.outOfFuel, "out of fuel: the next block needs \(needed), \(max(fuel, 0)) left")
        }
    }

    func backtrace(pc: Int) -> [BacktraceFrame] {
        var out: [BacktraceFrame] = []
        var d = depth
        var at = pc
        let file = module.module.debug?.file
        while d > baseDepth && d > 0 {
            let f = frames[d - 1]
            let compiled = module.functions[Int(f.function)]
            // The prelude's frames are the VM's own; the trap reads as the builtin's.
            if Int(f.function) >= module.preludeBase {
                d -= 1
                if d > 0 { at = frames[d - 1].pc - 1 }
                continue
            }
            let p = compiled.position(at: at)
            out.append(
                BacktraceFrame(
                    function: compiled.source.name, functionIndex: compiled.index, pc: p.originalPC,
                    file: p.line == nil ? nil : file, line: p.line, column: p.column))
            d -= 1
            if d > 0 { at = frames[d - 1].pc - 1 }
            if out.count >= 64 { break }
        }
        return out
    }
}
