import ArgumentParser
import CorralBytecode
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
    @OptionGroup var budget: BudgetOptions

    mutating func execute(io: CLIOutput) async throws {
        let argument = try readInput(io: io)
        let module = try ModuleInput.validated(file, io: io)
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox(module: module, budget: budget.budget, print: io.out)
        } catch {
            io.err("corral: link-error: \(file): \(error)")
            throw CLIExit.invalid
        }
        var outcome = await sandbox.initialize()
        var result: HostValue?
        if case .returned = outcome, module.module.exports.contains(where: { $0.name == "main" }) {
            outcome = await sandbox.call("main", [argument])
            result = outcome.value
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
            if budget.stats { io.err(Exec.statsLine(sandbox.stats)) }
        case .trapped(let trap):
            io.err("corral: \(trap.reason.rawValue): \(trap.message)")
            for frame in trap.backtrace { io.err(frame.description) }
            if budget.stats { io.err(Exec.statsLine(sandbox.stats)) }
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
        do { _ = try ValidatedModule.validate(module) } catch {
            io.err("corral: invalid-module: \(file): the compiled module does not validate: \(error)")
            throw CLIExit.invalid
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(ModuleEncoder.encode(module))) else {
            io.err("corral: io-error: cannot write \(output)")
            throw CLIExit.invalid
        }
    }
}
