import CorralBytecode

import BigInt

/// Memory: reservations against the budget, the collector, and the growable stack.
extension Sandbox {
    /// Makes sure `bytes` more can be charged, collecting garbage first if that crosses the
    /// collection threshold. Call it before building anything: a collection frees whatever
    /// is not reachable from the stack (below `self.sp`), the globals and the constants.
    @inline(__always) func reserve(_ bytes: Int) throws(Trap) {
        let next = heap.live &+ bytes
        if next <= heap.threshold && next >= heap.live { return }
        try reserveSlow(bytes)
    }

    private func reserveSlow(_ bytes: Int) throws(Trap) {
        guard bytes >= 0, bytes <= heap.limit else {
            throw Trap(.outOfMemory, "an allocation of \(bytes) bytes exceeds the memory limit of \(heap.limit) bytes")
        }
        collectGarbage()
        guard heap.live + bytes <= heap.limit else {
            throw Trap(.outOfMemory, "memory limit of \(heap.limit) bytes exceeded (\(heap.live) live, \(bytes) more needed)")
        }
        if heap.live + bytes > heap.threshold {
            heap.threshold = min(heap.limit, heap.live + bytes + Heap.minimumThreshold)
        }
    }

    /// Mark from every root, then sweep.
    func collectGarbage() {
        var roots: [Value] = []
        roots.reserveCapacity(sp + module.module.globals.count + constants.count)
        for i in 0..<sp { roots.append(stack[i]) }
        for i in 0..<module.module.globals.count { roots.append(globals[i]) }
        roots.append(contentsOf: constants)
        heap.mark(roots)
        heap.sweep()
    }

    /// Charges fuel for work proportional to its size, all or nothing.
    @inline(__always) func useFuel(_ amount: Int64) throws(Trap) {
        guard fuel >= amount else {
            throw Trap(.outOfFuel, "out of fuel: this operation needs \(amount), \(max(fuel, 0)) left")
        }
        fuel &-= amount
    }

    /// Fuel for work over `count` bytes.
    @inline(__always) func useFuel(bytes count: Int) throws(Trap) {
        try useFuel(Int64(count / FuelSchedule.bytesPerFuel))
    }

