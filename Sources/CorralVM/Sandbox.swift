import CorralBytecode

/// One isolated instance of a validated module: its heap, stack, globals and meters.
///
/// A sandbox is cheap to create (no code is copied; constants become heap objects) and its
/// memory goes back in one step when it is dropped.
///
/// `@unchecked Sendable` so a sandbox can be made on one task and run on another: its state is
/// touched only by the one task that drives a run (`initialize`, `call`, `resume`; a second
/// concurrent driver is a programming error), and `cancel()`, the one method meant for other
/// threads, only sets an atomic flag.
public final class Sandbox: @unchecked Sendable {
    public let module: ValidatedModule
    let heap: Heap
    public private(set) var budget: Budget

    // The operand stack and locals of every frame, in one growable buffer.
    var stack: UnsafeMutablePointer<Value>
    var stackCapacity: Int
    var sp = 0
    // Call frames; `frames[depth - 1]` is the running one.
    var frames: UnsafeMutablePointer<Frame>
    var frameCapacity: Int
    var depth = 0
    /// Frames at or below this depth belong to the host: returning to it ends the call.
    var baseDepth = 0
    // Where the interpreter stopped (loaded into locals by `execute`).
    var pc = 0
    var fp = 0

    /// Fuel left; `fuelGranted - fuel` has been used.
    var fuel: Int64
    var fuelGranted: Int64

    let globals: UnsafeMutablePointer<Value>
    /// Heap values for string, bytes and big-int constants; `.unbound` for the others.
    var constants: [Value]
    let interrupt = InterruptFlag()
    var hostFunctions: [HostFunction]
    var hostCallCount = 0
    /// An emptied positional-argument array kept for the next builtin or method call, so
    /// that a call does not allocate one (`collectArguments`, `recycle`).
    var spareArguments: [Value] = []
    var wallNanoseconds: Int64 = 0
    /// Set when the first run starts, from `budget.timeout`; it covers every later call.
    var deadline: ContinuousClock.Instant?
    var state: State = .ready
    /// Messages of the test builtin `error` (only modules validated for testing can call it):
    /// failures the program reported without stopping.
    package var testErrors: [String] = []
    /// Where `print` goes.
    public var printHandler: @Sendable (String) -> Void

    enum State: Equatable {
        case ready, running, outOfFuel, trapped
    }

    struct Frame {
        var function: Int32
        var fp: Int
        /// Where the frame continues after the call it is making returns.
        var pc: Int
    }

    /// The most fuel a sandbox holds (2^60 - 1, about 1.2e18 units: years of running). Larger
    /// budgets are cut to it, so fuel stays below the interrupt bits and one compare checks both
    /// (see `InterruptFlag`).
    public static let maxFuel: Int64 = InterruptFlag.yield - 1

    static func clampFuel(_ fuel: Int64) -> Int64 { min(max(fuel, 0), maxFuel) }

    static let initialStackSlots = 256
    static let initialFrames = 16

    /// Creates a sandbox. Every import must be provided by a host function with the same
    /// module and name (the host's linker decides which; the VM only checks completeness).
    public init(
        module: ValidatedModule, budget: Budget = Budget(), hostFunctions: [HostFunction] = [],
        print: @escaping @Sendable (String) -> Void = { Swift.print($0) }
    ) throws(LinkError) {
        self.module = module
        self.budget = budget
        self.fuel = Sandbox.clampFuel(budget.fuel)
        self.fuelGranted = self.fuel
        self.printHandler = print
        let imports = module.module.imports
        var bound: [HostFunction] = []
        bound.reserveCapacity(imports.count)
        var missing: [Import] = []
        for i in imports {
            if let f = hostFunctions.first(where: { $0.module == i.module && $0.name == i.name }) {
                bound.append(f)
            } else {
                missing.append(i)
            }
        }
        guard missing.isEmpty else { throw LinkError(missing: missing) }
        self.hostFunctions = bound

        heap = Heap(limit: budget.memory)
        stackCapacity = Sandbox.initialStackSlots
        stack = .allocate(capacity: stackCapacity)
        frameCapacity = Sandbox.initialFrames
        frames = .allocate(capacity: frameCapacity)
        let globalCount = module.module.globals.count
        globals = .allocate(capacity: max(globalCount, 1))
        globals.initialize(repeating: .unbound, count: max(globalCount, 1))
        constants = []
        // The sandbox's fixed parts count against its memory like anything else.
        heap.live = MemoryCost.stackSlot * (stackCapacity + globalCount) + MemoryCost.frame * frameCapacity
        heap.peak = heap.live
        if heap.live > heap.limit {
            initFailure = Trap(.outOfMemory, "the module's stack, frames and \(globalCount) globals need \(heap.live) bytes, over the memory limit of \(heap.limit)")
            return
        }
        do {
            constants = try makeConstants()
        } catch {
            initFailure = error
        }
    }

