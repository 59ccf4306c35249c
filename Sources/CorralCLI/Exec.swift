import ArgumentParser
import CorralBytecode
import CorralVM

/// Budget flags shared by every command that runs code (`exec` now, `run` later).
struct BudgetOptions: ParsableArguments {
    @Option(help: "Fuel units the run may use (bytecode/SPEC.md, fuel schedule).")
    var fuel: Int64 = BudgetOptions.defaultFuel
    @Option(help: "Live memory limit, e.g. 64MiB, 512KiB, 1GB or plain bytes.", transform: ByteSize.parse)
    var memory: Int = BudgetOptions.defaultMemory
    @Option(help: "Wall-clock limit, e.g. 500ms, 2s, 1m.", transform: DurationText.parse)
    var timeout: Duration = BudgetOptions.defaultTimeout
    @Option(name: .customLong("max-depth"), help: "Maximum call depth.")
    var maxDepth: Int = BudgetOptions.defaultDepth
    @Flag(help: "Print a last stderr line: stats: {\"fuel\": N, \"memory_peak\": N, \"wall_ms\": X}.")
    var stats = false

    /// Generous defaults so ordinary programs just run; documented in README.md.
    static let defaultFuel: Int64 = 10_000_000_000
    static let defaultMemory = 256 << 20
    static let defaultTimeout = Duration.seconds(30)
    static let defaultDepth = 10_000

    func validate() throws {
        guard fuel >= 0 else { throw ValidationError("--fuel must not be negative") }
        guard memory > 0 else { throw ValidationError("--memory must be positive") }
        guard maxDepth > 0 else { throw ValidationError("--max-depth must be positive") }
    }

    var budget: Budget { Budget(fuel: fuel, memory: memory, timeout: timeout, maxDepth: maxDepth) }
}

struct Exec: CorralSubcommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a module: its start function, then its exported main if it has one.",
        discussion: "Prints the result on stdout. Exit 0 on success, 1 if the program traps, 2 for invalid input.")

    @Argument(help: "A binary module (.cbc) or text module (.cas).") var file: String
    @OptionGroup var budget: BudgetOptions

    mutating func execute(io: CLIOutput) async throws {
        let module = try ModuleInput.validated(file, io: io)
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox(module: module, budget: budget.budget, print: io.out)
        } catch {
            io.err("corral: link-error: \(file): \(error)")
            throw CLIExit.invalid
        }
        var outcome = await sandbox.initialize()
        if case .returned = outcome, module.module.exports.contains(where: { $0.name == "main" }) {
            outcome = await sandbox.call("main")
        }
        switch outcome {
        case .returned(let v):
            io.out(v.description)
            if budget.stats { io.err(Exec.statsLine(sandbox.stats)) }
        case .trapped(let trap):
            io.err("corral: \(trap.reason.rawValue): \(trap.message)")
            for frame in trap.backtrace { io.err(frame.description) }
            if budget.stats { io.err(Exec.statsLine(sandbox.stats)) }
            throw CLIExit.trapped
        }
    }

    static func statsLine(_ s: RunStats) -> String {
        let ms = Double(s.wallNanoseconds) / 1e6
        let rounded = (ms * 1000).rounded() / 1000
        return "stats: {\"fuel\": \(s.fuel), \"memory_peak\": \(s.memoryPeak), \"wall_ms\": \(rounded)}"
    }
}
