import Foundation
import Testing

@testable import CorralCLI

/// `corral run` and `corral compile` on Starlark files, and Starlark programs run end to end:
/// each feature of the code generator against the answer Python or Go Starlark gives.
@Suite struct RunTests {
    /// Writes `files` (name → source) into a fresh directory and returns the directory.
    func write(_ files: [String: String]) throws -> String {
        let dir = temporaryPath("star")
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// Runs `source` as `main.star` with `input` and returns main's JSON (or the error text).
    func run(_ source: String, input: String = "null") async throws -> String {
        let dir = try write(["main.star": source])
        let r = await runCLI(["run", dir + "/main.star", "--input", input])
        return r.code == 0 ? r.out : "exit \(r.code): \(r.err)"
    }

    @Test func mainGetsTheInputAndItsResultPrintsAsJSON() async throws {
        let dir = try write([
            "agent.star": """
                def main(input):
                    print("scoring", len(input["tickets"]))
                    return {"ids": [t["id"] for t in input["tickets"] if t["score"] > 0.5], "n": 2 * 1}
                """
        ])
        let r = await runCLI([
            "run", dir + "/agent.star", "--input", #"{"tickets": [{"id": 7, "score": 0.9}, {"id": 8, "score": 0.1}]}"#,
        ])
        #expect(r.code == 0)
        #expect(r.out == "scoring 2\n{\"ids\": [7], \"n\": 2}" || r.out.hasSuffix("{\"ids\": [7], \"n\": 2}"))
    }

    @Test func errorsExitWithTheirWordAndPosition() async throws {
        let dir = try write([
            "undefined.star": "def main(input):\n    return inptu\n",
            "syntax.star": "x = (1,\n",
            "trap.star": "def f(x):\n    return x // 0\n\ndef main(input):\n    return f(1)\n",
        ])
        let undefined = await runCLI(["run", dir + "/undefined.star"])
        #expect(undefined.code == 2)
        #expect(undefined.err.hasPrefix("corral: resolve-error: \(dir)/undefined.star:2:12: undefined: inptu (did you mean input?)"))
        #expect(undefined.err.hasSuffix("    return inptu\n           ^"))
        let syntax = await runCLI(["run", dir + "/syntax.star"])
        #expect(syntax.code == 2)
        #expect(syntax.err.hasPrefix("corral: syntax-error: \(dir)/syntax.star:"))
        let trap = await runCLI(["run", dir + "/trap.star"])
        #expect(trap.code == 1)
        #expect(trap.err == "corral: runtime-error: integer division by zero\n  at f (\(dir)/trap.star:2:14)\n  at main (\(dir)/trap.star:5:12)")
        let json = await runCLI(["run", dir + "/trap.star", "--input", "{\"a\": }"])
        #expect(json.code == 2)
        #expect(json.err == "corral: bad-input: --input: invalid JSON at byte 6: unexpected character")
    }

    @Test func loadsAFileRelativeToTheLoader() async throws {
        let dir = try write([
            "agents/main.star": """
                load("lib/util.star", "double", twice = "double")
                def main(input):
                    return [double(input), twice(2)]
                """,
            "agents/lib/util.star": "def double(x):\n    return 2 * x\n_private = 1\n",
            "agents/cycle.star": "load(\"cycle.star\", \"x\")\n",
            "agents/private.star": "load(\"lib/util.star\", \"_private\")\n",
            "agents/missing.star": "load(\"lib/util.star\", \"triple\")\n",
        ])
        let r = await runCLI(["run", dir + "/agents/main.star", "--input", "21"])
        #expect(r.out == "[42, 4]")
        #expect(await runCLI(["run", dir + "/agents/cycle.star"]).err.contains("load cycle: \(dir)/agents/cycle.star → \(dir)/agents/cycle.star"))
        #expect(await runCLI(["run", dir + "/agents/private.star"]).err.contains("load: names with leading underscores are not exported: _private"))
        #expect(await runCLI(["run", dir + "/agents/missing.star"]).err.contains("name triple not found in module lib/util.star"))
    }

    /// A trap inside a loaded file points into that file (the debug section names each
    /// function's source), and the disassembly round-trips those names.
    @Test func backtracesPointIntoLoadedFiles() async throws {
        let dir = try write([
            "agents/main.star": """
                load("lib/math.star", "ratio")
                def main(input):
                    return ratio(input)
                """,
            "agents/lib/math.star": "def ratio(x):\n    return 100 // x\n",
        ])
        let r = await runCLI(["run", dir + "/agents/main.star", "--input", "0"])
        #expect(r.code == 1)
        #expect(r.err == "corral: runtime-error: integer division by zero\n  at ratio (\(dir)/agents/lib/math.star:2:16)\n  at main (\(dir)/agents/main.star:3:12)")
        let text = await runCLI(["disasm", dir + "/agents/main.star"])
        #expect(text.out.contains(".debug source 0 \"\(dir)/agents/lib/math.star\""), "\(text.out)")
        let cas = dir + "/main.cas", cbc = dir + "/main.cbc"
        try text.out.write(toFile: cas, atomically: true, encoding: .utf8)
        #expect(await runCLI(["asm", cas, "-o", cbc]).code == 0)
        #expect(await runCLI(["disasm", cbc]).out == text.out)
    }

    @Test func capabilityLoadsAreImportsThatMustBeGranted() async throws {
        let dir = try write(["cap.star": "load(\"@http\", \"get\")\ndef main(input):\n    return get(\"https://example.com\")\n"])
        let r = await runCLI(["run", dir + "/cap.star"])
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("corral: link-error: "))
        #expect(r.err.contains("http.get"))
    }

