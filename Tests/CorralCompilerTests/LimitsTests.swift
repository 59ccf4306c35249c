import Testing

@testable import CorralCompiler

/// Hostile shapes must end in a clean error or a result, never a crash or a stack overflow.
@Suite struct LimitsTests {
    func outcome(_ text: String) -> String {
        do {
            _ = try StarlarkFrontEnd.resolve(text, file: "deep.star", predeclared: ["x", "a"])
            return "ok"
        } catch {
            return error.message
        }
    }

    let tooDeep = "program is nested too deeply (the limit is 200 levels of brackets, blocks and expressions)"

    @Test func deepBrackets() {
        #expect(outcome(String(repeating: "(", count: 100_000)) == "too many nested brackets (the limit is 200)")
        #expect(outcome(String(repeating: "[", count: 100_000)) == "too many nested brackets (the limit is 200)")
        #expect(outcome("y = " + String(repeating: "{1: ", count: 100_000)) == "too many nested brackets (the limit is 200)")
        // Just under the limit works, and resolves.
        #expect(outcome("y = " + String(repeating: "(", count: 199) + "1" + String(repeating: ")", count: 199)) == "ok")
        #expect(outcome("y = " + String(repeating: "[", count: 199) + String(repeating: "]", count: 199)) == "ok")
    }

    @Test func deepOperators() {
        #expect(outcome("y = " + String(repeating: "-", count: 10_000) + "1") == tooDeep)
        #expect(outcome("y = " + String(repeating: "not ", count: 10_000) + "x") == tooDeep)
        #expect(outcome("y = " + String(repeating: "~", count: 150) + "1") == "ok")
        #expect(outcome("y = " + String(repeating: "lambda: ", count: 10_000) + "1") == tooDeep)
        #expect(outcome("y = " + String(repeating: "1 if x else ", count: 10_000) + "1") == tooDeep)
    }

    @Test func longChains() {
        // A flat run of binary operators does not nest: it succeeds however long it is.
        #expect(outcome("y = x" + String(repeating: " + x", count: 100_000)) == "ok")
        #expect(outcome("y = x" + String(repeating: " or x", count: 100_000)) == "ok")
        // Each suffix of a.b.c… nests in the tree, so a long chain is an error.
        #expect(outcome("y = a" + String(repeating: ".b", count: 100_000)) == tooDeep)
        #expect(outcome("y = a" + String(repeating: "()", count: 100_000)) == tooDeep)
        #expect(outcome("y = a" + String(repeating: "[0]", count: 100_000)) == tooDeep)
        #expect(outcome("y = a" + String(repeating: ".b", count: 150)) == "ok")
    }

    @Test func deepBlocks() {
        // 2,000 levels is as deep as indentation gets within the source size limit.
        var text = ""
        for i in 0..<2_000 { text += String(repeating: " ", count: i) + "if x:\n" }
        #expect(outcome(text) == "too many levels of indentation (the limit is 200)")
        var ok = ""
        for i in 0..<150 { ok += String(repeating: " ", count: i) + "if x:\n" }
        ok += String(repeating: " ", count: 150) + "pass\n"
        #expect(outcome(ok) == "ok")
        // Nested defs: every level a closure over the one outside.
        var defs = ""
        for i in 0..<60 { defs += String(repeating: " ", count: 2 * i) + "def f\(i)(v\(i)):\n" }
        defs += String(repeating: " ", count: 120) + "return " + (0..<60).map { "v\($0)" }.joined(separator: " + ") + "\n"
        #expect(outcome(defs) == "ok")
    }

    @Test func sizeLimits() {
        let big = String(repeating: "#", count: CompileLimits.sourceBytes + 1)
        #expect(outcome(big) == "source file is \(CompileLimits.sourceBytes + 1) bytes, over the limit of \(CompileLimits.sourceBytes)")
        let longString = "y = '" + String(repeating: "a", count: CompileLimits.stringLiteralBytes + 1) + "'"
        #expect(outcome(longString) == "string literal is longer than \(CompileLimits.stringLiteralBytes) bytes")
        let manyParams = "def f(" + (0..<300).map { "p\($0)" }.joined(separator: ", ") + "): pass"
        #expect(outcome(manyParams) == "too many parameters (the limit is 255)")
        let manyArgs = "y = x(" + String(repeating: "1, ", count: 300) + ")"
        #expect(outcome(manyArgs) == "too many positional arguments in call (the limit is 255)")
    }
}
