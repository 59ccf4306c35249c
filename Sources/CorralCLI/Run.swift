import ArgumentParser
import CorralBytecode
import CorralHost
import CorralVM
import Foundation

/// `corral run`: what an agent author types. Compiles a Starlark file (or loads a module),
/// runs its top level, then `main(input)` if it defines `main`, and prints the result as JSON.
struct Run: CorralSubcommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Starlark agent (.star) or a module (.cbc/.cas): its top level, then main(input) if defined.",
        discussion: """
            Prints main's result as JSON on stdout; print() writes to stdout too. Exit 0 on \
            success, 1 if the program traps, 2 for invalid input (compile errors, bad JSON).
            """)

    @Argument(help: "A Starlark file (.star), binary module (.cbc) or text module (.cas).") var file: String
    @Option(help: "JSON passed to main (default: null).") var input: String?
    @Option(name: .customLong("input-file"), help: "A file holding the JSON passed to main.") var inputFile: String?
    @Option(help: "The policy (YAML) that grants the capabilities the agent loads (samples/policies/README.md); without one, nothing is granted. Its budget caps the budget flags.")
    var policy: String?
    @OptionGroup var budget: BudgetOptions
    @Option(help: ArgumentHelp(
        "Run N times, each in a fresh sandbox, the file compiled and validated once (for measuring): only the last run prints; with --stats the line adds each run's time as run_ms.",
        visibility: .hidden))
    var `repeat`: Int = 1

    mutating func execute(io: CLIOutput) async throws {
        let argument = try readInput(io: io)
        guard `repeat` >= 1 else {
            io.err("corral: usage-error: --repeat must be at least 1")
            throw CLIExit.invalid
        }
        let module = try ModuleInput.validated(file, io: io)
        let policy = try readPolicy(io: io)
        let runBudget = policy.budget.capping(budget.budget)
        var sandbox: Sandbox!
        var outcome: Sandbox.Outcome = .returned(.none)
        var result: HostValue?
        var runMilliseconds: [Double] = []
        let runs = self.repeat
        for run in 1...runs {
            let began = ContinuousClock.now
            var printer = io.out
            if run < runs { printer = Run.discard }
            let gate = CapabilityGate(context: runContext(policy, io: io))
            do {
                let functions = try Linker.link(module, policy: policy, gate: gate)
                sandbox = try Sandbox(module: module, budget: runBudget, hostFunctions: functions, print: printer)
            } catch {
                io.err("corral: link-error: \(file): \(error)\(self.policy == nil ? " (no --policy given)" : "")")
                throw CLIExit.invalid
            }
            result = nil
            outcome = await sandbox.initialize()
            if case .returned = outcome, module.module.exports.contains(where: { $0.name == "main" }) {
                outcome = await sandbox.call("main", [argument])
                result = outcome.value
            }
            let elapsed = (ContinuousClock.now - began).components
            runMilliseconds.append(Double(elapsed.seconds) * 1e3 + Double(elapsed.attoseconds) / 1e15)
            if case .trapped = outcome { break }
        }
        var statsLine: String?
        if budget.stats {
            statsLine = Exec.statsLine(sandbox.stats)
            if `repeat` > 1 {
                let times = runMilliseconds.map { String(($0 * 1000).rounded() / 1000) }.joined(separator: ", ")
                statsLine = String(statsLine!.dropLast()) + ", \"runs\": \(runMilliseconds.count), \"run_ms\": [\(times)]}"
            }
        }
        switch outcome {
        case .returned:
            if let result {
                do {
                    io.out(try HostValueJSON.encode(result))
                } catch {
                    io.err("corral: runtime-error: main's result is not JSON: \(error)")
                    throw CLIExit.trapped
                }
            }
            if let statsLine { io.err(statsLine) }
        case .trapped(let trap):
            io.err("corral: \(trap.reason.rawValue): \(trap.message)")
            for frame in trap.backtrace { io.err(frame.description) }
            if let statsLine { io.err(statsLine) }
            throw CLIExit.trapped
        }
    }

    @Sendable private static func discard(_ text: String) {}

    /// The policy of `--policy`, or one that grants nothing.
    private func readPolicy(io: CLIOutput) throws -> Policy {
        guard let path = policy else { return .denyAll }
        let text = String(decoding: try ModuleInput.readBytes(path, io: io), as: UTF8.self)
        do {
            return try Policy(yaml: text)
        } catch {
            io.err("corral: policy-error: \(path):\(error.line == nil ? " " : "")\(error)")
            throw CLIExit.invalid
        }
    }

    /// One run's capabilities: audit and `kv` in memory, log lines on stderr.
    private func runContext(_ policy: Policy, io: CLIOutput) -> RunContext {
        let agent = policy.agent ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return RunContext(
            runID: UUID().uuidString.lowercased(), agent: agent, policy: policy,
            log: { line in io.err("log: \(line.text)") })
    }

    private func readInput(io: CLIOutput) throws -> HostValue {
        if input != nil && inputFile != nil {
            io.err("corral: usage-error: give --input or --input-file, not both")
            throw CLIExit.invalid
        }
        var text = input ?? "null"
        var source = "--input"
        if let inputFile {
            source = inputFile
            text = String(decoding: try ModuleInput.readBytes(inputFile, io: io), as: UTF8.self)
        }
        do {
            return try HostValueJSON.parse(text)
        } catch {
            io.err("corral: bad-input: \(source): invalid JSON \(error)")
            throw CLIExit.invalid
        }
    }
}

/// `corral compile`: Starlark to module bytes.
struct Compile: CorralSubcommand {
    static let configuration = CommandConfiguration(abstract: "Compile a Starlark file (and the files it loads) to a .cbc module.")

    @Argument(help: "The Starlark file (.star).") var file: String
    @Option(name: .shortAndLong, help: "Where to write the binary module.") var output: String

    mutating func execute(io: CLIOutput) async throws {
        let text = String(decoding: try ModuleInput.readBytes(file, io: io), as: UTF8.self)
        let module = try ModuleInput.compile(text, path: file, io: io)
        // Validated as the bytes that are written, so the module is encoded once.
        let bytes = ModuleEncoder.encode(module)
        do { _ = try ValidatedModule.load(bytes) } catch {
            io.err("corral: invalid-module: \(file): the compiled module does not validate: \(error)")
            throw CLIExit.invalid
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
            io.err("corral: io-error: cannot write \(output)")
            throw CLIExit.invalid
        }
    }
}
