import CorralVM
import Testing

/// The fast calls of string methods and `list.pop()` (Sandbox+FastCalls.swift) against the
/// general path they skip: the same results, the same fuel (pinned on `8b3e801`, before they
/// existed), and the same errors for the calls they hand back.
@Suite struct StringFastCallTests {
    @Test func resultsFuelAndErrorsAreThoseOfTheGeneralPath() async throws {
        let result = await StarlarkTestRun.run("""
            def probe():
                xs = [3, 1, 2]
                cases = [
                    ("Hello World".lower(), "hello world"), ("Hello World".upper(), "HELLO WORLD"),
                    ("hello world".capitalize(), "Hello world"), ("hello wORLD 2x".title(), "Hello World 2X"),
                    ("h\\u00e9llo".upper(), "H\\u00c9LLO"), ("  x ".strip(), "x"), ("  x ".lstrip(), "x "), ("  x ".rstrip(), "  x"),
                    ("a b  c".split(), ["a", "b", "c"]), ("a,b".split(","), ["a", "b"]), ("a b".split(None), ["a", "b"]),
                    ("a,b,c".rsplit(","), ["a", "b", "c"]), (" a b ".rsplit(), ["a", "b"]),
                    ("abc".startswith("ab"), True), ("abc".endswith(("x", "bc")), True), ("abc".endswith("x"), False),
                    ("banana".find("an"), 1), ("banana".rfind("an"), 3), ("banana".index("na"), 2), ("banana".rindex("na"), 4),
                    ("banana".count("a"), 3), ("banana".find("x"), -1), ("banana".replace("a", "o"), "bonono"),
                    ("banana".replace("", "-"), "-b-a-n-a-n-a-"), ("-".join(["a", "b", "c"]), "a-b-c"), ("".join(("x", "y")), "xy"),
                    (xs.pop(), 2), (xs.pop(), 1), (xs, [3]),
                ]
                for i, (got, want) in enumerate(cases):
                    if got != want:
                        fail("case %d: got %r, want %r" % (i, got, want))
                errors = [
                    (lambda: "x".replace(1, "y"), "replace: for parameter old: got int, want string"),
                    (lambda: "x".replace("x", None), "replace: for parameter new: got NoneType, want string"),
                    (lambda: "-".join([1]), "join: in list, want string, got int"),
                    (lambda: "-".join(5), "join: for parameter iterable: got int, want iterable"),
                    (lambda: "abc".find(1), "find: for parameter sub: got int, want string"),
                    (lambda: "abc".index("z"), "index: substring not found"),
                    (lambda: "abc".split(""), "split: empty separator"),
                    (lambda: "abc".split(1), "split: got int for separator, want string"),
                    (lambda: "abc".startswith(1), "startswith: got int, want string or tuple of string"),
                    (lambda: "abc".lower(1), "lower: got 1 arguments, want 0"),
                    (lambda: [].pop(), "pop: empty list"),
                    (lambda: _freeze([1]).pop(), "cannot pop from frozen list"),
                    (lambda: {}.pop(), "pop: missing argument for key"),
                ]
                for f, want in errors:
                    got = catch(f)
                    if got != want:
                        error("got %r, want %r" % (got, want))
                return len(cases) + len(errors)

            result = probe()
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.testErrors == [])
        #expect(sandbox.stats.fuel == 1747)
    }
}
