import Foundation
import Testing

@testable import CorralCompiler

/// The Go implementation's own test files (Debian package golang-starlark-dev), run through
/// Corral's front end. A missing corpus is a failure, not a skip: CI installs the package.
///
/// Files are "chunked" as in Go's chunkedfile: chunks separated by lines `---`; a comment
/// `### "regex"` (or with backquotes) expects an error on its line.
enum GoCorpus {
    static let root = "/usr/share/gocode/src/go.starlark.net"

    struct Chunk {
        var file: String
        var index: Int
        /// The chunk's text, preceded by blank lines so that line numbers are the file's.
        var text: String
        /// Lines with `###` and the expected message pattern.
        var expectations: [(line: Int, pattern: String)]
        var options: Set<String>
    }

    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/" + directory)
            .filter { $0.hasSuffix(".star") }.sorted().map { directory + "/" + $0 }
    }

    /// Go's chunkedfile split: the chunks between lines `---`, each with the file line number
    /// of its first line. (ConformanceTests reads the same files with its own expectations.)
    static func split(_ data: String) -> [(firstLine: Int, lines: [Substring])] {
        var out: [(firstLine: Int, lines: [Substring])] = []
        var lines: [Substring] = []
        var firstLine = 1
        for (i, line) in data.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line == "---" {
                out.append((firstLine, lines))
                lines = []
                firstLine = i + 2
            } else {
                lines.append(line)
            }
        }
        out.append((firstLine, lines))
        return out
    }

    /// `text` preceded by blank lines so that its line numbers are the file's.
    static func padded(_ lines: [Substring], from firstLine: Int) -> String {
        String(repeating: "\n", count: firstLine - 1) + lines.joined(separator: "\n") + "\n"
    }

    static func chunks(of path: String) throws -> [Chunk] {
        let data = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
        return split(data).enumerated().map { index, chunk in
            var expectations: [(line: Int, pattern: String)] = []
            var options: Set<String> = []
            for (i, line) in chunk.lines.enumerated() {
                if let r = line.range(of: "### ") {
                    let rest = line[r.upperBound...]
                    let pattern = rest.dropFirst().prefix { $0 != rest.first! }
                    expectations.append((chunk.firstLine + i, String(pattern)))
                }
                for word in line.split(separator: " ") where word.hasPrefix("option:") { options.insert(String(word.dropFirst(7))) }
            }
            return Chunk(
                file: path, index: index, text: padded(chunk.lines, from: chunk.firstLine), expectations: expectations, options: options)
        }
    }
}

@Suite struct GoCorpusTests {
    /// The Universe plus the names Go's test driver predeclares (`hasfields`, `fibonacci`, `struct`).
    static let goPredeclared: Set<String> = Universe.predeclared.union(["hasfields", "fibonacci", "struct"])

