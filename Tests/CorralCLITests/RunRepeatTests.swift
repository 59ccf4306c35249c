import Foundation
import Testing

@testable import CorralCLI

/// `corral run --repeat N` (hidden; used by Benchmarks/starlark/run): N fresh sandboxes from one
/// compiled module, only the last run prints, and --stats gives each run's time.
@Suite struct RunRepeatTests {
    func write(_ source: String) throws -> String {
        let path = temporaryPath("repeat.star")
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func repeatsInFreshSandboxesAndPrintsOnlyTheLastRun() async throws {
        let path = try write("""
            print("top level")
            def main(input):
                print("main", input)
                return {"input": input}
            """)
        let r = await runCLI(["run", path, "--input", "7", "--repeat", "3", "--stats"])
        #expect(r.code == 0)
        // Every run executes the top level and main; only the last one's output is kept.
        #expect(r.out == "top level\nmain 7\n{\"input\": 7}")
        let last = r.err.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("stats: {\"fuel\": "))
        #expect(last.contains("\"runs\": 3, \"run_ms\": ["))
        let times = last.split(separator: "[").last?.dropLast(2).split(separator: ",") ?? []
        #expect(times.count == 3)
        #expect(times.allSatisfy { Double($0.trimmingCharacters(in: .whitespaces)).map { $0 >= 0 } ?? false })
    }

    @Test func withoutStatsOrRepeatNothingChanges() async throws {
        let path = try write("def main(input):\n    return input + 1\n")
        let once = await runCLI(["run", path, "--input", "1", "--stats"])
        #expect(once.code == 0 && once.out == "2")
        #expect(!once.err.contains("run_ms"))
        let repeated = await runCLI(["run", path, "--input", "1", "--repeat", "2"])
        #expect(repeated.code == 0 && repeated.out == "2" && repeated.err.isEmpty)
    }

    @Test func aTrapStopsTheRepeatAndBadCountsAreUsageErrors() async throws {
        let path = try write("def main(input):\n    return 1 // input\n")
        let trap = await runCLI(["run", path, "--input", "0", "--repeat", "5", "--stats"])
        #expect(trap.code == 1)
        #expect(trap.err.hasPrefix("corral: runtime-error: integer division by zero"))
        #expect(trap.err.contains("\"runs\": 1, \"run_ms\": ["))
        let zero = await runCLI(["run", path, "--repeat", "0"])
        #expect(zero.code == 2)
        #expect(zero.err == "corral: usage-error: --repeat must be at least 1")
    }
}