    /// Why the sandbox cannot run at all (its constants do not fit its memory budget); every
    /// run reports it.
    private var initFailure: Trap?

    deinit {
        stack.deallocate()
        frames.deallocate()
        globals.deinitialize(count: max(module.module.globals.count, 1))
        globals.deallocate()
    }

    private func makeConstants() throws(Trap) -> [Value] {
        var out: [Value] = []
        out.reserveCapacity(module.module.constants.count)
        for k in module.module.constants {
            switch k {
            case .int, .float: out.append(.unbound)
            case .string(let b): out.append(try heap.insert(heap.newString(taking: b)))
            case .bytes(let b): out.append(try heap.insert(BytesObject(b)))
            case .bigInt(let negative, let magnitude): out.append(try makeInt(bigIntFromBytes(negative, magnitude)))
            }
        }
        return out
    }

    // MARK: - Running

    /// The result of running code in the sandbox.
    public enum Outcome: Sendable, Equatable {
        case returned(HostValue)
        case trapped(Trap)

        public var trap: Trap? {
            if case .trapped(let t) = self { return t }
            return nil
        }
        public var value: HostValue? {
            if case .returned(let v) = self { return v }
            return nil
        }
    }

    /// Runs the module's start function (a Starlark file's top level), then freezes every
    /// value reachable from the globals, as Starlark does once a module is initialised.
    public func initialize(freeze: Bool = true) async -> Outcome {
        guard let start = module.module.start else {
            if freeze { freezeGlobals() }
            return .returned(.none)
        }
        let outcome = await invoke(.function(start), [])
        if case .returned = outcome, freeze { freezeGlobals() }
        return outcome
    }

    /// Calls an exported function (or a global that holds a function) with copied arguments.
    public func call(_ export: String, _ args: [HostValue] = []) async -> Outcome {
        guard let e = module.exportIndex[export] else {
            return .trapped(Trap(.runtimeError, "the module exports no \"\(export)\""))
        }
        let callee: Value
        switch e.kind {
        case .function: callee = .function(e.index)
        case .global: callee = globals[Int(e.index)]
        }
        if callee.isUnbound {
            return .trapped(Trap(.runtimeError, "export \"\(export)\" is not assigned"))
        }
        return await invoke(callee, args)
    }

    /// Adds fuel to a run that stopped with `out-of-fuel` and continues it to the same result it
    /// would have reached with the larger budget from the start.
    public func resume(addingFuel amount: Int64) async -> Outcome {
        guard state == .outOfFuel else {
            return .trapped(Trap(.runtimeError, "nothing to resume: the sandbox did not run out of fuel"))
        }
        let before = fuel
        fuel = max(amount, 0) >= Sandbox.maxFuel - fuel ? Sandbox.maxFuel : fuel + max(amount, 0)
        fuelGranted = fuelGranted &+ (fuel - before)
        state = .running
        return await drive()
    }

    /// Asks the running code to stop at its next block entry (or when its host call returns);
    /// it ends with `cancelled`. Safe from any thread.
    public func cancel() {
        interrupt.set(InterruptFlag.cancel)
    }

    /// Fuel used, peak memory, time and host calls so far.
    public var stats: RunStats {
        RunStats(
            fuel: fuelGranted &- fuel, memoryPeak: heap.peak, wallNanoseconds: wallNanoseconds,
            hostCalls: hostCallCount, collections: heap.collections)
    }

    /// Bytes currently charged to the memory meter.
    public var liveMemory: Int { heap.live }