    @Test func compileWritesAModuleThatRunsTheSame() async throws {
        let dir = try write(["p.star": "def main(input):\n    return sorted(input, key = lambda s: -len(s))\n"])
        let out = dir + "/p.cbc"
        #expect(await runCLI(["compile", dir + "/p.star", "-o", out]).code == 0)
        #expect(await runCLI(["run", out, "--input", #"["a", "ccc", "bb"]"#]).out == #"["ccc", "bb", "a"]"#)
        #expect(await runCLI(["run", dir + "/p.star", "--input", #"["a", "ccc", "bb"]"#]).out == #"["ccc", "bb", "a"]"#)
    }

    // MARK: programs

    @Test func closuresSeeLaterAssignmentsAndPassCellsOn() async throws {
        let source = """
            def make():
                count = 0
                def outer():
                    def inner():
                        return count
                    return inner
                count = 5
                return outer()()
            def main(input):
                return make()
            """
        #expect(try await run(source) == "5")
    }

    @Test func assignmentForms() async throws {
        let source = """
            def main(input):
                a, (b, c) = 1, [2, 3]
                d = {"k": [0, 0]}
                d["k"][1] += 5
                xs = [1, 2]
                ys = xs
                xs += [3]
                [e, f] = ("e", "f")
                m = {}
                m["x"], n = 9, 10
                return [a, b, c, d, ys, e, f, m, n]
            """
        #expect(try await run(source) == #"[1, 2, 3, {"k": [0, 5]}, [1, 2, 3], "e", "f", {"x": 9}, 10]"#)
    }

    @Test func controlFlow() async throws {
        let source = """
            def first_even(rows):
                for row in rows:
                    for x in row:
                        if x % 2 == 0:
                            return x
                return None
            def main(input):
                rows = [[1, 3], [5, 6, 8]]
                found = first_even(rows)
                rows.append([10])          # the loops above ended their iterators
                i, total = 0, 0
                while True:
                    i += 1
                    if i > 10:
                        break
                    elif i % 2:
                        continue
                    total += i
                kind = "small" if total < 10 else "big"
                return [found, total, kind, 0 or "x", 1 and 2, [] or [] and 3, not None]
            """
        #expect(try await run(source) == #"[6, 30, "big", "x", 2, [], true]"#)
    }

    @Test func callsWithEveryArgumentKind() async throws {
        let source = """
            def f(a, b = 2, *args, c, d = 4, **kw):
                return [a, b, args, c, d, sorted(kw.items())]
            def main(input):
                extra = {"z": 26, "y": 25}
                return [f(1, c = 3), f(1, 2, 3, c = 6, *[4, 5], **extra), (lambda x, y = 10: x * y)(3)]
            """
        #expect(try await run(source) == #"[[1, 2, [], 3, 4, []], [1, 2, [3, 4, 5], 6, 4, [["y", 25], ["z", 26]]], 30]"#)
    }

    @Test func comprehensionsNest() async throws {
        let source = """
            def main(input):
                grid = [[r * 3 + c for c in range(3)] for r in range(3)]
                flat = [x for row in grid if row[0] > 0 for x in row if x % 2]
                inverse = {str(v): k for k, v in {"a": 1, "b": 2}.items()}
                return [grid[2], flat, inverse]
            """
        #expect(try await run(source) == #"[[6, 7, 8], [3, 5, 7], {"1": "a", "2": "b"}]"#)
    }

    @Test func longElifChainsStayFlat() async throws {
        var source = "def classify(n):\n    if n == 0:\n        return 0\n"
        for i in 1..<2_000 { source += "    elif n == \(i):\n        return \(i * 2)\n" }
        source += "    else:\n        return -1\n\ndef main(input):\n    return [classify(1999), classify(5000)]\n"
        #expect(try await run(source) == "[3998, -1]")
    }

    @Test func topLevelCodeLoopsAndReassignsGlobals() async throws {
        let source = """
            total = 0
            for i in range(5):
                total += i
            total = total * 2
            squares = [i * i for i in range(4)]
            def main(input):
                return [total, squares, str(3.5), "%s-%d" % ("a", 7), "{}+{}".format(1, 2)]
            """
        #expect(try await run(source) == #"[20, [0, 1, 4, 9], "3.5", "a-7", "1+2"]"#)
    }
}
