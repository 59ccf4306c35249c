import Foundation
import Synchronization
import Testing

@testable import CorralCLI

/// Runs the CLI in-process and captures what it writes.
func runCLI(_ args: [String]) async -> (code: Int32, out: String, err: String) {
    let out = Mutex<[String]>([])
    let err = Mutex<[String]>([])
    let io = CLIOutput(out: { s in out.withLock { $0.append(s) } }, err: { s in err.withLock { $0.append(s) } })
    let code = await CorralCommand.runMain(args, io: io)
    return (code, out.withLock { $0.joined(separator: "\n") }, err.withLock { $0.joined(separator: "\n") })
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
func corpus(_ name: String) -> String { packageRoot.appendingPathComponent("bytecode/tests/\(name)").path }

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("corral-\(UUID().uuidString)-\(name)").path
}

@Suite struct CLITests {
    @Test func execPrintsTheResultAndStats() async {
        let r = await runCLI(["exec", corpus("fib.cas"), "--stats"])
        #expect(r.code == 0)
        #expect(r.out == "6765")
        let last = r.err.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("stats: {\"fuel\": 328367, \"memory_peak\": "))
        #expect(last.contains("\"wall_ms\": "))
    }

    @Test func trapsExitOneWithReasonWordAndBacktrace() async {
        let r = await runCLI(["exec", corpus("fib.cas"), "--fuel", "1000", "--stats"])
        #expect(r.code == 1)
        let lines = r.err.split(separator: "\n").map(String.init)
        #expect(lines.first == "corral: out-of-fuel: out of fuel: the next block needs 20, 19 left")
        #expect(lines.contains("  at init (function 1, pc 4)"))
        #expect(lines.last?.hasPrefix("stats: {\"fuel\": 981,") == true)
    }

    @Test func budgetFlags() async {
        #expect(await runCLI(["exec", corpus("depth-recursion-overflow.cas"), "--max-depth", "20"]).err
            .hasPrefix("corral: stack-overflow: call depth exceeds the limit of 20"))
        #expect(await runCLI(["exec", corpus("memory-cyclic-growth.cas"), "--memory", "64KiB"]).err
            .hasPrefix("corral: out-of-memory: memory limit of 65536 bytes exceeded"))
        let deadline = await runCLI(["exec", corpus("fuel-endless-loop.cas"), "--timeout", "100ms"])
        #expect(deadline.code == 1)
        #expect(deadline.err.hasPrefix("corral: deadline-exceeded: "))
    }

    @Test func invalidInputExitsTwo() async throws {
        let bad = await runCLI(["exec", corpus("invalid-bad-label.cas")])
        #expect(bad.code == 2)
        #expect(bad.err.hasPrefix("corral: invalid-module: "))
        #expect(bad.err.contains("(function 0, pc 1)"))

        let garbage = temporaryPath("garbage.cbc")
        try Data([0, 0x43, 0x42, 0x43, 9, 0, 0, 0]).write(to: URL(fileURLWithPath: garbage))
        let malformed = await runCLI(["validate", garbage])
        #expect(malformed.code == 2)
        #expect(malformed.err.hasSuffix("unsupported format version 9 (this build reads 1) (at byte 4)"))

        let usage = await runCLI(["exec", corpus("fib.cas"), "--memory", "lots"])
        #expect(usage.code == 2)
        #expect(usage.err.hasPrefix("corral: usage-error: "))

        let syntax = temporaryPath("syntax.cas")
        try ".func \"f\"\n  frobnicate\n".write(toFile: syntax, atomically: true, encoding: .utf8)
        let asm = await runCLI(["asm", syntax, "-o", temporaryPath("x.cbc")])
        #expect(asm.code == 2)
        #expect(asm.err.hasPrefix("corral: syntax-error: \(syntax):2:3: "))
    }

    @Test func asmValidateDisasmRoundTrip() async throws {
        let binary = temporaryPath("fib.cbc")
        #expect(await runCLI(["asm", corpus("fib.cas"), "-o", binary]).code == 0)
        let validated = await runCLI(["validate", binary])
        #expect(validated.code == 0)
        #expect(validated.out.hasPrefix("ok: "))
        let text = await runCLI(["disasm", binary])
        #expect(text.code == 0)
        let again = temporaryPath("again.cas")
        try text.out.write(toFile: again, atomically: true, encoding: .utf8)
        let binary2 = temporaryPath("again.cbc")
        #expect(await runCLI(["asm", again, "-o", binary2]).code == 0)
        #expect(FileManager.default.contents(atPath: binary) == FileManager.default.contents(atPath: binary2))
        #expect(await runCLI(["exec", binary2]).out == "6765")
    }

    @Test func opcodesCommandMatchesTheCommittedReference() async throws {
        let committed = try String(contentsOf: packageRoot.appendingPathComponent("bytecode/OPCODES.md"), encoding: .utf8)
        let r = await runCLI(["opcodes"])
        #expect(r.out + "\n" == committed)
    }

    @Test func sizesAndDurations() throws {
        #expect(try ByteSizeOption.parse("64MiB") == 64 << 20)
        #expect(try ByteSizeOption.parse("1GB") == 1_000_000_000)
        #expect(try ByteSizeOption.parse("512K") == 512 << 10)
        #expect(try ByteSizeOption.parse("4096") == 4096)
        #expect(throws: (any Error).self) { try ByteSizeOption.parse("-1") }
        #expect(throws: (any Error).self) { try ByteSizeOption.parse("9999999999999999999GiB") }
        #expect(try DurationOption.parse("500ms") == .milliseconds(500))
        #expect(try DurationOption.parse("2s") == .seconds(2))
        #expect(try DurationOption.parse("1.5m") == .seconds(90))
        #expect(throws: (any Error).self) { try DurationOption.parse("0s") }
        #expect(throws: (any Error).self) { try DurationOption.parse("soon") }
    }
}

/// In a process of its own, so no other test moves the resident memory it measures.
@Suite struct ResidentMemoryTests {
    @Test func tenThousandCyclicRunsLeaveResidentMemoryWithinTenPercent() throws {
        // The test runner sits in the build products folder, next to the corral executable.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("corral").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the corral executable first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["exec", corpus("memory-cycles.cas"), "--repeat", "10000", "--stats"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(line.dropFirst("stats: ".count).utf8)) as? [String: Any]
        let start = try #require(json?["rss_start"] as? Int)
        let end = try #require(json?["rss_end"] as? Int)
        #expect(json?["runs"] as? Int == 10_000)
        #expect(Double(end) <= Double(start) * 1.10, "resident memory went from \(start) to \(end)")
    }
}

@Suite struct BacktraceLinesTests {
    @Test func runsOfOneFrameAreFolded() {
        let frames = ["  at f (a.star:3:5)"] + Array(repeating: "  at dive (a.star:2:12)", count: 198) + ["  at main (a.star:5:12)"]
        #expect(BacktraceLines.lines(frames) == [
            "  at f (a.star:3:5)", "  at dive (a.star:2:12)", "  at dive (a.star:2:12)", "  at dive (a.star:2:12)",
            "  … 195 more calls of the same frame", "  at main (a.star:5:12)",
        ])
        #expect(BacktraceLines.lines(["a", "a", "b"]) == ["a", "a", "b"])
    }
}
