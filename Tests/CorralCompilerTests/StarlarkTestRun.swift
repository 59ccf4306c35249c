import CorralBytecode
import CorralCompiler
import CorralVM
import Foundation
import Testing

/// Compiles Starlark source and runs it in a sandbox validated for testing, with the test
/// builtins (`error`, `catch`, `matches`, `module`, `_freeze`) predeclared.
enum StarlarkTestRun {
    static let testBuiltins: Set<String> = ["error", "catch", "matches", "module", "_freeze", "struct", "hasfields", "fibonacci"]
    static let predeclared = Universe.predeclared.union(testBuiltins)

    /// How a program ended.
    enum Result {
        case compileError(CompileError)
        case validationError(String)
        case finished(Sandbox.Outcome, Sandbox)

        var trap: Trap? {
            if case .finished(let o, _) = self { return o.trap }
            return nil
        }
        var sandbox: Sandbox? {
            if case .finished(_, let s) = self { return s }
            return nil
        }
    }

    static func run(
        _ text: String, file: String = "test.star", budget: Budget = Budget(fuel: 10_000_000_000, memory: 512 << 20, timeout: .seconds(60), maxDepth: 10_000),
        read: @escaping StarlarkCompiler.Reader = { path in throw LoadFailure("no loader") }
    ) async -> Result {
        let bytes: [UInt8]
        do {
            bytes = try StarlarkCompiler.compileBytes(text, file: file, predeclared: predeclared, read: read)
        } catch {
            return .compileError(error)
        }
        let module: ValidatedModule
        do {
            module = try ValidatedModule.load(bytes, testing: true)
        } catch {
            return .validationError("\(error)")
        }
        do {
            let sandbox = try Sandbox(module: module, budget: budget, print: { _ in })
            let outcome = await sandbox.initialize()
            return .finished(outcome, sandbox)
        } catch {
            return .validationError("\(error)")
        }
    }

    /// The fuel a program that must finish without a trap used (tests that pin fuel).
    static func fuel(_ source: String) async throws -> Int64 {
        let result = await run(source)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        return sandbox.stats.fuel
    }
}
