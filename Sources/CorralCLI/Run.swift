import ArgumentParser
import CorralBytecode
import CorralHost
import CorralNative
import CorralStore
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
    @Option(help: "Record the run, its audit entries and log lines in this SQLite file, and keep kv there (else kv lives for the run only); `corral audit RUN_ID --db PATH` prints the audit.")
    var db: String?
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
        let (policy, policyText) = try readPolicy(io: io)
        let runBudget = policy.budget.capping(budget.budget)
        let store = try openStore(io: io)
        let native = try bindNative(policy, io: io)
        let agentVersion = try await recordAgent(module, policy: policy, policyText: policyText, store: store, io: io)
        var sandbox: Sandbox!
        var outcome: Sandbox.Outcome = .returned(.none)
        var result: HostValue?
        var runMilliseconds: [Double] = []
        // The recorded run's id, printed after its result or trap.
        var recordedRun: String?
        let runs = self.repeat
        for run in 1...runs {
            let began = ContinuousClock.now
            var printer = io.out
            if run < runs { printer = Run.discard }
            let lines = RunLog()
            var context = runContext(policy, store: store, io: io, lines: lines)
            context.native = native
            let gate = CapabilityGate(context: context)
            do {
                let functions = try Linker.link(module, policy: policy, gate: gate)
                sandbox = try Sandbox(module: module, budget: runBudget, hostFunctions: functions, print: printer)
            } catch {
                io.err("corral: link-error: \(file): \(error)\(self.policy == nil ? " (no --policy given)" : "")")
                throw CLIExit.invalid
            }
            try await recorded(store, io: io) { s throws(StoreError) in
                try await s.startRun(
                    id: context.runID, agent: context.agent, agentVersion: agentVersion, input: (try? HostValueJSON.encode(argument)) ?? "null",
                    started: context.clock())
            }
            result = nil
            outcome = await sandbox.initialize()
            if case .returned = outcome, module.module.exports.contains(where: { $0.name == "main" }) {
                outcome = await sandbox.call("main", [argument])
                result = outcome.value
            }
            let (finishedOutcome, finishedSandbox) = (outcome, sandbox!)
            try await recorded(store, io: io) { s throws(StoreError) in
                try await s.finishRun(
                    id: context.runID, result: finishedOutcome.value.flatMap { try? HostValueJSON.encode($0) }, trap: finishedOutcome.trap,
                    stats: finishedSandbox.stats, log: lines.all, finished: context.clock())
            }
            if store != nil { recordedRun = context.runID }
            runMilliseconds.append((ContinuousClock.now - began).milliseconds)
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
            if let recordedRun { io.err("run: \(recordedRun)") }
            if let statsLine { io.err(statsLine) }
        case .trapped(let trap):
            io.err("corral: \(trap.reason.rawValue): \(trap.message)")
            for line in BacktraceLines.lines(trap.backtrace.map(\.description)) { io.err(line) }
            if let recordedRun { io.err("run: \(recordedRun)") }
            if let statsLine { io.err(statsLine) }
            throw CLIExit.trapped
        }
    }

    @Sendable private static func discard(_ text: String) {}

    /// The policy of `--policy` and its text (recorded with the agent), or one that grants
    /// nothing.
    private func readPolicy(io: CLIOutput) throws -> (Policy, String) {
        guard let path = policy else { return (.denyAll, "") }
        let text = String(decoding: try ModuleInput.readBytes(path, io: io), as: UTF8.self)
        do {
            return (try Policy(yaml: text), text)
        } catch {
            io.err("corral: policy-error: \(path):\(error.line == nil ? " " : "")\(error)")
            throw CLIExit.invalid
        }
    }

    /// One run's capabilities: audit and `kv` in the store if there is one, else in memory;
    /// log lines on stderr as they come, and kept for the store.
    private func runContext(_ policy: Policy, store: Store?, io: CLIOutput, lines: RunLog) -> RunContext {
        let agent = agentName(policy)
        let log: @Sendable (LogLine) -> Void = { line in
            lines.log(line)
            io.err("log: \(line.text)")
        }
        let id = UUID().uuidString.lowercased()
        if let store {
            return RunContext(runID: id, agent: agent, policy: policy, audit: store, kv: store, log: log)
        }
        return RunContext(runID: id, agent: agent, policy: policy, log: log)
    }

    /// The policy's native functions, bound once for every run of the command. A library,
    /// symbol or signature that does not bind is a link error.
    private func bindNative(_ policy: Policy, io: CLIOutput) throws -> NativePlugins? {
        guard let bindings = policy.grants["native"]?.native, !bindings.isEmpty, let path = self.policy else { return nil }
        do {
            return try NativePlugins(bindings: bindings, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } catch {
            io.err("corral: link-error: \(path): \(error)")
            throw CLIExit.invalid
        }
    }

    /// Records the module and the policy as the agent's newest version (unchanged content
    /// keeps its version); nil without a store.
    private func recordAgent(_ module: ValidatedModule, policy: Policy, policyText: String, store: Store?, io: CLIOutput) async throws -> Int? {
        guard let store else { return nil }
        let name = agentName(policy)
        do {
            return try await store.recordAgent(
                name: name, module: ModuleEncoder.encode(module.module), policy: policyText, at: Date().timeIntervalSince1970
            ).version
        } catch {
            io.err("corral: store-error: \(error)")
            throw CLIExit.invalid
        }
    }

    /// The agent's name: the policy's `agent`, else the file's name without its extension.
    private func agentName(_ policy: Policy) -> String {
        policy.agent ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    private func openStore(io: CLIOutput) throws -> Store? {
        guard let db else { return nil }
        do {
            return try Store(path: db)
        } catch {
            io.err("corral: store-error: \(error)")
            throw CLIExit.invalid
        }
    }

    /// Does `body` with the store, if there is one; a store that fails ends the command.
    private func recorded(_ store: Store?, io: CLIOutput, _ body: (Store) async throws(StoreError) -> Void) async throws {
        guard let store else { return }
        do {
            try await body(store)
        } catch {
            io.err("corral: store-error: \(error)")
            throw CLIExit.trapped
        }
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
