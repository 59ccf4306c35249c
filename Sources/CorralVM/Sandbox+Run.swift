/// The run loop: one plain loop, `ip`, `sp`, `fp` (pointers) and fuel in locals, one
/// exhaustive switch. Simple cases (int and float arithmetic, locals, jumps, plain calls, list
/// indexing) are handled inline; the rest call out to slow paths in the `Sandbox+…` files
/// after writing the locals back as indexes (`self.sp`, `self.fuel`, `self.pc`), which is also
/// what makes the stack a complete root set for the collector whenever a slow path allocates.
///
/// Performance notes (Benchmarks/README.md has the numbers):
/// - Pointers rather than base + index keep fewer values live, so the hot state stays in
///   registers in both compiled copies (`368fca5`: metering overhead 7.6–12.7% → 3.8–4.3%).
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
        // Pointers, not indexes: `ip` and `sp` each stand for a base and an offset, so the
        // loop keeps fewer values live and the register allocator keeps them all in registers
        // (indexes spilled the code and stack bases, and how they spilled differed between
        // the metered and unmetered copies). Branch targets are relative to `ip` for the same
        // reason. Bases are reloaded from `self` only on slow paths.
        let entries = module.entries
        var code = entries[Int(frames[depth - 1].function)].code
        var ip = code + self.pc
        var sp = stack + self.sp
        var fp = stack + self.fp
        var fuel = self.fuel
        let flag = interrupt
        let globals = self.globals

        do throws(Trap) {
            while true {
                let op = ip.pointee
                ip += 1
                switch op {
                // MARK: control
                case .charge(let n):
                    let rest = fuel &- Int64(n)
                    if rest < flag.floor {
                        if flag.stopReason == nil && rest >= 0 {
                            self.pc = ip - 1 - code
                            save(sp: sp, fp: fp)
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
                    ip = land(Mode.self, ip + Int(t), p.taken, &fuel, flag)
                case .jumpIf(let t, let p):
                    sp -= 1
                    ip = truth(sp.pointee) ? land(Mode.self, ip + Int(t), p.taken, &fuel, flag) : land(Mode.self, ip, p.fall, &fuel, flag)
                case .jumpUnless(let t, let p):
                    sp -= 1
                    ip = truth(sp.pointee) ? land(Mode.self, ip, p.fall, &fuel, flag) : land(Mode.self, ip + Int(t), p.taken, &fuel, flag)
                case .jumpAdjust(let t, let drop, let keep, let p):
                    sp = adjust(sp, drop: drop, keep: keep)
                    ip = land(Mode.self, ip + Int(t), p.taken, &fuel, flag)
                case .jumpIfAdjust(let t, let drop, let keep, let p):
                    sp -= 1
                    if truth(sp.pointee) {
                        sp = adjust(sp, drop: drop, keep: keep)
                        ip = land(Mode.self, ip + Int(t), p.taken, &fuel, flag)
                    } else {
                        ip = land(Mode.self, ip, p.fall, &fuel, flag)
                    }
                case .jumpUnlessAdjust(let t, let drop, let keep, let p):
                    sp -= 1
                    if !truth(sp.pointee) {
                        sp = adjust(sp, drop: drop, keep: keep)
                        ip = land(Mode.self, ip + Int(t), p.taken, &fuel, flag)
                    } else {
                        ip = land(Mode.self, ip, p.fall, &fuel, flag)
                    }
                case .ret:
                    let result = sp[-1]
                    depth &-= 1
                    fp[-1] = result
                    sp = fp
                    if depth == baseDepth {
                        self.sp = sp - stack
                        self.fuel = fuel
                        self.pc = 0
                        self.fp = depth > 0 ? frames[depth - 1].fp : 0
                        return .returned(result)
                    }
                    let caller = frames[depth &- 1]
                    fp = stack + caller.fp
                    code = entries[Int(caller.function)].code
                    ip = code + caller.pc

                // MARK: fused
                case .localConst(let i, let k, let f):
                    let v = fp[Int(i)]
                    if case .int(let a) = v, let r = f.kind.apply(a, Int64(k)) {
                        sp.pointee = r
                        sp += 1
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    let r = try slowLocalConst(v, local: Int(i), Int64(k), f.kind, pc: ip - code)
                    fuel = self.fuel
                    sp.pointee = r
                    sp += 1
                case .localConstSet(let i, let k, let j, let f):
                    let v = fp[Int(i)]
                    if case .int(let a) = v, let r = f.kind.apply(a, Int64(k)) {
                        fp[Int(j)] = r
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    let r = try slowLocalConst(v, local: Int(i), Int64(k), f.kind, pc: ip - code)
                    fuel = self.fuel
                    fp[Int(j)] = r
                case .jumpUnlessCompare(let t, let p, let f), .jumpIfCompare(let t, let p, let f):
                    let holds: Bool
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        holds = f.kind.holds(a, b)
                    } else if case .float(let a) = sp[-2], case .float(let b) = sp[-1], !a.isNaN && !b.isNaN {
                        holds = f.kind.holds(a, b)
                    } else {
                        save(sp: sp)
                        self.fuel = fuel
                        holds = truth(try slowFused(f.kind, sp[-2], sp[-1]))
                        fuel = self.fuel
                    }
                    sp -= 2
                    let taken: Bool
                    if case .jumpIfCompare = op { taken = holds } else { taken = !holds }
                    ip = taken ? land(Mode.self, ip + Int(t), p.taken, &fuel, flag) : land(Mode.self, ip, p.fall, &fuel, flag)
                case .jumpUnlessLocalConst(let t, let k, let p, let i, let f),
                    .jumpIfLocalConst(let t, let k, let p, let i, let f):
                    let v = fp[Int(i)]
                    let holds: Bool
                    if case .int(let a) = v {
                        holds = f.kind.holds(a, Int64(k))
                    } else {
                        save(sp: sp)
                        self.fuel = fuel
                        holds = truth(try slowLocalConst(v, local: Int(i), Int64(k), f.kind, pc: ip - code))
                        fuel = self.fuel
                    }
                    let taken: Bool
                    if case .jumpIfLocalConst = op { taken = holds } else { taken = !holds }
                    ip = taken ? land(Mode.self, ip + Int(t), p.taken, &fuel, flag) : land(Mode.self, ip, p.fall, &fuel, flag)

                // MARK: stack
                case .drop:
                    sp -= 1
                case .dup:
                    sp.pointee = sp[-1]
                    sp += 1
                case .dup2:
                    sp[0] = sp[-2]
                    sp[1] = sp[-1]
                    sp += 2
                case .swap:
                    let t = sp[-1]
                    sp[-1] = sp[-2]
                    sp[-2] = t
                case .constNone:
                    sp.pointee = .none
                    sp += 1
                case .constTrue:
                    sp.pointee = .bool(true)
                    sp += 1
                case .constFalse:
                    sp.pointee = .bool(false)
                    sp += 1
                case .constInt(let v):
                    sp.pointee = .int(v)
                    sp += 1
                case .constFloat(let d):
                    sp.pointee = .float(d)
                    sp += 1
                case .constRef(let k):
                    sp.pointee = constants[Int(k)]
                    sp += 1

                // MARK: variables
                case .localGet(let i):
                    let v = fp[Int(i)]
                    if case .unbound = v { throw unboundLocal(Int(i), pc: ip - code) }
                    sp.pointee = v
                    sp += 1
                case .localSet(let i):
                    sp -= 1
                    fp[Int(i)] = sp.pointee
                case .globalGet(let i):
                    let v = globals[Int(i)]
                    if case .unbound = v { throw unboundGlobal(Int(i)) }
                    sp.pointee = v
                    sp += 1
                case .globalSet(let i):
                    if globalsFrozen { throw frozenGlobal(Int(i)) }
                    sp -= 1
                    globals[Int(i)] = sp.pointee
                case .cellMake(let i):
                    save(sp: sp)
                    try makeCell(at: fp + Int(i) - stack)
                case .cellGet(let i):
                    sp.pointee = try cellContents(fp[Int(i)], local: Int(i), pc: ip - code)
                    sp += 1
                case .cellSet(let i):
                    sp -= 1
                    try setCell(fp[Int(i)], sp.pointee)
                case .freeCell(let i):
                    sp.pointee = .ref(try freeCell(closure: fp[-1], Int(i), "free.cell").1)
                    sp += 1
                case .freeGet(let i):
                    if let v = boundFreeVariable(closure: fp[-1], Int(i)) {
                        sp.pointee = v
                    } else {
                        sp.pointee = try freeVariable(closure: fp[-1], Int(i))
                    }
                    sp += 1
                case .builtin(let b):
                    sp.pointee = .builtin(UInt32(b))
                    sp += 1
                case .importGet(let i):
                    sp.pointee = .host(UInt32(i))
                    sp += 1
                case .funcMake(let f):
                    save(sp: sp)
                    self.fuel = fuel
                    try makeFunction(Int(f))
                    sp = stack + self.sp

                // MARK: arithmetic
                case .add, .sub, .addInPlace:
                    // `+=` on two ints is plain addition; lists (extend in place) go the long way.
                    let kind: FusedKind
                    if case .sub = op { kind = .sub } else { kind = .add }
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1], let r = kind.apply(a, b) {
                        sp -= 1
                        sp[-1] = r
                        continue
                    }
                    if case .float(let x) = sp[-2], case .float(let y) = sp[-1] {
                        sp -= 1
                        sp[-1] = .float(kind == .sub ? x - y : x + y)
                        continue
                    }
                    // Not two small ints or two floats, or the result overflows: the generic path.
                    fallthrough
                case .bitOrInPlace, .in, .notIn:
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(BinaryOperator(op))
                    fuel = self.fuel
                    sp -= 1

                // The int fast path of each other integer operator, written out per op (the
                // generic path costs ~10× as much: LCG-style loops spent 60% of their time
                // there, and one shared helper taking the op was not inlined, so every `*`
                // rebuilt the op and made a call). Zero divisors, overflow and shifts out of
                // range go to the generic path, which reports or promotes exactly as before;
                // small ints have no dynamic fuel. The five lines of each slow path repeat on
                // purpose: an inlined helper taking `sp` and `fuel` inout cost the loop 4–9%
                // (callgrind, every interpreter-bound benchmark program).
                case .mul:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        let (r, o) = a.multipliedReportingOverflow(by: b)
                        if !o {
                            sp -= 1
                            sp[-1] = .int(r)
                            continue
                        }
                    } else if case .float(let x) = sp[-2], case .float(let y) = sp[-1] {
                        sp -= 1
                        sp[-1] = .float(x * y)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.mul)
                    fuel = self.fuel
                    sp -= 1
                case .div:
                    // Two floats with a non-zero divisor are plain IEEE, as in the generic path.
                    if case .float(let x) = sp[-2], case .float(let y) = sp[-1], y != 0 {
                        sp -= 1
                        sp[-1] = .float(x / y)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.div)
                    fuel = self.fuel
                    sp -= 1
                case .floorDiv:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1], b != 0, !(a == .min && b == -1) {
                        let q = a / b
                        sp -= 1
                        sp[-1] = .int(a % b != 0 && (a < 0) != (b < 0) ? q &- 1 : q)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.floorDiv)
                    fuel = self.fuel
                    sp -= 1
                case .mod:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1], b != 0, b != -1 {
                        let r = a % b
                        sp -= 1
                        sp[-1] = .int(r != 0 && (r < 0) != (b < 0) ? r &+ b : r)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.mod)
                    fuel = self.fuel
                    sp -= 1
                case .bitAnd:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        sp -= 1
                        sp[-1] = .int(a & b)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.bitAnd)
                    fuel = self.fuel
                    sp -= 1
                case .bitOr:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        sp -= 1
                        sp[-1] = .int(a | b)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.bitOr)
                    fuel = self.fuel
                    sp -= 1
                case .bitXor:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        sp -= 1
                        sp[-1] = .int(a ^ b)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.bitXor)
                    fuel = self.fuel
                    sp -= 1
                case .shl:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1], b >= 0 && b < 63, (a << b) >> b == a {
                        sp -= 1
                        sp[-1] = .int(a << b)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.shl)
                    fuel = self.fuel
                    sp -= 1
                case .shr:
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1], b >= 0 {
                        sp -= 1
                        sp[-1] = .int(b >= 64 ? (a < 0 ? -1 : 0) : a >> b)
                        continue
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try binaryOnStack(.shr)
                    fuel = self.fuel
                    sp -= 1
                case .neg, .pos, .bitNot:
                    save(sp: sp)
                    self.fuel = fuel
                    sp[-1] = try unary(op, sp[-1])
                    fuel = self.fuel
                case .not:
                    sp[-1] = .bool(!truth(sp[-1]))

                // MARK: comparison
                case .eq, .ne:
                    let equal: Bool
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        equal = a == b
                    } else if case .float(let a) = sp[-2], case .float(let b) = sp[-1], !a.isNaN && !b.isNaN {
                        equal = a == b
                    } else {
                        save(sp: sp)
                        self.fuel = fuel
                        equal = try self.equal(sp[-2], sp[-1])
                        fuel = self.fuel
                    }
                    sp -= 1
                    if case .eq = op { sp[-1] = .bool(equal) } else { sp[-1] = .bool(!equal) }
                case .lt, .le, .gt, .ge:
                    let result: Bool
                    if case .int(let a) = sp[-2], case .int(let b) = sp[-1] {
                        result = ordering(op, a, b)
                    } else if case .float(let a) = sp[-2], case .float(let b) = sp[-1], !a.isNaN && !b.isNaN {
                        result = ordering(op, a, b)
                    } else {
                        save(sp: sp)
                        self.fuel = fuel
                        result = try compare(ComparisonOperator(op), sp[-2], sp[-1])
                        fuel = self.fuel
                    }
                    sp -= 1
                    sp[-1] = .bool(result)

                // MARK: data
                case .listNew(let n), .tupleNew(let n):
                    save(sp: sp)
                    let items = Array(UnsafeBufferPointer(start: sp - Int(n), count: Int(n)))
                    let v = try makeSequence(items, tuple: { if case .tupleNew = op { return true } else { return false } }())
                    sp -= Int(n)
                    sp.pointee = v
                    sp += 1
                case .dictNew(let n):
                    save(sp: sp)
                    self.fuel = fuel
                    let v = try makeDict(pairsAt: sp - 2 &* Int(n) - stack, count: Int(n))
                    fuel = self.fuel
                    sp -= 2 &* Int(n)
                    sp.pointee = v
                    sp += 1
                case .listPush:
                    save(sp: sp)
                    try listPush(sp[-2], sp[-1])
                    sp -= 2
                case .index:
                    // A list or tuple read by an in-range int: no dynamic fuel, nothing to
                    // allocate, so it needs no slow path (`index` handles everything else).
                    if case .ref(let slot) = sp[-2], case .int(let i) = sp[-1] {
                        let o = heap.object(slot)
                        if o.kind == .list || o.kind == .tuple {
                            let l = unsafeDowncast(o, to: ListObject.self)
                            let j = i < 0 ? i &+ Int64(l.items.count) : i
                            if j >= 0 && j < Int64(l.items.count) {
                                sp -= 1
                                sp[-1] = l.items[Int(j)]
                                continue
                            }
                        }
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    let v = try index(sp[-2], sp[-1])
                    fuel = self.fuel
                    sp -= 1
                    sp[-1] = v
                case .indexSet:
                    // The same for a store into a list that is neither frozen nor iterated.
                    if case .ref(let slot) = sp[-3], case .int(let i) = sp[-2] {
                        let o = heap.object(slot)
                        if o.kind == .list && !o.frozen {
                            let l = unsafeDowncast(o, to: ListObject.self)
                            let j = i < 0 ? i &+ Int64(l.items.count) : i
                            if l.iterators == 0 && j >= 0 && j < Int64(l.items.count) {
                                l.items[Int(j)] = sp[-1]
                                sp -= 3
                                continue
                            }
                        }
                    }
                    save(sp: sp)
                    self.fuel = fuel
                    try setIndex(sp[-3], sp[-2], sp[-1])
                    fuel = self.fuel
                    sp -= 3
                case .slice:
                    save(sp: sp)
                    self.fuel = fuel
                    let v = try slice(sp[-4], sp[-3], sp[-2], sp[-1])
                    fuel = self.fuel
                    sp -= 3
                    sp[-1] = v
                case .attr(let name):
                    save(sp: sp)
                    sp[-1] = try attribute(sp[-1], name: Int(name))
                case .attrSet(let name):
                    save(sp: sp)
                    try setAttribute(sp[-2], name: Int(name), sp[-1])
                    sp -= 2
                case .unpack(let n):
                    save(sp: sp)
                    try unpack(sp[-1], into: sp - 1 - stack, count: Int(n))
                    sp += Int(n) &- 1

                // MARK: iteration
                case .iterBegin:
                    save(sp: sp)
                    sp[-1] = try iterBegin(sp[-1])
                case .iterNext(let t, let drop, let p):
                    // A range or a list needs no call: the iterator holds what to walk.
                    if case .ref(let slot) = sp[-1], heap.object(slot).kind == .iterator {
                        if let next = unsafeDowncast(heap.object(slot), to: IteratorObject.self).step() {
                            sp.pointee = next
                            sp += 1
                            ip = land(Mode.self, ip, p.fall, &fuel, flag)
                            continue
                        }
                    }
                    save(sp: sp)
                    if let v = try iterNext(sp[-1]) {
                        sp.pointee = v
                        sp += 1
                        ip = land(Mode.self, ip, p.fall, &fuel, flag)
                    } else {
                        sp -= Int(drop)
                        ip = land(Mode.self, ip + Int(t), p.taken, &fuel, flag)
                    }
                case .iterEnd:
                    sp -= 1
                    iterEnd(sp.pointee)

                // MARK: calls
                case .call(let shape):
                    let callee = sp - shape.slots - 1
                    if shape.isPositionalOnly, let f = callableFunction(callee.pointee) {
                        let e = entries[Int(f)]
                        if e.isSimple && Int(e.paramCount) == shape.positional {
                            var newFP = callee + 1
                            let frameTop = newFP - stack + Int(e.frameSize)
                            if depth >= budget.maxDepth || frameTop > stackCapacity || depth >= frameCapacity {
                                save(sp: sp)
                                let at = newFP - stack
                                try makeRoom(frameTop: frameTop)
                                newFP = stack + at
                            }
                            frames[depth &- 1].pc = ip - code
                            frames[depth] = Frame(function: Int32(bitPattern: f), fp: newFP - stack, pc: 0)
                            depth &+= 1
                            var i = Int(e.paramCount)
                            while i < Int(e.localCount) {
                                newFP[i] = .unbound
                                i &+= 1
                            }
                            fp = newFP
                            sp = newFP + Int(e.localCount)
                            code = e.code
                            // The callee's entry block is paid here when possible (see Prepay).
                            ip = land(Mode.self, code, e.entryFuel, &fuel, flag)
                            continue
                        }
                    }
                    // All of the loop's position goes back to the sandbox: a host call leaves
                    // the loop here, and the inline call path above does not write `self.fp`.
                    save(sp: sp, fp: fp)
                    self.fuel = fuel
                    self.pc = ip - code
                    switch try callValue(calleeSlot: callee - stack, shape: shape) {
                    case .frame:
                        code = entries[Int(frames[depth &- 1].function)].code
                        ip = code
                    case .value:
                        break
                    case .host(let call):
                        // self.fuel already holds the host call's price.
                        return .host(call)
                    }
                    // The call may have grown (moved) the stack: rebase both pointers.
                    sp = stack + self.sp
                    fp = stack + self.fp
                    fuel = self.fuel
                case .callAttr(let name, let shape):
                    save(sp: sp, fp: fp)
                    self.fuel = fuel
                    self.pc = ip - code
                    switch try callMethod(name: Int(name), receiverSlot: sp - shape.slots - 1 - stack, shape: shape) {
                    case .frame:
                        // A test `module`'s field was a function (Builtins+Testing.swift).
                        code = entries[Int(frames[depth &- 1].function)].code
                        ip = code
                    case .value: break
                    case .host(let call): return .host(call)
                    }
                    sp = stack + self.sp
                    fp = stack + self.fp
                    fuel = self.fuel
                }
            }
        } catch {
            // The op before ip trapped before changing anything, so out-of-fuel can resume it.
            let pc = ip - 1 - code
            self.pc = pc
            save(sp: sp, fp: fp)
            // Out of fuel: the op runs again from scratch on resume, so it is all or nothing:
            // give back whatever its slow path charged before running short (the local still
            // holds the fuel at the op's start). Any other trap ends the run; fuel only falls
            // while running, so the smaller of the local and the last write-back is the rest.
            self.fuel = error.reason == .outOfFuel ? fuel : min(self.fuel, fuel)
            var trap = error
            trap.backtrace = backtrace(pc: pc)
            return .trapped(trap)
        }
    }

    /// Writes the loop's stack pointer (and frame pointer) back as indexes, for slow paths
    /// and for whoever continues the run.
    @inline(__always) private func save(sp: UnsafeMutablePointer<Value>) {
        self.sp = sp - stack
    }

    @inline(__always) private func save(sp: UnsafeMutablePointer<Value>, fp: UnsafeMutablePointer<Value>) {
        self.sp = sp - stack
        self.fp = fp - stack
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
        _: Mode.Type, _ target: UnsafeMutablePointer<Op>, _ paid: UInt16, _ fuel: inout Int64, _ flag: InterruptFlag
    ) -> UnsafeMutablePointer<Op> {
        guard Mode.metered else { return target }
        let rest = fuel &- Int64(paid)
        if rest >= flag.floor {
            fuel = rest
            return target + 1
        }
        return target
    }

    /// A binary operator's generic path on the top two stack values (`self.sp` is current):
    /// pops both and pushes the result. Out of line so the run loop's cases stay small.
    @inline(never) func binaryOnStack(_ op: BinaryOperator) throws(Trap) {
        let r = try binary(op, stack[sp - 2], stack[sp - 1])
        sp -= 1
        stack[sp - 1] = r
    }

    /// `a op b` for `lt`, `le`, `gt`, `ge` on two ints or two non-NaN floats (specialised per
    /// type where it is inlined).
    @inline(__always) private func ordering<T: Comparable>(_ op: Op, _ a: T, _ b: T) -> Bool {
        switch op {
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        default: return a >= b
        }
    }

    /// Moves the `keep` results of a branch down over `drop` discarded values.
    @inline(__always) private func adjust(_ sp: UnsafeMutablePointer<Value>, drop: UInt16, keep: UInt16) -> UnsafeMutablePointer<Value> {
        if keep == 1 { sp[-1 - Int(drop)] = sp[-1] }
        return sp - Int(drop)
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
        let debug = module.module.debug
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
                    file: p.line == nil ? nil : debug?.file(ofFunction: Int(f.function)), line: p.line, column: p.column))
            d -= 1
            if d > 0 { at = frames[d - 1].pc - 1 }
            if out.count >= 64 { break }
        }
        return out
    }
}
