import BigInt
import CorralBytecode

/// A host call the loop stopped at: the import, its copied arguments, and where the answer goes.
struct PendingHostCall {
    let importIndex: Int
    let call: HostCall
    let calleeSlot: Int
}

/// Calls: binding arguments to parameters, pushing frames, builtins and host calls.
///
/// VM calls never recurse on the native stack: a call pushes a `Frame` and the run loop goes
/// on in the callee; `ret` pops it.
extension Sandbox {
    enum CallResult {
        /// A frame was pushed; the loop continues in the callee.
        case frame
        /// The result is already at the callee's slot and `sp` is just above it.
        case value
        /// The run must suspend for the host. Boxed: `HostCall` holds a resilient stdlib type
        /// (`ContinuousClock.Instant`), so unboxed every `.frame` and `.value` went through
        /// generic enum value witnesses, about 100 instructions per call.
        indirect case host(PendingHostCall)
    }

    /// Calls the value at `calleeSlot` with the arguments above it, described by `shape`.
    func callValue(calleeSlot: Int, shape: CallShape) throws(Trap) -> CallResult {
        let callee = stack[calleeSlot]
        switch callee {
        case .function(let f):
            try bindFrame(function: Int(f), defaults: [], calleeSlot: calleeSlot, shape: shape)
            return .frame
        case .ref(let slot):
            let o = heap.object(slot)
            switch o.kind {
            case .function:
                let fo = unsafeDowncast(o, to: FunctionObject.self)
                try bindFrame(function: Int(fo.function), defaults: fo.defaults, calleeSlot: calleeSlot, shape: shape)
                return .frame
            case .boundMethod:
                let bm = unsafeDowncast(o, to: BoundMethodObject.self)
                let args = try collectArguments(from: calleeSlot + 1, shape: shape)
                let r = try invokeMethod(bm.method, receiver: bm.receiver, args)
                stack[calleeSlot] = r
                sp = calleeSlot + 1
                return .value
            default:
                throw Trap.runtime("\(typeName(callee)) is not callable")
            }
        case .builtin(let id):
            let builtin = Builtin.all[Int(id)]
            if fastBuiltinCall(builtin, calleeSlot: calleeSlot, shape: shape) { return .value }
            var args = try collectArguments(from: calleeSlot + 1, shape: shape)
            if builtin == .testCatch {
                try callCatch(args, calleeSlot: calleeSlot)
                return .frame
            }
            if let key = keyFunction(builtin, args) {
                try callPrelude(builtin, key: key, args, calleeSlot: calleeSlot)
                return .frame
            }
            let r = try callBuiltin(builtin, args)
            recycle(&args)
            stack[calleeSlot] = r
            sp = calleeSlot + 1
            return .value
        case .host(let i):
            return .host(try prepareHostCall(Int(i), calleeSlot: calleeSlot, shape: shape))
        case .none, .bool, .int, .float, .unbound:
            throw Trap.runtime("\(typeName(callee)) is not callable")
        }
    }

    /// `call.attr`: a method call on the receiver at `receiverSlot`, without a bound method.
    /// A field of a test `module` value is called like any callee, in its place.
    func callMethod(name: Int, receiverSlot: Int, shape: CallShape) throws(Trap) -> CallResult {
        let receiver = stack[receiverSlot]
        if case .ref(let slot) = receiver, heap.object(slot).kind == .module {
            stack[receiverSlot] = try moduleField(unsafeDowncast(heap.object(slot), to: ModuleObject.self), name: module.names[name])
            return try callValue(calleeSlot: receiverSlot, shape: shape)
        }
        let methodName = module.methodNames[name]
        if let methodName, try fastMethodCall(methodName, receiverSlot: receiverSlot, shape: shape) { return .value }
        guard let methodName, let method = Method.lookup(methodName, on: self, receiver) else {
            throw noSuchAttribute(receiver, module.names[name])
        }
        var args = try collectArguments(from: receiverSlot + 1, shape: shape)
        let r = try invokeMethod(method, receiver: receiver, args)
        recycle(&args)
        stack[receiverSlot] = r
        sp = receiverSlot + 1
        return .value
    }

