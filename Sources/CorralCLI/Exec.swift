import ArgumentParser
import Foundation
import CorralBytecode
import CorralVM

/// Budget flags shared by every command that runs code (`exec` now, `run` later).
struct BudgetOptions: ParsableArguments {
    @Option(help: "Fuel units the run may use (bytecode/SPEC.md, fuel schedule).")
    var fuel: Int64 = BudgetOptions.defaultFuel
    @Option(help: "Live memory limit, e.g. 64MiB, 512KiB, 1GB or plain bytes.", transform: ByteSizeOption.parse)
    var memory: Int = BudgetOptions.defaultMemory
    @Option(help: "Wall-clock limit, e.g. 500ms, 2s, 1m.", transform: DurationOption.parse)
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
    @Option(help: "Run the module this many times, each in a fresh sandbox (for measuring); with --stats the line also gives the process's resident memory before and after.")
    var `repeat`: Int = 1

    @Flag(help: "Translate without fuel charges or interrupt checks, for measuring metering overhead: no fuel limit and no deadline.")
    var unmetered = false

    mutating func execute(io: CLIOutput) async throws {
        let module = try ModuleInput.validated(file, metered: !unmetered, io: io)
        // Builtins still charge their work; unmetered means no limit on it either.
        if unmetered { budget.fuel = .max }
        guard `repeat` >= 1 else {
            io.err("corral: usage-error: --repeat must be at least 1")
            throw CLIExit.invalid
        }
        if `repeat` > 1 {
            try await repeated(module, io: io)
            return
        }
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
            for line in BacktraceLines.lines(trap.backtrace.map(\.description)) { io.err(line) }
            if budget.stats { io.err(Exec.statsLine(sandbox.stats)) }
            throw CLIExit.trapped
        }
    }

    /// `--repeat N`: N fresh sandboxes, one after another; prints the last result.
    private func repeated(_ module: ValidatedModule, io: CLIOutput) async throws {
        let rssStart = ResidentMemory.bytes()
        var last: Sandbox.Outcome = .returned(.none)
        var stats: RunStats?
        for _ in 0..<`repeat` {
            let sandbox: Sandbox
            do { sandbox = try Sandbox(module: module, budget: budget.budget, print: { _ in }) } catch {
                io.err("corral: link-error: \(file): \(error)")
                throw CLIExit.invalid
            }
            last = await sandbox.initialize()
            if case .returned = last, module.module.exports.contains(where: { $0.name == "main" }) {
                last = await sandbox.call("main")
            }
            stats = sandbox.stats
            if case .trapped = last { break }
        }
        let rssEnd = ResidentMemory.bytes()
        switch last {
        case .returned(let v): io.out(v.description)
        case .trapped(let trap): io.err("corral: \(trap.reason.rawValue): \(trap.message)")
        }
        if budget.stats, let stats {
            var line = Exec.statsLine(stats)
            line.removeLast()
            io.err(line + ", \"runs\": \(`repeat`), \"rss_start\": \(rssStart), \"rss_end\": \(rssEnd)}")
        }
        if case .trapped = last { throw CLIExit.trapped }
    }

    static func statsLine(_ s: RunStats) -> String {
        let ms = Double(s.wallNanoseconds) / 1e6
        let rounded = (ms * 1000).rounded() / 1000
        return "stats: {\"fuel\": \(s.fuel), \"memory_peak\": \(s.memoryPeak), \"wall_ms\": \(rounded)}"
    }
}

/// The process's resident set size, from /proc/self/statm (0 where that does not exist).
enum ResidentMemory {
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * 4096
    }
}
