import CorralBytecode
import CorralCompiler
import CorralVM
import Foundation
import Testing

/// The Go Starlark implementation's conformance files (starlark/testdata/*.star, Debian package
/// golang-starlark-dev), run through the whole pipeline: compile, validate (with the test
/// builtins allowed), run.
///
/// The protocol is Go's `TestExecFile` (starlark/eval_test.go, internal/chunkedfile): a file is
/// split into chunks at lines `---`, each chunk runs as its own program (padded with blank lines
/// so line numbers are the file's), `load("assert.star", …)` loads starlarktest/assert.star, and
/// a comment `### "regex"` (or a backquoted regex) on a line expects the chunk to fail with an
/// error matching the regex, reported at that line (Go takes the innermost call frame in the
/// file). A chunk without one must run to the end with no `error()`
/// reported. Go predeclares `json` by `load("json.star", "json")`; Corral predeclares it, so that
/// load line is blanked. Go's test driver also predeclares `struct`, `hasfields` and
/// `fibonacci`; Corral has them as test builtins (`StarlarkTestRun.testBuiltins`).
///
/// Known gaps (Tests/ConformanceKnownGaps.md) list every chunk that fails, with its
/// reason. The test fails if a chunk not on the list fails, and if a chunk on the list passes
/// (remove it), so the list never goes stale.
@Suite struct ConformanceTests {
    static let goRoot = "/usr/share/gocode/src/go.starlark.net"
    static let testdata = goRoot + "/starlark/testdata"
    static let assertFile = goRoot + "/starlarktest/assert.star"
    /// Outside the test target's folder, so SwiftPM does not ask for it to be declared.
    static let gapsFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ConformanceKnownGaps.md").path

    struct Chunk {
        var file: String
        var index: Int
        var firstLine: Int
        var text: String
        var expectation: (line: Int, pattern: String)?
        var badExpectations: [String]
        var key: String { "\(file):\(index)" }
    }

    struct Outcome {
        var passed: Bool
        var detail: String
    }

    @Test func goStarlarkTestdata() async throws {
        guard FileManager.default.fileExists(atPath: Self.testdata), FileManager.default.fileExists(atPath: Self.assertFile) else {
            Issue.record("\(Self.testdata) is missing: install the Debian package golang-starlark-dev")
            return
        }
        let assertSource = try String(contentsOfFile: Self.assertFile, encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.testdata).filter { $0.hasSuffix(".star") }.sorted()
        #expect(files.count >= 18, "\(files)")
        let gaps = try Self.knownGaps()

        var rows: [String] = []
        var passedCount = 0
        var total = 0
        var failedKeys: Set<String> = []
        var filesFullyPassing: [String] = []
        for file in files {
            var fileOK = true
            for chunk in try Self.chunks(of: file) {
                total += 1
                let outcome = await Self.run(chunk, assertSource: assertSource)
                // Compiling blocks this thread (the compiler runs on its own stack and is
                // joined); let the other tests have the cooperative pool between chunks, or
                // timing tests running alongside wait seconds for a thread.
                await Task.yield()
                let status: String
                if outcome.passed {
                    passedCount += 1
                    status = "pass"
                } else {
                    fileOK = false
                    failedKeys.insert(chunk.key)
                    status = gaps[chunk.key] == nil ? "FAIL (not a known gap)" : "gap"
                }
                rows.append("\(chunk.key) (line \(chunk.firstLine)) \(status)\(outcome.passed ? "" : ": " + outcome.detail)")
                if !outcome.passed && gaps[chunk.key] == nil {
                    Issue.record("\(chunk.key) (line \(chunk.firstLine)) fails and is not in ConformanceKnownGaps.md: \(outcome.detail)")
                }
            }
            if fileOK { filesFullyPassing.append(file) }
        }
        for key in gaps.keys.sorted() where !failedKeys.contains(key) {
            Issue.record("\(key) is listed in ConformanceKnownGaps.md but passes (or does not exist): remove it from the list")
        }
        print("conformance chunk results:\n" + rows.map { "  " + $0 }.joined(separator: "\n"))
        print("conformance: \(passedCount)/\(total) chunks pass; files fully passing (\(filesFullyPassing.count)/\(files.count)): \(filesFullyPassing.joined(separator: ", "))")
        #expect(total >= 80)
    }

