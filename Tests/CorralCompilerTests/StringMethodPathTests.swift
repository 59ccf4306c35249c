import CorralVM
import Testing

/// The in-place paths of `strip`, `split`, `startswith` and `find` (scanning in from both ends,
/// ranges instead of slices, one prefix without a candidate list, memchr for a needle's first
/// byte) against the results Go Starlark gives, at the fuel the earlier code charged (1,431 in
/// `corral run` with a `main` returning `result`, the same on `8cb586c`; 1,426 here).
@Suite struct StringMethodPathTests {
    @Test func resultsAndFuel() async throws {
        let result = await StarlarkTestRun.run("""
            def probe():
                cases = [
                    ("  a b  ".strip(), "a b"), ("  a b  ".lstrip(), "a b  "), ("  a b  ".rstrip(), "  a b"),
                    ("\\t\\n x\\u00a0".strip(), "x"), ("\\t\\n x\\u00a0".rstrip(), "\\t\\n x"),
                    ("\\u00a0\\u00a0".strip(), ""), ("   ".lstrip(), ""), ("   ".rstrip(), ""), ("".strip(), ""),
                    ("xx\\u00e9  ".strip("x\\u00e9 "), ""), ("\\u00e9 y \\u00e9".strip("\\u00e9 "), "y"),
                    ("a\\xff ".rstrip(), "a\\xff"), (" \\u2003q\\u2003 ".strip(), "q"), (" \\u2003q\\u2003 ".rstrip(" "), " \\u2003q\\u2003"),
                    ("abcba".strip("ab"), "c"), ("abcba".rstrip("a"), "abcb"), ("\\u00e9abc\\u00e9".lstrip("\\u00e9a"), "bc\\u00e9"),
                    ("a,b,,c".split(","), ["a", "b", "", "c"]), ("a,b,,c".split(",", 1), ["a", "b,,c"]),
                    ("a--b--".split("--"), ["a", "b", ""]), ("a--b--".rsplit("--", 1), ["a--b", ""]),
                    ("  a  b \\u00a0c ".split(), ["a", "b", "c"]), ("  a  b c ".split(None, 1), ["a", "b c "]),
                    ("x\\ny\\n".splitlines(), ["x", "y"]), ("x\\ny\\n".splitlines(True), ["x\\n", "y\\n"]),
                    ("hello".startswith("he"), True), ("hello".startswith("lo", 3), True), ("hello".startswith(("x", "hel")), True),
                    ("hello".endswith("lo"), True), ("hello".endswith("hello!"), False), ("hello".startswith(""), True),
                    ("abcabc".find("c"), 2), ("abcabc".find("ca"), 2), ("abcabc".find("c", 3), 5), ("abcabc".find("c", 3, 5), -1),
                    ("abcabc".find("bcx"), -1), ("abcabc".find(""), 0), ("aaab".find("aab"), 1), ("abcabc".index("abc", 1), 3),
                ]
                for i, (got, want) in enumerate(cases):
                    if got != want:
                        fail("case %d: got %r, want %r" % (i, got, want))
                return len(cases)

            result = probe()
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.stats.fuel == 1426)
    }
}
