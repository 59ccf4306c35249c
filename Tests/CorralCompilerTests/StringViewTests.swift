import CorralVM
import Testing

/// `elems()`, `codepoints()`, `elem_ords()`, `codepoint_ords()` return lazy iterables, as in
/// Go Starlark: iterated one element at a time, materialised by `list()` and friends, no `len`.
@Suite struct StringViewTests {
    @Test func viewsIterateLazilyAndMaterialise() async throws {
        let result = await StarlarkTestRun.run(#"""
            s = "abcЙ😿"
            if type(s.elems()) != "elems" or type(s.codepoint_ords()) != "codepoints": error("types")
            if str(s.elem_ords()) != '"abcЙ😿".elem_ords()' or repr(s.codepoints()) != '"abcЙ😿".codepoints()': error("repr")
            if list(s.codepoints()) != ["a", "b", "c", "Й", "😿"]: error("codepoints")
            if list(s.codepoint_ords()) != [97, 98, 99, 1049, 128575]: error("codepoint_ords")
            if len(list(s.elems())) != 9 or list(s.elem_ords())[3:5] != [208, 153]: error("elems")
            if list(("A" + "😿Z"[1:]).codepoint_ords()) != [65, 0xFFFD, 0xFFFD, 0xFFFD, 90]: error("invalid UTF-8")
            out = []
            for c in "héllo".codepoints():
                out.append(c)
            if out != ["h", "é", "l", "l", "o"]: error("for: %r" % out)
            a, b = "xy".elems()
            if (a, b) != ("x", "y"): error("unpack")
            if catch(lambda: len(s.elems())) == None: error("len should fail")
            if "unhashable: elems" not in catch(lambda: {s.elems(): 1}): error("hash")
            if sorted("cab".elems()) != ["a", "b", "c"] or "".join(reversed("abc".elems())) != "cba": error("consumers")
            if not "".elems(): error("a view is true")
            """#)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.testErrors == [])
    }

    /// A long string's view costs the same to make whatever the length; iterating it builds one
    /// element at a time, so a loop that stops early never materialises the rest.
    @Test func makingAViewIsConstantWork() async throws {
        var fuel: [Int64] = []
        for n in [10, 100_000] {
            let result = await StarlarkTestRun.run("s = \"x\" * \(n)\nv = s.elems()\nfor c in v:\n    break\n")
            fuel.append(try #require(result.sandbox).stats.fuel)
        }
        // Only the repetition (⌊n / 8⌋ fuel) depends on n.
        #expect(fuel[1] - fuel[0] == Int64(100_000 / 8 - 10 / 8))
    }
}
