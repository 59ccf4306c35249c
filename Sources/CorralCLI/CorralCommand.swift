import ArgumentParser
import CorralBytecode
import CorralVM

/// The `corral` command line. The executable only calls `CorralCommand.runMain`; everything
/// else lives here so it can be tested.
public struct CorralCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "corral",
        abstract: "Compile, validate and run sandboxed agent bytecode.",
        subcommands: [Run.self, Serve.self, TenantCommand.self, Health.self, AuditCommand.self, Compile.self, Asm.self, Disasm.self, Validate.self, Exec.self, Opcodes.self])

    public init() {}

    /// Parses `arguments`, runs the command and returns the process exit code: 0 success,
    /// 1 the program trapped or failed, 2 invalid input (bytecode, source, arguments).
    public static func runMain(_ arguments: [String], io: CLIOutput = .standard) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run(io: io)
            } else {
                try command.run()
            }
            return 0
        } catch let exit as CLIExit {
            return exit.code
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                io.out(fullMessage(for: error))
                return 0
            }
            io.err("corral: usage-error: " + message(for: error))
            return 2
        }
    }
}

/// Where the CLI writes; tests capture it.
public struct CLIOutput: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }
    public static let standard = CLIOutput(out: { print($0) }, err: { StandardError.write($0 + "\n") })
}

/// A finished command's exit code, after its message has been written.
struct CLIExit: Error {
    let code: Int32
    static let trapped = CLIExit(code: 1)
    static let invalid = CLIExit(code: 2)
}

extension AsyncParsableCommand {
    /// Commands run with an output sink; the default ignores it.
    mutating func run(io: CLIOutput) async throws {
        if var c = self as? any CorralSubcommand {
            try await c.execute(io: io)
        } else {
            try await run()
        }
    }
}

/// A subcommand that writes through `CLIOutput`.
protocol CorralSubcommand: AsyncParsableCommand {
    mutating func execute(io: CLIOutput) async throws
}

extension CorralSubcommand {
    mutating func run() async throws { try await execute(io: .standard) }
}