    /// Runs one chunk and judges it against its expectation.
    static func run(_ chunk: Chunk, assertSource: String) async -> Outcome {
        if !chunk.badExpectations.isEmpty {
            return Outcome(passed: false, detail: "unreadable expectation(s): \(chunk.badExpectations)")
        }
        let result = await StarlarkTestRun.run(chunk.text, file: chunk.file) { path in
            guard path == "assert.star" else { throw LoadFailure("no such file in the test harness") }
            return assertSource
        }
        // The failure, if any: its message and line.
        var failure: (message: String, lines: [Int])?
        switch result {
        case .compileError(let e):
            failure = (e.message, [e.line])
        case .validationError(let e):
            return Outcome(passed: false, detail: "validation: \(e)")
        case .finished(let outcome, let sandbox):
            if let trap = outcome.trap {
                let message = trap.reason == .fail ? "fail: " + trap.message : trap.message
                // Go reports the innermost frame in the file (CallStack.At(0) is the top).
                failure = (message, trap.backtrace.compactMap(\.line).prefix(1).map { $0 })
                if trap.reason != .runtimeError && trap.reason != .fail {
                    failure!.message = "\(trap.reason.rawValue): \(trap.message)"
                }
            }
            if !sandbox.testErrors.isEmpty {
                // CORRAL_CONFORMANCE_VERBOSE=1 shows every error() message, not just three.
                let limit = ProcessInfo.processInfo.environment["CORRAL_CONFORMANCE_VERBOSE"] == "1" ? Int.max : 3
                let shown = sandbox.testErrors.prefix(limit).joined(separator: " | ")
                let more = sandbox.testErrors.count > limit ? " (+\(sandbox.testErrors.count - limit) more)" : ""
                let errors = "error() reported: \(shown)\(more)"
                if let f = failure { return Outcome(passed: false, detail: "\(errors); then trapped: \(f.message)") }
                return Outcome(passed: false, detail: errors)
            }
        }
        guard let expectation = chunk.expectation else {
            if let f = failure {
                let kind: String
                if case .compileError = result { kind = "compile error" } else { kind = "trap" }
                return Outcome(passed: false, detail: "unexpected \(kind) at line \(f.lines.last.map(String.init) ?? "?"): \(f.message)")
            }
            return Outcome(passed: true, detail: "")
        }
        guard let f = failure else {
            return Outcome(passed: false, detail: "ran to the end; expected an error matching \(expectation.pattern) at line \(expectation.line)")
        }
        let matches: Bool
        do {
            matches = try f.message.firstMatch(of: Regex(expectation.pattern)) != nil
        } catch {
            return Outcome(passed: false, detail: "pattern \(expectation.pattern) is not a Swift regex: \(error)")
        }
        guard matches else {
            return Outcome(passed: false, detail: "error \"\(f.message)\" does not match \(expectation.pattern)")
        }
        guard f.lines.contains(expectation.line) else {
            return Outcome(passed: false, detail: "error at line \(f.lines.last.map(String.init) ?? "?"), expected at line \(expectation.line): \(f.message)")
        }
        return Outcome(passed: true, detail: "")
    }

    // MARK: - Chunks

    /// Go's chunkedfile.Read (`GoCorpus.split`): each chunk padded to its line numbers, with
    /// its `###` expectation (a Go string literal after `###`).
    static func chunks(of file: String) throws -> [Chunk] {
        let data = try String(contentsOfFile: testdata + "/" + file, encoding: .utf8)
        return GoCorpus.split(data).enumerated().map { index, chunk in
            var expectations: [(line: Int, pattern: String)] = []
            var bad: [String] = []
            var body = chunk.lines
            for (i, line) in chunk.lines.enumerated() {
                if let r = line.range(of: "###") {
                    let rest = line[r.upperBound...].trimmingCharacters(in: .whitespaces)
                    if let pattern = goUnquote(rest) { expectations.append((chunk.firstLine + i, pattern)) } else { bad.append(rest) }
                }
                // Corral predeclares json; Go's test driver loads it as a module.
                if line.trimmingCharacters(in: .whitespaces) == "load(\"json.star\", \"json\")" { body[i] = "" }
            }
            if expectations.count > 1 { bad.append("more than one ### in a chunk (Go stops at the first error)") }
            return Chunk(
                file: file, index: index, firstLine: chunk.firstLine, text: GoCorpus.padded(body, from: chunk.firstLine),
                expectation: expectations.first, badExpectations: bad)
        }
    }

    /// Go's `strconv.Unquote` for the two forms the test files use: "…" with escapes, `…` raw.
    static func goUnquote(_ s: String) -> String? {
        guard let q = s.first, s.count >= 2, s.last == q else { return nil }
        let body = s.dropFirst().dropLast()
        if q == "`" { return body.contains("`") ? nil : String(body) }
        guard q == "\"" else { return nil }
        var out = ""
        var it = body.makeIterator()
        while let c = it.next() {
            guard c == "\\" else {
                if c == "\"" { return nil }
                out.append(c)
                continue
            }
            guard let e = it.next() else { return nil }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\": out.append("\\")
            case "\"": out.append("\"")
            case "'": out.append("'")
            case "a": out.append("\u{7}")
            case "b": out.append("\u{8}")
            case "f": out.append("\u{c}")
            case "v": out.append("\u{b}")
            case "x", "u", "U":
                let n = e == "x" ? 2 : e == "u" ? 4 : 8
                var hex = ""
                for _ in 0..<n { guard let h = it.next() else { return nil }; hex.append(h) }
                guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else { return nil }
                out.unicodeScalars.append(scalar)
            default: return nil
            }
        }
        return out
    }

    // MARK: - Known gaps

    /// `file.star:index` → reason, from lines `- file.star:index (line N): reason`.
    static func knownGaps() throws -> [String: String] {
        let text = try String(contentsOfFile: gapsFile, encoding: .utf8)
        var gaps: [String: String] = [:]
        let pattern = /^- ([a-z_]+\.star:\d+) \(line \d+\): (.+)$/
        for line in text.split(separator: "\n") {
            if let m = String(line).wholeMatch(of: pattern) {
                let key = String(m.1)
                if gaps[key] != nil { Issue.record("ConformanceKnownGaps.md lists \(key) twice") }
                gaps[key] = String(m.2)
            }
        }
        return gaps
    }
}