    /// Makes room for a new frame whose slots end at `frameTop`, or traps `stack-overflow`.
    func makeRoom(frameTop: Int) throws(Trap) {
        guard depth < budget.maxDepth else {
            throw Trap(.stackOverflow, "call depth exceeds the limit of \(budget.maxDepth)")
        }
        if depth >= frameCapacity {
            let newCapacity = frameCapacity * 2
            try reserve(MemoryCost.frame * (newCapacity - frameCapacity))
            try heap.charge(MemoryCost.frame * (newCapacity - frameCapacity))
            let grown = UnsafeMutablePointer<Frame>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: frames, count: depth)
            frames.deallocate()
            frames = grown
            frameCapacity = newCapacity
        }
        if frameTop > stackCapacity {
            var newCapacity = stackCapacity * 2
            while newCapacity < frameTop { newCapacity *= 2 }
            try reserve(MemoryCost.stackSlot * (newCapacity - stackCapacity))
            try heap.charge(MemoryCost.stackSlot * (newCapacity - stackCapacity))
            let grown = UnsafeMutablePointer<Value>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: stack, count: sp)
            stack.deallocate()
            stack = grown
            stackCapacity = newCapacity
        }
    }

    /// Ensures `slots` stack slots exist (host-side pushes).
    func ensureStack(_ slots: Int) throws(Trap) {
        if slots > stackCapacity { try makeRoom(frameTop: slots) }
    }

    // MARK: - Making heap values

    func makeString(_ utf8: [UInt8]) throws(Trap) -> Value {
        try reserve(MemoryCost.string(utf8.count))
        return try heap.insert(heap.newString(taking: utf8))
    }

    func makeString(_ s: String) throws(Trap) -> Value { try makeString(Array(s.utf8)) }

    func makeBytes(_ data: [UInt8]) throws(Trap) -> Value {
        try reserve(MemoryCost.string(data.count))
        return try heap.insert(BytesObject(data))
    }

    /// An int from a big integer: the 64-bit fast path when it fits, a heap object otherwise.
    /// `BigInt(k).magnitude.words.count` without building a BigInt (whose generic initialiser
    /// cost more than the formatting it sized): no words for zero, else one.
    static func magnitudeWords(_ k: Int64) -> Int { k == 0 ? 0 : 1 }

    func makeInt(_ v: BigInt) throws(Trap) -> Value {
        if let small = Int64(exactly: v) { return .int(small) }
        try reserve(MemoryCost.bigInt(v.magnitude.words.count))
        return try heap.insert(BigIntObject(v))
    }

    func makeSequence(_ items: [Value], tuple: Bool) throws(Trap) -> Value {
        try reserve(MemoryCost.sequence(items.count))
        return try heap.insert(heap.newSequence(taking: items, tuple: tuple))
    }

    /// Wraps local `slot`'s value in a new cell (for variables that closures capture).
    func makeCell(at slot: Int) throws(Trap) {
        try reserve(MemoryCost.sequence(1))
        stack[slot] = try heap.insert(CellObject(stack[slot]))
    }

    func cellContents(_ cell: Value, local: Int, pc: Int) throws(Trap) -> Value {
        guard case .ref(let slot) = cell, heap.object(slot).kind == .cell else {
            throw Trap.runtime("local \(local) does not hold a cell")
        }
        let v = unsafeDowncast(heap.object(slot), to: CellObject.self).value
        if v.isUnbound { throw unboundLocal(local, pc: pc) }
        return v
    }

    func setCell(_ cell: Value, _ value: Value) throws(Trap) {
        guard case .ref(let slot) = cell, heap.object(slot).kind == .cell else {
            throw Trap.runtime("cell.set on a local that does not hold a cell")
        }
        unsafeDowncast(heap.object(slot), to: CellObject.self).value = value
    }

    func freeVariable(closure: Value, _ i: Int) throws(Trap) -> Value {
        let (f, c) = try freeCell(closure: closure, i, "free.get")
        let v = unsafeDowncast(heap.object(c), to: CellObject.self).value
        if v.isUnbound {
            // The debug section names free variables after the function's locals.
            let fn = module.module.functions[Int(f.function)]
            let names = module.module.debug.flatMap { Int(f.function) < $0.localNames.count ? $0.localNames[Int(f.function)] : nil } ?? []
            let at = Int(fn.localCount) + i
            if at < names.count, !names[at].isEmpty {
                // Go's words: the variable is a local of the enclosing function.
                throw Trap.runtime("local variable \(names[at]) referenced before assignment")
            }
            throw Trap.runtime("free variable \(i) of \(fn.name) referenced before assignment")
        }
        return v
    }

    /// `free.get`'s common case: captured cell `i` of the running closure holds a value.
    /// Nil for anything else, which `freeVariable` then explains.
    @inline(__always) func boundFreeVariable(closure: Value, _ i: Int) -> Value? {
        guard case .ref(let slot) = closure else { return nil }
        let o = heap.object(slot)
        guard o.kind == .function else { return nil }
        let cells = unsafeDowncast(o, to: FunctionObject.self).cells
        guard i < cells.count, case .ref(let c) = cells[i] else { return nil }
        let cell = heap.object(c)
        guard cell.kind == .cell else { return nil }
        let v = unsafeDowncast(cell, to: CellObject.self).value
        return v.isUnbound ? nil : v
    }

    /// The function a callee value runs: a plain function, or a closure's (its defaults and
    /// cells live in the object). Nil for builtins, host functions and non-callables.
    @inline(__always) func callableFunction(_ callee: Value) -> UInt32? {
        switch callee {
        case .function(let f): return f
        case .ref(let slot):
            let o = heap.object(slot)
            return o.kind == .function ? unsafeDowncast(o, to: FunctionObject.self).function : nil
        default: return nil
        }
    }

    /// Captured cell `i` of the running closure, checked to be a cell, and the closure.
    func freeCell(closure: Value, _ i: Int, _ op: String) throws(Trap) -> (FunctionObject, UInt32) {
        guard case .ref(let slot) = closure, heap.object(slot).kind == .function else {
            throw Trap.runtime("\(op) outside a closure")
        }
        let f = unsafeDowncast(heap.object(slot), to: FunctionObject.self)
        guard i < f.cells.count, case .ref(let c) = f.cells[i], heap.object(c).kind == .cell else {
            throw Trap.runtime("free variable \(i) is not a cell")
        }
        return (f, c)
    }

    /// `func.make f`: pops the defaults then the cells the function declares.
    func makeFunction(_ f: Int) throws(Trap) {
        let fn = module.module.functions[f]
        let nd = fn.defaultCount
        let nc = Int(fn.freeCount)
        if nd == 0 && nc == 0 {
            stack[sp] = .function(UInt32(f))
            sp += 1
            return
        }
        try reserve(MemoryCost.sequence(nd + nc) + 16)
        let base = sp - nd - nc
        let defaults = Array(UnsafeBufferPointer(start: stack + base, count: nd))
        let cells = Array(UnsafeBufferPointer(start: stack + base + nd, count: nc))
        let v = try heap.insert(FunctionObject(function: UInt32(f), defaults: defaults, cells: cells))
        sp = base
        stack[sp] = v
        sp += 1
    }

    func unboundLocal(_ i: Int, pc: Int) -> Trap {
        let f = Int(frames[depth - 1].function)
        let names = module.module.debug?.localNames
        let name = names.flatMap { f < $0.count && i < $0[f].count ? $0[f][i] : nil }
        return Trap.runtime("local variable \(name ?? "\(i)") referenced before assignment")
    }

    func unboundGlobal(_ i: Int) -> Trap {
        Trap.runtime("global variable \(module.module.globals[i].name) referenced before assignment")
    }

    func frozenGlobal(_ i: Int) -> Trap {
        Trap.runtime("cannot reassign global \"\(module.module.globals[i].name)\" after the module is initialised")
    }
}

/// A big integer from the constant pool's sign-and-magnitude bytes, in linear time (words are
/// assembled directly; shifting byte by byte was quadratic, minutes for a 64 KiB constant).
func bigIntFromBytes(_ negative: Bool, _ magnitude: [UInt8]) -> BigInt {
    var words = [UInt]()
    words.reserveCapacity((magnitude.count + 7) / 8)
    var i = 0
    while i < magnitude.count {
        var w: UInt = 0
        for j in 0..<min(8, magnitude.count - i) { w |= UInt(magnitude[i + j]) << UInt(8 * j) }
        words.append(w)
        i += 8
    }
    let m = BigUInt(words: words)
    return negative ? -BigInt(m) : BigInt(m)
}