    /// Reads a call's arguments off the stack, spreading `*args` and `**kwargs`.
    func collectArguments(from base: Int, shape: CallShape) throws(Trap) -> Arguments {
        var args = Arguments()
        // The spare array, if there is one: its storage is reused, not allocated anew.
        swap(&args.positional, &spareArguments)
        // One append per argument: calls have a few, and the generic bulk append cost more
        // than the copying.
        args.positional.reserveCapacity(shape.positional)
        for i in 0..<shape.positional { args.positional.append(stack[base &+ i]) }
        var at = base + shape.positional
        for _ in 0..<shape.named {
            args.named.append((try argumentName(stack[at]), stack[at + 1]))
            at += 2
        }
        if shape.hasVarargs {
            let seq = stack[at]
            at += 1
            guard isIterable(seq) else { throw Trap.runtime("argument after * must be iterable, not \(typeName(seq))") }
            let items = try elements(of: seq, for: "*args")
            try useFuel(Int64(items.count * FuelSchedule.perElement))
            args.positional.append(contentsOf: items)
        }
        if shape.hasKwargs {
            let d = stack[at]
            guard case .ref(let slot) = d, heap.object(slot).kind == .dict else {
                throw Trap.runtime("argument after ** must be a dict, not \(typeName(d))")
            }
            let dict = unsafeDowncast(heap.object(slot), to: DictObject.self)
            try useFuel(Int64(dict.entries.count * FuelSchedule.perElement))
            for e in dict.entries.values {
                let name = try argumentName(e.key)
                if args.named.contains(where: { $0.name == name }) {
                    // Go Starlark's words: builtins and functions word it differently.
                    if case .builtin(let b) = stack[base - 1] {
                        throw Trap.runtime("\(Builtin.all[Int(b)].rawValue): duplicate keyword arg: \"\(name)\"")
                    }
                    throw Trap.runtime("got multiple values for parameter \"\(name)\"")
                }
                args.named.append((name, e.value))
            }
        }
        return args
    }

    /// Keeps a finished call's positional array, emptied, as the spare for the next call (a
    /// small one only). If a builtin kept the array (as a tuple's items, say), emptying it
    /// copies first, as any shared array does, so what the builtin kept is untouched.
    @inline(__always) func recycle(_ args: inout Arguments) {
        guard args.positional.capacity <= 16 else { return }
        // `removeAll(keepingCapacity:)` goes through the generic range replacement.
        while !args.positional.isEmpty { args.positional.removeLast() }
        swap(&args.positional, &spareArguments)
    }

