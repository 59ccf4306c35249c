import Foundation
import Testing

@testable import CorralCompiler

/// The deepest programs the limits accept must compile on a small thread stack: a server may
/// compile on a concurrency pool thread (512 KiB on Darwin), and in a debug build the parser
/// alone needs 2-4 MiB for them. `CompilerStack` is what makes this pass.
@Suite struct StackDepthTests {
    /// Runs `body` on a thread with a `stackSize`-byte stack and waits for it.
    func onSmallStack(_ stackSize: Int, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
    }

    @Test func deepestProgramsFitIn512KiB() {
        let n = CompileLimits.nestingDepth - 1
        let programs = [
            "y = " + String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n),
            "y = " + String(repeating: "[", count: n) + String(repeating: "]", count: n),
            "y = " + String(repeating: "{1: ", count: n) + "1" + String(repeating: "}", count: n),
            "y = " + String(repeating: "f(", count: n) + String(repeating: ")", count: n),
            "y = " + String(repeating: "lambda: ", count: n) + "1",
            "y = " + String(repeating: "not ", count: n) + "1",
            "y = " + String(repeating: "-", count: n) + "1",
            "y = " + String(repeating: "[x for x in ", count: n / 2) + "[]" + String(repeating: "]", count: n / 2),
            "y = " + String(repeating: "(1 if x else ", count: n / 2) + "1" + String(repeating: ")", count: n / 2),
            (0..<n).map { String(repeating: " ", count: $0) + "if x:\n" }.joined() + String(repeating: " ", count: n) + "pass\n",
            (0..<n).map { String(repeating: " ", count: $0) + "def f\($0)():\n" }.joined() + String(repeating: " ", count: n) + "return x\n",
        ]
        for (i, program) in programs.enumerated() {
            nonisolated(unsafe) var result = ""
            onSmallStack(512 << 10) {
                do {
                    let resolved = try StarlarkFrontEnd.resolve(program, file: "deep.star", predeclared: ["x", "f"])
                    // Only the front end runs on its own stack: reading the result (and releasing
                    // the tree) happens here, on the small one.
                    result = resolved.bindings.isEmpty ? "no bindings" : "ok"
                } catch {
                    result = (error as? CompileError)?.message ?? "\(error)"
                }
            }
            #expect(result == "ok", "program \(i)")
        }
    }
}