    private func invoke(_ callee: Value, _ args: [HostValue]) async -> Outcome {
        if let initFailure { return .trapped(initFailure) }
        switch state {
        case .ready: break
        case .running: return .trapped(Trap(.runtimeError, "the sandbox is already running"))
        case .outOfFuel: return .trapped(Trap(.runtimeError, "the sandbox is out of fuel: resume it or drop it"))
        case .trapped: return .trapped(Trap(.runtimeError, "the sandbox trapped earlier and cannot run again"))
        }
        state = .running
        startDeadline()
        do {
            try enter(callee, args)
        } catch {
            // Nothing ran yet, so running short of fuel here leaves the sandbox as it was.
            state = error.reason == .outOfFuel ? .ready : .trapped
            sp = 0
            depth = baseDepth
            return .trapped(error)
        }
        return await drive()
    }

    /// Pushes the callee and its arguments and binds them into a first frame.
    private func enter(_ callee: Value, _ args: [HostValue]) throws(Trap) {
        baseDepth = depth
        try ensureStack(sp + 1 + args.count)
        let calleeSlot = sp
        stack[sp] = callee
        sp += 1
        for a in args {
            let v = try importValue(a)
            stack[sp] = v
            sp += 1
        }
        switch try callValue(calleeSlot: calleeSlot, shape: CallShape(positional: args.count, named: 0, flags: 0)) {
        case .frame: break
        case .value:
            // A builtin answered at once; leave its value for `drive` to return.
            pc = -1
        case .host(let call):
            pendingHost = call
        }
    }

    /// A host call the loop stopped at, waiting to be made by `drive`.
    var pendingHost: PendingHostCall?

    /// Runs the interpreter until the call returns or traps, making host calls on the way.
    private func drive() async -> Outcome {
        let began = ContinuousClock.now
        let token = Watchdog.shared.watch(interrupt, deadline: deadline)
        defer {
            Watchdog.shared.unwatch(token)
            wallNanoseconds += elapsedNanoseconds(since: began)
        }
        while true {
            if let call = pendingHost {
                pendingHost = nil
                if let trap = await perform(call) {
                    return finish(trap)
                }
                continue
            }
            if pc == -1 {
                pc = 0
                return finish(returning: stack[sp - 1])
            }
            switch module.metered ? execute(Metered.self) : execute(Unmetered.self) {
            case .returned(let v): return finish(returning: v)
            case .trapped(let t):
                // A test module's `catch` may take the trap as its result; the run goes on.
                if let ending = catchTrap(t) { return finish(ending) }
            case .host(let call): pendingHost = call
            case .yield:
                // The time slice is over: let other tasks onto this thread, then go on.
                interrupt.clearYield()
                await Task.yield()
            }
        }
    }

    private func finish(returning v: Value) -> Outcome {
        sp -= 1
        do {
            let out = try exportValue(v)
            state = .ready
            return .returned(out)
        } catch {
            state = .trapped
            return .trapped(error)
        }
    }

    private func finish(_ trap: Trap) -> Outcome {
        state = trap.reason.isResumable ? .outOfFuel : .trapped
        return .trapped(trap)
    }

    private func startDeadline() {
        guard deadline == nil, let timeout = budget.timeout, module.metered else { return }
        deadline = ContinuousClock.now.advanced(by: timeout)
    }

    /// Sets every object reachable from the globals frozen.
    func freezeGlobals() {
        let roots = (0..<module.module.globals.count).map { globals[$0] }
        for o in reachableObjects(from: roots) { o.frozen = true }
        globalsFrozen = true
    }

    /// Every heap object reachable from `roots`, each once, found iteratively (freezing walks
    /// deep structures without recursing on the native stack).
    func reachableObjects(from roots: [Value]) -> [HeapObject] {
        var work = roots
        var seen = Set<UInt32>()
        var objects: [HeapObject] = []
        while let v = work.popLast() {
            guard case .ref(let slot) = v, seen.insert(slot).inserted else { continue }
            let o = heap.object(slot)
            objects.append(o)
            o.forEachChild { work.append($0) }
        }
        return objects
    }

    var globalsFrozen = false
}

func elapsedNanoseconds(since start: ContinuousClock.Instant) -> Int64 {
    let d = ContinuousClock.now - start
    return d.components.seconds &* 1_000_000_000 &+ d.components.attoseconds / 1_000_000_000
}

/// The module needs imports that no host function provides.
public struct LinkError: Error, Sendable, Equatable, CustomStringConvertible {
    public var missing: [Import]
    public var description: String {
        "no host function for import(s): " + missing.map { "\($0.module).\($0.name)" }.joined(separator: ", ")
    }
}
