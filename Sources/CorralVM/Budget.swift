/// The limits of one run. Every meter traps with its own reason word when crossed.
public struct Budget: Sendable, Equatable {
    /// Fuel units (bytecode/SPEC.md, "Fuel schedule"). Out of fuel is resumable. A sandbox
    /// holds at most `Sandbox.maxFuel` (2^60 − 1); a larger budget is cut to it.
    public var fuel: Int64
    /// Live heap bytes, as the deterministic `MemoryCost` accounting counts them.
    public var memory: Int
    /// Wall-clock time, host calls included, from the sandbox's first run (`initialize` or
    /// `call`): one deadline covers everything the sandbox runs after that. Enforced to within
    /// one watchdog slice (10 ms).
    public var timeout: Duration?
    /// VM call depth (frames).
    public var maxDepth: Int

    public init(fuel: Int64 = 1_000_000_000, memory: Int = 64 << 20, timeout: Duration? = nil, maxDepth: Int = 1_000) {
        self.fuel = fuel
        self.memory = memory
        self.timeout = timeout
        self.maxDepth = maxDepth
    }

    /// No limits beyond the process's own: for measuring, never for untrusted code.
    public static let unlimited = Budget(fuel: .max, memory: .max / 2, timeout: nil, maxDepth: 100_000)
}

/// What a run used.
public struct RunStats: Sendable, Equatable {
    public var fuel: Int64
    public var memoryPeak: Int
    public var wallNanoseconds: Int64
    public var hostCalls: Int
    public var collections: Int

    public init(fuel: Int64, memoryPeak: Int, wallNanoseconds: Int64, hostCalls: Int, collections: Int) {
        self.fuel = fuel
        self.memoryPeak = memoryPeak
        self.wallNanoseconds = wallNanoseconds
        self.hostCalls = hostCalls
        self.collections = collections
    }
}
