/// The test builtins (bytecode/SPEC.md, "Test builtins"): what the Go Starlark test files'
/// `assert.star` needs from its host, `error`, `catch`, `matches`, `module` and `_freeze`.
///
/// They exist for the conformance harness only: the validator rejects a module that names one
/// (`unknown builtin`) unless it was validated with `testing: true`, which no production path
/// does. `catch` is the one that changes how a run ends, so it gets the care: it never calls
/// back into the interpreter natively but runs `f` in a prelude frame (`Prelude.catchCall`), and
/// a catchable trap under that frame is turned into the catch call's result by `catchTrap`.
extension Sandbox {
    func testBuiltin(_ b: Builtin, _ args: Arguments) throws(Trap) -> Value {
        switch b {
        case .testError:
            try args.noNamed("error")
            guard args.positional.count == 1 else {
                throw Trap.runtime("error: got \(args.positional.count) arguments, want 1")
            }
            let x = args.positional[0]
            var text: [UInt8]
            if let s = stringBytes(x) {
                text = s
            } else {
                var out = outputBuffer()
                try write(x, to: &out, quoteStrings: false)
                text = out.bytes
            }
            try useFuel(bytes: text.count)
            let line = backtrace(pc: pc - 1).last(where: { $0.line != nil })?.line
            text = Array((line.map { "line \($0): " } ?? "").utf8) + text
            testErrors.append(String(decoding: text, as: UTF8.self))
            return .none
        case .testMatches:
            let a = try args.bind("matches", ["pattern", "str"], required: 2)
            guard let pattern = stringBytes(a[0] ?? .none), let text = stringBytes(a[1] ?? .none) else {
                throw Trap.runtime("matches: want (string, string), got (\(typeName(a[0] ?? .none)), \(typeName(a[1] ?? .none)))")
            }
            // Swift's Regex backtracks, so a hostile pattern could take long: acceptable for a
            // builtin that only the test harness can reach. Fuel covers the text scanned once.
            try useFuel(bytes: pattern.count + text.count)
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(String(decoding: pattern, as: UTF8.self))
            } catch {
                throw Trap.runtime("matches: \(error)")
            }
            return .bool(String(decoding: text, as: UTF8.self).firstMatch(of: regex) != nil)
        case .testModule:
            guard args.positional.count == 1, let name = stringBytes(args.positional[0]) else {
                throw Trap.runtime("module: got \(args.positional.count) arguments, want 1 string and keyword arguments")
            }
            let fields = args.named.map { (name: $0.name, value: $0.value) }
            try useFuel(elements: fields.count)
            let module = ModuleObject(name: String(decoding: name, as: UTF8.self), fields: fields)
            try reserve(module.bytes)
            return try heap.insert(module)
        case .testStruct:
            guard args.positional.isEmpty else {
                throw Trap.runtime("struct: unexpected positional arguments")
            }
            let fields = args.named.map { (name: $0.name, value: $0.value) }
            try useFuel(elements: fields.count)
            let s = ModuleObject(name: "struct", fields: fields, flavor: .structure)
            try reserve(s.bytes)
            return try heap.insert(s)
        case .testHasFields:
            guard args.positional.isEmpty && args.named.isEmpty else {
                throw Trap.runtime("hasfields: unexpected arguments")
            }
            let h = ModuleObject(name: "hasfields", fields: [], flavor: .hasFields)
            try reserve(h.bytes)
            return try heap.insert(h)
        case .testFibonacci:
            throw Trap.runtime("invalid call of non-function (fib)")
        case .testFreeze:
            try args.noNamed("freeze")
            guard args.positional.count == 1 else {
                throw Trap.runtime("freeze: got \(args.positional.count) arguments, want 1")
            }
            try freeze([args.positional[0]])
            return args.positional[0]
        default:
            throw Trap.runtime("\(b.rawValue) is not a test builtin")
        }
    }

    /// Sets every object reachable from `roots` frozen, charging one element of fuel per
    /// object first (all or nothing).
    func freeze(_ roots: [Value]) throws(Trap) {
        let objects = reachableObjects(from: roots)
        try useFuel(elements: objects.count)
        for o in objects { o.frozen = true }
    }

    /// `catch(f)`: pushes a frame of the prelude function that calls `f()` and returns None.
    /// If a catchable trap happens while that frame is on the stack, `catchTrap` unwinds to it.
    func callCatch(_ args: Arguments, calleeSlot: Int) throws(Trap) {
        let a = try args.bind("catch", ["fn"], required: 1)
        let f = module.preludeBase + Prelude.catchCall
        let fp = calleeSlot + 1
        try makeRoom(frameTop: fp + Int(module.entries[f].frameSize))
        stack[fp] = a[0] ?? .none
        stack[calleeSlot] = .function(UInt32(f))
        pushFrame(f, fp: fp, bound: 1, localCount: Int(module.functions[f].source.localCount))
    }

    /// What `catch` turns into its result: runtime errors and `fail`. Running out of fuel,
    /// memory, time or depth, cancellation and host errors end the run however it is nested.
    static func isCatchable(_ reason: TrapReason) -> Bool {
        reason == .runtimeError || reason == .fail
    }

    /// A trap's message as `catch` returns it and as Go Starlark words it (`fail: …`).
    static func catchMessage(_ trap: Trap) -> String {
        trap.reason == .fail ? "fail: " + trap.message : trap.message
    }

    /// Called when the run loop stops with `trap`. If the trap is catchable and a `catch`
    /// frame of this run is on the frame stack, unwinds to the innermost one as if it had
    /// returned the trap's message, and returns nil: the run goes on from the catch call's
    /// caller. Otherwise returns the trap that ends the run (the same one, or out-of-memory if
    /// the message does not fit).
    ///
    /// Unwinding pops every frame above the catch frame, drops the operand stack down to the
    /// catch call's callee slot (where `ret` would leave the result) and ends the iterators
    /// found in the dropped slots (`iter.end`), so no sequence stays locked. Fuel used stays used.
    func catchTrap(_ trap: Trap) -> Trap? {
        guard Sandbox.isCatchable(trap.reason) else { return trap }
        let catchFunction = Int32(module.preludeBase + Prelude.catchCall)
        var c = depth - 1
        while c >= baseDepth && frames[c].function != catchFunction { c -= 1 }
        guard c >= baseDepth else { return trap }
        let catchFP = frames[c].fp
        let calleeSlot = catchFP - 1
        let message = Array(Sandbox.catchMessage(trap).utf8)
        let result: Value
        do {
            try reserve(MemoryCost.string(message.count))
            result = try heap.insert(heap.newString(taking: message))
        } catch {
            return error
        }
        var i = catchFP
        while i < sp {
            if case .ref(let slot) = stack[i], heap.object(slot).kind == .iterator { iterEnd(stack[i]) }
            i += 1
        }
        stack[calleeSlot] = result
        sp = calleeSlot + 1
        depth = c
        if c == baseDepth {
            // The host called `catch` itself: the run ends with its result (see `drive`).
            pc = -1
            fp = depth > 0 ? frames[depth - 1].fp : 0
            return nil
        }
        let caller = frames[c - 1]
        fp = caller.fp
        pc = caller.pc
        return nil
    }
}