    /// Every chunk of every file in starlark/testdata compiles: its `###` expectations are all
    /// run-time errors (bad unpacking, fail(), unhashable keys, missing names in loaded modules).
    /// Known gaps, each pinned so that it cannot change silently: two chunks of assign.star
    /// (starting at lines 324 and 330) rebind a loaded name, which the Go test allows only under
    /// option:globalreassign and Corral forbids in all cases.
    @Test func starlarkTestdataCompiles() throws {
        let files = try GoCorpus.files(in: "starlark/testdata")
        #expect(files.count >= 18, "golang-starlark-dev is not installed? found \(files)")
        var chunks = 0
        var knownGaps = 0
        for file in files {
            for chunk in try GoCorpus.chunks(of: file) {
                chunks += 1
                let errors = StarlarkFrontEnd.diagnose(chunk.text, file: file, predeclared: Self.goPredeclared)
                let key = "\(file)#\(chunk.index)"
                if file.hasSuffix("assign.star") && chunk.text.contains("assert = 1\nload(\"assert.star\", \"assert\")") {
                    knownGaps += 1
                    #expect(
                        errors.map { String($0.message.prefix { $0 != ":" }) } == ["cannot reassign assert", "cannot load assert again"],
                        "\(key): \(errors)")
                } else {
                    #expect(errors.isEmpty, "\(key): \(errors.map(\.rendered).joined(separator: "\n"))")
                }
            }
        }
        #expect(knownGaps == 2)
        #expect(chunks >= 84)
    }

    /// syntax/testdata/scan.star (a real Bazel file) parses. Its loads name Bazel labels, which
    /// Corral's load rule rejects, so it is checked by the parser only.
    @Test func scanStarParses() throws {
        let chunks = try GoCorpus.chunks(of: "syntax/testdata/scan.star")
        #expect(chunks.count == 1)
        let file = try StarlarkFrontEnd.parse(chunks[0].text, file: "scan.star")
        #expect(file.statements.count > 20)
    }

    /// syntax/testdata/errors.star: each chunk with `###` expectations fails to parse, on an
    /// expected line (a "newline"/"end of file" error may be one line off: it points at the
    /// line ending, or at the end of the file after the last line);
    /// each chunk without expectations parses.
    @Test func errorsStar() throws {
        var checked = 0
        for chunk in try GoCorpus.chunks(of: "syntax/testdata/errors.star") {
            let key = "errors.star#\(chunk.index)"
            do {
                _ = try StarlarkFrontEnd.parse(chunk.text, file: "errors.star")
                #expect(chunk.expectations.isEmpty, "\(key): expected a syntax error matching \(chunk.expectations)")
            } catch {
                let lines = Set(chunk.expectations.map(\.line))
                let atEndOfLine = error.message.hasPrefix("unexpected newline") || error.message.hasPrefix("unexpected end of file")
                #expect(
                    lines.contains(error.line) || (atEndOfLine && (lines.contains(error.line + 1) || lines.contains(error.line - 1))),
                    "\(key): unexpected error \(error.rendered), expected \(chunk.expectations)")
                checked += 1
            }
        }
        #expect(checked >= 30)
    }

    /// resolve/testdata/resolve.star, with its predeclared names M and U and its module names
    /// made Corral-style ("module" → "module.star"). Every expected error is reported on its line,
    /// and nothing else is, except where Corral's dialect differs on purpose (listed below and
    /// checked to stay that way).
    @Test func resolveStar() throws {
        // Expectations Corral does not share: global reassignment, top-level if/for/while and
        // while loops are allowed; a global may be referenced before its binding (the Go
        // legacy mode's "undefined: x" under option:globalreassign).
        let dialect = [
            "cannot reassign global", "if statement not within a function", "for loop not within a function",
            "while loop not within a function", "dialect does not support while loops", "undefined: x",
        ]
        var matched = 0
        var differences = 0
        for chunk in try GoCorpus.chunks(of: "resolve/testdata/resolve.star") {
            let text = chunk.text.replacingOccurrences(of: "load(\"module\"", with: "load(\"module.star\"")
                .replacingOccurrences(of: "load(\"foo\"", with: "load(\"foo.star\"")
            let errors = StarlarkFrontEnd.diagnose(text, file: "resolve.star", predeclared: ["M", "U"])
            let key = "resolve.star#\(chunk.index)"
            var expectedLines: Set<Int> = []
            for (line, pattern) in chunk.expectations {
                let onLine = errors.filter { $0.line == line }
                let sharedAnyway =
                    (pattern == "undefined: x" && !chunk.options.contains("globalreassign"))
                    || (pattern.hasPrefix("cannot reassign global") && chunk.options.contains("loadbindsglobally"))
                if dialect.contains(where: { pattern.hasPrefix($0) }) && !sharedAnyway {
                    differences += 1
                    #expect(onLine.isEmpty, "\(key): Corral's dialect allows line \(line), but: \(onLine)")
                } else {
                    expectedLines.insert(line)
                    matched += 1
                    #expect(!onLine.isEmpty, "\(key): no error on line \(line), expected \(pattern); got \(errors)")
                }
            }
            for e in errors where !expectedLines.contains(e.line) {
                // Corral forbids rebinding a loaded name in every mode (Go: only without
                // option:globalreassign).
                let loadRebinding = chunk.options.contains("globalreassign") && e.message.contains("bound by the load statement")
                if loadRebinding { differences += 1 }
                #expect(loadRebinding, "\(key): unexpected \(e.rendered)")
            }
        }
        #expect(matched >= 50)
        #expect(differences == 14)
    }
}
