import CorralVM
import Testing

/// The fast paths of `len(x)`, `d.get(k)`, `d.get(k, default)` and `xs.append(x)`
/// (Sandbox+FastCalls.swift) against the general path they skip: the same results, the same
/// fuel (pinned from `corral run FILE --stats` on `f5eaa14`, before they existed), and the same
/// errors for the calls they hand back.
@Suite struct FastCallTests {
    @Test func resultsAndFuelAreThoseOfTheGeneralPath() async throws {
        let result = await StarlarkTestRun.run("""
            def probe():
                d = {"a": 1, "b": [2], (1, 2): "t"}
                total = 0
                for i in range(50):
                    total += len("héllo") + len(b"abc") + len([1, 2]) + len((1,)) + len(d) + len(set([1, 2, 2])) + len(range(10))
                    total += d.get("a") + d.get("zz", 5) + len(d.get("b")) + len(d.get((1, 2)))
                    if d.get("missing") != None:
                        fail("get")
                    xs = []
                    xs.append(i)
                    total += len(xs)
                return total

            result = probe()
            if result != 50 * (6 + 3 + 2 + 1 + 3 + 2 + 10) + 50 * (1 + 5 + 1 + 1) + 50:
                fail("result %d" % result)
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.stats.fuel == 8879)
    }

    @Test func callsTheyCannotFinishGetTheGeneralErrors() async throws {
        let result = await StarlarkTestRun.run("""
            cases = [
                (lambda: len(5), "len: value of type int has no len"),
                (lambda: len("a".elems()), "len: value of type elems has no len"),
                (lambda: len(), "len: missing argument for x"),
                (lambda: {}.get([1]), "unhashable type: list"),
                (lambda: {}.get(), "get: missing argument for key"),
                (lambda: {}.get(1, 2, 3), "get: got 3 arguments, want at most 2"),
                (lambda: [].get(1), "list has no .get field or method"),
                (lambda: _freeze([]).append(1), "cannot append to frozen list"),
            ]
            for f, want in cases:
                got = catch(f)
                if got != want: error("got %r, want %r" % (got, want))
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.testErrors == [])
    }
}
