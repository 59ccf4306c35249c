import CorralBytecode
import CorralVM
import Foundation

/// One benchmark program: a hand-written `.cas` file under `Programs/`, written the way the
/// Starlark compiler emits code (functions called through globals, locals, `block`/`loop`
/// loops), with the value it must return.
///
/// Each program is validated twice: metered (fuel charged per block, interrupt flag checked,
/// deadline watchdog on, memory budget enforced) and unmetered (`metered: false` with
/// `Budget.unlimited`: no fuel, no interrupt checks, no deadline). The difference between the
/// two is the metering overhead the issue bounds at 5%. Memory accounting itself cannot be
/// switched off (every allocation is charged to the heap), so it is in both.
struct Workload: Sendable {
    /// Short name used by `Benchmarks/run` and in benchmark names (`fib`, `loop`, ...).
    let name: String
    /// One line for tables.
    let summary: String
    let metered: ValidatedModule
    let unmetered: ValidatedModule
    /// The budget of the metered run.
    let budget: Budget
    let run: Run
    let expected: HostValue

    /// What one measured iteration does.
    enum Run: Sendable {
        /// New sandbox, `initialize()` (the top level binds the globals), then `main()`.
        case main
        /// New sandbox and one call of the exported `add(2, 3)`, without `initialize()`.
        case createAndCall
        /// New sandbox, `initialize()`, then `add(2, 3)`: what a host does per request.
        case createInitializeAndCall
    }

    /// The metered budget for the CPU-bound programs: far more fuel and memory than they use,
    /// a deadline (so the watchdog runs, as it does for real agents; an hour, since a count
    /// under valgrind on a loaded machine can take minutes) and the default depth.
    static let meteredBudget = Budget(fuel: 10_000_000_000, memory: 64 << 20, timeout: .seconds(3_600), maxDepth: 1_000)
    /// The allocation-heavy program runs in 1 MiB so the collector has to keep up.
    static let smallMemoryBudget = Budget(fuel: 10_000_000_000, memory: 1 << 20, timeout: .seconds(3_600), maxDepth: 1_000)

    /// All workloads, in the order the tables list them; `CORRAL_BENCH_ONLY=a,b` keeps only
    /// those (the others are not even loaded or checked).
    static func all() throws -> [Workload] {
        let only = ProcessInfo.processInfo.environment["CORRAL_BENCH_ONLY"].map { $0.split(separator: ",").map(String.init) }
        return try everything().filter { only?.contains($0.name) ?? true }
    }

    private static func everything() throws -> [Workload] {
        [
            try Workload("fib", "fib(30), recursive calls through a global", file: "fib.cas", expected: .int(832_040)),
            try Workload("loop", "10M-iteration integer loop, test at the top", file: "loop.cas", expected: .int(49_999_995_000_000)),
            try Workload("loop-rotated", "the same loop, test at the bottom", file: "loop-rotated.cas", expected: .int(49_999_995_000_000)),
            try Workload("list", "200 x (1000 appends + 1000 indexed reads)", file: "list.cas", expected: .int(199_800_000)),
            try Workload("dict", "200 x (2000 int/string key stores + 1000 reads)", file: "dict.cas", expected: .int(199_800_000)),
            try Workload("alloc", "1M short-lived tuples and lists in 1 MiB", file: "alloc.cas", expected: .int(500_000_500_000), budget: smallMemoryBudget),
            try Workload("sandbox", "new sandbox + add(2, 3)", file: "sandbox.cas", expected: .int(5), run: .createAndCall),
            try Workload("sandbox-init", "new sandbox + initialize + add(2, 3)", file: "sandbox.cas", expected: .int(5), run: .createInitializeAndCall),
        ]
    }

    init(_ name: String, _ summary: String, file: String, expected: HostValue, budget: Budget = Workload.meteredBudget, run: Run = .main) throws {
        let text = try String(contentsOf: Workload.programs.appendingPathComponent(file), encoding: .utf8)
        let module = try Assembler.assemble(text, file: file)
        self.name = name
        self.summary = summary
        self.metered = try ValidatedModule.validate(module, metered: true)
        self.unmetered = try ValidatedModule.validate(module, metered: false)
        self.budget = budget
        self.run = run
        self.expected = expected
    }

    /// `Programs/` next to this source file; `CORRAL_BENCH_PROGRAMS` overrides it for a binary
    /// that was moved away from its sources.
    static var programs: URL {
        if let dir = ProcessInfo.processInfo.environment["CORRAL_BENCH_PROGRAMS"] {
            return URL(fileURLWithPath: dir)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")
    }

    /// A fresh sandbox for one iteration: the metered module with the workload's budget, or
    /// the unmetered one with `Budget.unlimited`.
    func makeSandbox(metered isMetered: Bool) throws(LinkError) -> Sandbox {
        try Sandbox(module: isMetered ? metered : unmetered, budget: isMetered ? budget : .unlimited, print: { _ in })
    }

    /// Makes the workload's calls in `sandbox`.
    func drive(_ sandbox: Sandbox) async -> Sandbox.Outcome {
        switch run {
        case .main:
            let started = await sandbox.initialize()
            guard case .returned = started else { return started }
            return await sandbox.call("main")
        case .createAndCall:
            return await sandbox.call("add", [.int(2), .int(3)])
        case .createInitializeAndCall:
            let started = await sandbox.initialize()
            guard case .returned = started else { return started }
            return await sandbox.call("add", [.int(2), .int(3)])
        }
    }

    /// Runs one iteration (new sandbox included) and returns its outcome.
    func once(metered isMetered: Bool) async -> Sandbox.Outcome {
        do {
            return await drive(try makeSandbox(metered: isMetered))
        } catch {
            return .trapped(Trap(.runtimeError, "link error: \(error)"))
        }
    }

    /// What one metered iteration used (fuel, peak memory, collections), for the report.
    func meteredStats() async throws(LinkError) -> RunStats {
        let sandbox = try makeSandbox(metered: true)
        _ = await drive(sandbox)
        return sandbox.stats
    }

    /// Runs `count` iterations and fails on the first wrong result, so that a broken program
    /// or VM can never produce a timing.
    @inline(never)  // `Benchmarks/run --instructions` counts the instructions of this function
    func iterations(_ count: Int, metered isMetered: Bool) async throws(WrongResult) {
        for _ in 0..<count {
            let outcome = await once(metered: isMetered)
            guard outcome == .returned(expected) else {
                throw WrongResult(workload: name, metered: isMetered, expected: expected, got: outcome)
            }
        }
    }

    /// Checks both variants once before anything is timed. (Not through `iterations`, so that
    /// `Benchmarks/run --instructions` can count the instructions of `iterations` alone.)
    func verify() async throws(WrongResult) {
        for isMetered in [true, false] {
            let outcome = await once(metered: isMetered)
            guard outcome == .returned(expected) else {
                throw WrongResult(workload: name, metered: isMetered, expected: expected, got: outcome)
            }
        }
    }
}

/// A program returned something other than its expected value (or trapped).
struct WrongResult: Error, CustomStringConvertible {
    let workload: String
    let metered: Bool
    let expected: HostValue
    let got: Sandbox.Outcome

    var description: String {
        let variant = metered ? "metered" : "unmetered"
        switch got {
        case .returned(let v): return "\(workload) (\(variant)) returned \(v), expected \(expected)"
        case .trapped(let t): return "\(workload) (\(variant)) trapped: \(t.reason.rawValue): \(t.message), expected \(expected)"
        }
    }
}