    private func argumentName(_ v: Value) throws(Trap) -> String {
        guard let bytes = stringBytes(v) else {
            throw Trap.runtime("keywords must be strings, not \(typeName(v))")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The key function of a `sorted`, `min` or `max` call that has one (not None).
    private func keyFunction(_ b: Builtin, _ args: Arguments) -> Value? {
        guard b == .sorted || b == .min || b == .max, let key = args.named.first(where: { $0.name == "key" })?.value,
            key != .none
        else { return nil }
        return key
    }

    /// `sorted`/`min`/`max` with a key function: binds the arguments as the builtin would,
    /// makes the items one tuple, and pushes a frame of the prelude function that calls the key
    /// function from bytecode (see `Prelude`). Everything the new objects hang on stays on the
    /// stack until the frame holds them: the arguments above `calleeSlot`, then the frame.
    private func callPrelude(_ b: Builtin, key: Value, _ args: Arguments, calleeSlot: Int) throws(Trap) {
        let name = b.rawValue
        let function: Int
        let items: [Value]
        let flag: Bool
        if b == .sorted {
            let a = try args.bind(name, ["iterable", "key", "reverse"], required: 1)
            items = try elements(of: a[0] ?? .none, for: "sorted: for parameter iterable")
            (function, flag) = (Prelude.sorted, truth(a[2] ?? .bool(false)))
        } else {
            items = try minMaxItems(args, name)
            (function, flag) = (Prelude.minMax, b == .max)
        }
        let f = module.preludeBase + function
        let fp = calleeSlot + 1
        try makeRoom(frameTop: fp + Int(module.entries[f].frameSize))
        try useFuel(elements: items.count)
        try reserve(MemoryCost.sequence(items.count))
        stack[fp] = try heap.insert(ListObject(items, tuple: true))
        stack[fp + 1] = key
        stack[fp + 2] = .bool(flag)
        stack[calleeSlot] = .function(UInt32(f))
        pushFrame(f, fp: fp, bound: 3, localCount: Int(module.entries[f].localCount))
    }

    /// Binds arguments to the parameters of function `f` and pushes its frame over them.
    private func bindFrame(function f: Int, defaults: [Value], calleeSlot: Int, shape: CallShape) throws(Trap) {
        let entry = module.entries[f]
        let fp = calleeSlot + 1
        try makeRoom(frameTop: fp + Int(entry.frameSize) + shape.slots)
        // The common call reads only the flat entry: copying the `Function` struct retains
        // each of its arrays, which showed in every closure-heavy profile.
        if entry.isSimple && shape.isPositionalOnly && shape.positional == Int(entry.paramCount) {
            pushFrame(f, fp: fp, bound: shape.positional, localCount: Int(entry.localCount))
            return
        }
        let fn = module.functions[f].source
        let args = try collectArguments(from: fp, shape: shape)
        let locals = try bind(fn, defaults: defaults, args)
        for (i, v) in locals.enumerated() { stack[fp + i] = v }
        pushFrame(f, fp: fp, bound: locals.count, localCount: Int(fn.localCount))
    }

    func pushFrame(_ f: Int, fp: Int, bound: Int, localCount: Int) {
        if depth > 0 { frames[depth - 1].pc = pc }
        frames[depth] = Frame(function: Int32(f), fp: fp, pc: 0)
        depth += 1
        for i in bound..<max(bound, localCount) { stack[fp + i] = .unbound }
        self.fp = fp
        sp = fp + localCount
    }

    /// Starlark's argument binding: positional, then by name, then defaults; extras go to
    /// `*args`/`**kwargs` when the function has them.
    func bind(_ fn: Function, defaults: [Value], _ args: Arguments) throws(Trap) -> [Value] {
        let n = fn.params.count
        let positionalCount = Int(fn.positionalCount)
        var locals = [Value](repeating: .unbound, count: n + (fn.hasVarargs ? 1 : 0) + (fn.hasKwargs ? 1 : 0))
        let direct = min(args.positional.count, positionalCount)
        for i in 0..<direct { locals[i] = args.positional[i] }
        if args.positional.count > positionalCount {
            guard fn.hasVarargs else {
                throw Trap.runtime(
                    "\(fn.name)() accepts no more than \(positionalCount) positional argument(s) (\(args.positional.count) given)")
            }
        }
        var extraNamed: [(String, Value)] = []
        for (name, v) in args.named {
            if let i = fn.params.firstIndex(where: { $0.name == name }) {
                guard locals[i].isUnbound else {
                    throw Trap.runtime("function \(fn.name) got multiple values for parameter \"\(name)\"")
                }
                locals[i] = v
            } else if fn.hasKwargs {
                extraNamed.append((name, v))
            } else {
                throw Trap.runtime("\(fn.name)() got an unexpected keyword argument \"\(name)\"")
            }
        }
        var d = 0
        var missing: [String] = []
        for (i, p) in fn.params.enumerated() {
            if p.hasDefault {
                if locals[i].isUnbound, d < defaults.count { locals[i] = defaults[d] }
                d += 1
            }
            if locals[i].isUnbound { missing.append(p.name) }
        }
        if !missing.isEmpty {
            throw Trap.runtime(
                "function \(fn.name) missing \(missing.count) argument\(missing.count > 1 ? "s" : "") (\(missing.joined(separator: ", ")))")
        }
        // Build *args and **kwargs after one reservation: no collection may run between
        // making the objects and storing them where the collector can see them.
        let extra = args.positional.count > positionalCount ? Array(args.positional[positionalCount...]) : []
        var bytes = fn.hasVarargs ? MemoryCost.sequence(extra.count) : 0
        if fn.hasKwargs {
            bytes += MemoryCost.dict(extraNamed.count)
            for (name, _) in extraNamed { bytes += MemoryCost.string(name.utf8.count) }
        }
        try reserve(bytes)
        if fn.hasVarargs {
            locals[n] = try heap.insert(ListObject(extra, tuple: true))
        }
        if fn.hasKwargs {
            let dict = DictObject()
            for (name, v) in extraNamed {
                let key = try heap.insert(heap.newString(taking: Array(name.utf8)))
                dict.entries[.string(Array(name.utf8))] = (key, v)
            }
            dict.bytes = MemoryCost.dict(dict.entries.count)
            locals[n + (fn.hasVarargs ? 1 : 0)] = try heap.insert(dict)
        }
        return locals
    }

    // MARK: - Host calls

    private func prepareHostCall(_ i: Int, calleeSlot: Int, shape: CallShape) throws(Trap) -> PendingHostCall {
        let f = hostFunctions[i]
        let args = try collectArguments(from: calleeSlot + 1, shape: shape)
        var size = 0
        var positional: [HostValue] = []
        for a in args.positional { positional.append(try exportValue(a, size: &size)) }
        var named: [(name: String, value: HostValue)] = []
        for (n, v) in args.named {
            size += n.utf8.count
            named.append((n, try exportValue(v, size: &size)))
        }
        // All or nothing, before anything leaves the sandbox: out of fuel here resumes cleanly.
        try useFuel(f.basePrice &+ f.pricePerByteUnit &* Int64(size / FuelSchedule.bytesPerFuel))
        let call = HostCall(module: f.module, name: f.name, positional: positional, named: named, deadline: deadline)
        return PendingHostCall(importIndex: i, call: call, calleeSlot: calleeSlot)
    }

    /// Makes a host call and puts its answer on the stack. Returns a trap if the run must end.
    func perform(_ pending: PendingHostCall) async -> Trap? {
        hostCallCount += 1
        let f = hostFunctions[pending.importIndex]
        let trapHere = { (t: Trap) -> Trap in
            var t = t
            t.backtrace = self.backtrace(pc: self.pc - 1)
            return t
        }
        if interrupt.stopReason != nil { return trapHere(interruptTrap(needed: 0)) }
        let task = Task { try await f.body(pending.call) }
        interrupt.hostTask.withLock { $0 = task }
        // The flag may have been set between the check above and publishing the task.
        if interrupt.stopReason != nil { task.cancel() }
        let result: HostValue
        let flag = interrupt
        do {
            result = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                flag.set(InterruptFlag.cancel)
            }
        } catch let e as HostError {
            interrupt.hostTask.withLock { $0 = nil }
            if interrupt.stopReason != nil { return trapHere(interruptTrap(needed: 0)) }
            return trapHere(Trap(e.reason, "\(f.module).\(f.name): \(e.message)"))
        } catch {
            interrupt.hostTask.withLock { $0 = nil }
            if interrupt.stopReason != nil { return trapHere(interruptTrap(needed: 0)) }
            return trapHere(Trap(.hostError, "\(f.module).\(f.name): \(error)"))
        }
        interrupt.hostTask.withLock { $0 = nil }
        if interrupt.stopReason != nil { return trapHere(interruptTrap(needed: 0)) }
        sp = pending.calleeSlot + 1
        do {
            var size = 0
            let v = try importValue(result, size: &size)
            stack[pending.calleeSlot] = v
            // The answer is already here, so its price may leave the fuel in debt; the run
            // then stops out of fuel just after the call and resumes from there.
            fuel &-= f.pricePerByteUnit &* Int64(size / FuelSchedule.bytesPerFuel)
            if fuel < 0 { return trapHere(Trap(.outOfFuel, "out of fuel paying for the answer of \(f.module).\(f.name)")) }
        } catch {
            return trapHere(error)
        }
        return nil
    }
}

/// A call's arguments after spreading: positional values and (name, value) pairs.
struct Arguments {
    var positional: [Value] = []
    var named: [(name: String, value: Value)] = []
}
