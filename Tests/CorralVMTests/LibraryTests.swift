import CorralBytecode
import Testing

@testable import CorralVM


/// Local 6 holds the `json` module and local 5 the `math` module (pushed by `builtin`, not
/// called), so tests can write `.local(6)` for `json`.
private var jsonModule: E { .local(6) }
private var mathModule: E { .local(5) }

private func libraryModule(_ body: [S]) -> String {
    var a = Asm()
    a.code.append("builtin \(a.name("json"))")
    a.code.append("local.set 6")
    a.code.append("builtin \(a.name("math"))")
    a.code.append("local.set 5")
    body.forEach { a.emit($0) }
    return (a.constants + [".start 0", ".func \"main\"", ".locals 8"] + a.code + ["end"]).joined(separator: "\n")
}

/// `run` with the module locals set (their two `builtin` and two `local.set` cost 4 fuel).
private func runLib(_ body: [S], budget: Budget = Budget()) async throws -> (Sandbox.Outcome, Sandbox) {
    let vm = try ValidatedModule.validate(try Assembler.assemble(libraryModule(body)))
    let sb = try Sandbox(module: vm, budget: budget, print: { _ in })
    return (await sb.initialize(freeze: false), sb)
}

private func showLib(_ body: [S], _ e: E, budget: Budget = Budget()) async throws -> String {
    describe(try await runLib(body + [.ret(.call("repr", e))], budget: budget).0)
}

private func showLib(_ e: E, budget: Budget = Budget()) async throws -> String {
    try await showLib([], e, budget: budget)
}

/// The Starlark library: string, bytes, set methods, formatting, and the json and math
/// modules. Expected values and error messages come from Go Starlark's testdata.
@Suite struct LibraryTests {
    private func m(_ s: String, _ name: String, _ args: E...) -> E { .method(.s(s), name, args, []) }
    private func json(_ name: String, _ args: E...) -> E { .method(jsonModule, name, args, []) }
    private func math(_ name: String, _ args: E...) -> E { .method(mathModule, name, args, []) }

    // MARK: string

    @Test func searching() async throws {
        #expect(try await show(m("banana", "count", .s("a"))) == "3")
        #expect(try await show(m("banana", "count", .s("a"), .i(2))) == "2")
        #expect(try await show(m("banana", "count", .s("a"), .i(-4), .i(-2))) == "1")
        #expect(try await show(m("banana", "count", .s("a"), .i(0), .i(-100))) == "0")
        #expect(try await show(m("foofoo", "find", .s("oo"), .i(2))) == "4")
        #expect(try await show(m("foofoo", "rfind", .s("oo"))) == "4")
        #expect(try await show(m("foofoo", "rfind", .s("oo"), .i(1), .i(4))) == "1")
        #expect(try await show(m("foofoo", "rfind", .s(""))) == "6")
        #expect(try await show(m("foofoo", "index", .s("x"))) == "runtime-error: index: substring not found")
        #expect(try await show(m("foofoo", "rindex", .s("f"))) == "3")
        #expect(try await show(m("foo/bar/wiz", "partition", .s("/"))) == "(\"foo\", \"/\", \"bar/wiz\")")
        #expect(try await show(m("foo/bar/wiz", "rpartition", .s("/"))) == "(\"foo/bar\", \"/\", \"wiz\")")
        #expect(try await show(m("foo/bar/wiz", "rpartition", .s("."))) == "(\"\", \"\", \"foo/bar/wiz\")")
        #expect(try await show(m("foo", "partition", .s(""))) == "runtime-error: partition: empty separator")
        #expect(try await show(m("abc", "startswith", .s("bc"), .i(1))) == "True")
        #expect(try await show(m("abc", "endswith", .s("ab"), .none, .i(-1))) == "True")
        #expect(try await show(m("ABC", "endswith", .tuple([.s("c"), .s("C")]))) == "True")
        #expect(try await show(m("123", "startswith", .tuple([.i(1)]))) == "runtime-error: startswith: want string, got int, for element 0")
        #expect(try await show(m("123", "endswith", .list([.s("3")]))) == "runtime-error: endswith: got list, want string or tuple of string")
        #expect(try await show(m("prefix-x", "removeprefix", .s("prefix-"))) == "\"x\"")
        #expect(try await show(m("x.star", "removesuffix", .s(".star"))) == "\"x\"")
        #expect(try await show(m("x.star", "removesuffix", .s(".py"))) == "\"x.star\"")
    }

    @Test func splitting() async throws {
        #expect(try await show(m("a.b.c.d", "rsplit", .s("."), .i(2))) == "[\"a.b\", \"c\", \"d\"]")
        #expect(try await show(m("a.b.c.d", "split", .s("."), .i(1))) == "[\"a\", \"b.c.d\"]")
        #expect(try await show(m("--aa--bb--cc--", "rsplit", .s("-"), .i(1))) == "[\"--aa--bb--cc-\", \"\"]")
        let ws = " a bc\n  def \t  ghi"
        #expect(try await show(m(ws, "split")) == "[\"a\", \"bc\", \"def\", \"ghi\"]")
        #expect(try await show(m(ws, "rsplit", .none, .i(1))) == "[\" a bc\\n  def\", \"ghi\"]")
        #expect(try await show(m(ws, "rsplit", .none, .i(3))) == "[\" a\", \"bc\", \"def\", \"ghi\"]")
        #expect(try await show(m("  aa  bb  cc  ", "rsplit", .none, .i(0))) == "[\"  aa  bb  cc\"]")
        #expect(try await show(m("  aa  bb  cc  ", "split", .none, .i(0))) == "[\"aa  bb  cc  \"]")
        #expect(try await show(m("  ", "rsplit", .none)) == "[]")
        #expect(try await show(m("\nabc\ndef\n", "splitlines", .true)) == "[\"\\n\", \"abc\\n\", \"def\\n\"]")
        #expect(try await show(m("\nabc\ndef", "splitlines")) == "[\"\", \"abc\", \"def\"]")
        #expect(try await show(m("", "splitlines")) == "[]")
        #expect(try await show(m("a", "split", .s(""))) == "runtime-error: split: empty separator")
    }

    @Test func caseAndPredicates() async throws {
        #expect(try await show(m("hElLo, WoRlD!", "capitalize")) == "\"Hello, world!\"")
        #expect(try await show(m("¿Por qué?", "capitalize")) == "\"¿por qué?\"")
        #expect(try await show(m("hElLo, WoRlD!", "title")) == "\"Hello, World!\"")
        #expect(try await show(m("ǉubović", "title")) == "\"ǈubović\"")
        #expect(try await show(m("ǉubović", "upper")) == "\"ǇUBOVIĆ\"")
        #expect(try await show(m("ǇUBOVIĆ", "lower")) == "\"ǉubović\"")
        #expect(try await show(m(" \tfoo\n ", "strip", .s(""))) == "\"foo\"")
        #expect(try await show(m("blah.h", "rstrip", .s("b.h"))) == "\"bla\"")
        // The predicate table of string.star.
        let table: [(String, String)] = [
            ("Hello, World!", "title"), ("hello, world!", "lower"), ("base64", "alnum lower"),
            ("HAL-9000", "upper"), ("Catch-22", "title"), ("", ""), ("\n\t\r", "space"),
            ("abc", "alnum alpha lower"), ("ABC", "alnum alpha upper"), ("123", "alnum digit"),
            ("ǄǇ", "alnum alpha upper"), ("ǅǈ", "alnum alpha"), ("ǅ ǈ", "title"), ("ǆǉ", "alnum alpha lower"),
        ]
        for (text, want) in table {
            var got: [String] = []
            for p in ["alnum", "alpha", "digit", "lower", "space", "title", "upper"] {
                if try await eval(m(text, "is" + p)) == .returned(.bool(true)) { got.append(p) }
            }
            #expect(got.joined(separator: " ") == want, "\(text)")
        }
        #expect(try await show(m("ǅenan ǈubović", "istitle")) == "True")
        #expect(try await show(m("Ǆenan Ǉubović", "istitle")) == "False")
    }

    @Test func elementsAndCodepoints() async throws {
        let s = "abcЙ😿"
        // The methods return lazy iterables (StringViewTests); `list` materialises them.
        #expect(try await show(m(s, "elems")) == "\"abcЙ😿\".elems()")
        #expect(try await show(.call("list", m(s, "codepoint_ords"))) == "[97, 98, 99, 1049, 128575]")
        #expect(try await show(.call("list", m(s, "codepoints"))) == "[\"a\", \"b\", \"c\", \"Й\", \"😿\"]")
        #expect(try await show(.call("list", m(s, "elem_ords"))) == "[97, 98, 99, 208, 153, 240, 159, 152, 191]")
        #expect(try await show(.call("list", .method(.bin("add", .s("A"), .slice(.s("😿Z"), .i(1), nil, nil)), "codepoints", [], []))) == "[\"A\", \"\\x9f\", \"\\x98\", \"\\xbf\", \"Z\"]")
        #expect(try await show(.call("list", m("ab", "elems"))) == "[\"a\", \"b\"]")
        #expect(try await show(.call("chr", .i(0x1F63F))) == "\"😿\"")
        #expect(try await show(.call("chr", .i(-1))) == "runtime-error: chr: Unicode code point -1 out of range (<0)")
        #expect(try await show(.call("chr", .i(0x110000))) == "runtime-error: chr: Unicode code point U+110000 out of range (>0x10FFFF)")
        #expect(try await show(.call("ord", .s("Й"))) == "1049")
        #expect(try await show(.call("ord", .s("abc"))) == "runtime-error: ord: string encodes 3 Unicode code points, want 1")
        #expect(try await show(.call("ord", .bytes([97]))) == "97")
    }

    @Test func joinAndReplace() async throws {
        #expect(try await show(m(",", "join", .tuple([.s("a"), .s("b")]))) == "\"a,b\"")
        #expect(try await show(m(",", "join", .list([.s("one"), .i(2)]))) == "runtime-error: join: in list, want string, got int")
        #expect(try await show(m("banana", "replace", .s("a"), .s("o"), .i(1))) == "\"bonana\"")
        // A replacement that would outgrow the budget traps before building anything.
        let body: [S] = [.set(0, .bin("mul", .s("x"), .i(100_000)))]
        let big = try await show(body, .method(.local(0), "replace", [.s("x"), .bin("mul", .s("y"), .i(1_000))], []), budget: Budget(memory: 1 << 20))
        #expect(big.hasPrefix("out-of-memory"))
    }

    // MARK: formatting

    @Test func percentFormatting() async throws {
        #expect(try await show(.bin("mod", .s("A %d %x Z"), .tuple([.i(123), .i(456)]))) == "\"A 123 1c8 Z\"")
        #expect(try await show(.bin("mod", .s("A %(foo)d %(bar)s Z"), .dict([(.s("foo"), .i(123)), (.s("bar"), .s("hi"))]))) == "\"A 123 hi Z\"")
        #expect(try await show(.bin("mod", .s("%s %r"), .tuple([.s("hi"), .s("hi")]))) == "\"hi \\\"hi\\\"\"")
        #expect(try await show(.bin("mod", .s("%%d %d"), .i(1))) == "\"%d 1\"")
        #expect(try await show(.bin("mod", .s("%d %d"), .i(1))) == "runtime-error: not enough arguments for format string")
        #expect(try await show(.bin("mod", .s(""), .i(1))) == "runtime-error: too many arguments for format string")
        #expect(try await show(.bin("mod", .s("%c%c"), .tuple([.i(0x3b1), .s("A")]))) == "\"αA\"")
        #expect(try await show(.bin("mod", .s("%c"), .s("abc"))) == "runtime-error: %c format requires a single-character string")
        #expect(try await show(.bin("mod", .s("%o %x %X %d"), .tuple([.i(-95), .i(-95), .i(-95), .float(123.9)]))) == "\"-137 -5f -5F 123\"")
        #expect(try await show(.bin("mod", .s("%d"), .true)) == "runtime-error: %d format requires integer: cannot convert bool to int")
        #expect(try await show(.bin("mod", .s("%d"), .float(.nan))) == "runtime-error: %d format requires integer: cannot convert float NaN to integer")
        #expect(try await show(.bin("mod", .s("%d"), .float(1.23e45))) == "\"1229999999999999973814869011019624571608236032\"")
        #expect(try await show(.bin("mod", .s("%s"), .list([.s("a"), .i(1)]))) == "\"[\\\"a\\\", 1]\"")
    }

    @Test func floatConversionsMatchGo() async throws {
        func f(_ conv: String, _ d: Double) async throws -> String {
            try await show(.bin("mod", .s("%" + conv), .float(d)))
        }
        #expect(try await f("e", 0) == "\"0.000000e+00\"")
        #expect(try await f("e", 123) == "\"1.230000e+02\"")
        #expect(try await f("e", 1.23e45) == "\"1.230000e+45\"")
        #expect(try await f("e", -1.23e-45) == "\"-1.230000e-45\"")
        #expect(try await f("e", -0.0) == "\"-0.000000e+00\"")
        #expect(try await f("e", .infinity) == "\"+inf\"")
        #expect(try await f("f", 123) == "\"123.000000\"")
        #expect(try await f("f", 1.23e45) == "\"1229999999999999973814869011019624571608236032.000000\"")
        #expect(try await f("f", -1.23e-45) == "\"-0.000000\"")
        #expect(try await f("f", 0.0000005) == "\"0.000000\"")  // 5e-7 is just below the tie
        #expect(try await f("f", 2.5e-6) == "\"0.000003\"")
        #expect(try await f("g", 1e6) == "\"1e+06\"")
        #expect(try await f("g", 1e5) == "\"100000.0\"")
        #expect(try await f("g", 1.110) == "\"1.11\"")
        #expect(try await f("G", 1e6) == "\"1E+06\"")
        #expect(try await f("g", -0.0) == "\"-0.0\"")
        #expect(try await show(.bin("mod", .s("%e"), .s("123"))) == "runtime-error: %e format requires float, not string")
    }

    @Test func formatMethod() async throws {
        #expect(try await show(m("a{}b{}c{}d{}", "format", .i(1), .i(2), .i(3), .i(4))) == "\"a1b2c3d4\"")
        #expect(try await show(m("a{{b}}c", "format")) == "\"a{b}c\"")
        #expect(try await show(.method(.s("a{x}b{y}c{}"), "format", [.i(1)], [("x", .i(2)), ("y", .i(3))])) == "\"a2b3c1\"")
        #expect(try await show(m("{012}", "format", .i(0), .i(1), .i(2), .i(3), .i(4), .i(5), .i(6), .i(7), .i(8), .i(9), .i(10), .i(11), .i(12))) == "\"12\"")
        #expect(try await show(m("a{!r}c", "format", .s("b"))) == "\"a\\\"b\\\"c\"")
        #expect(try await show(m("{-1}", "format", .i(1))) == "runtime-error: format: keyword -1 not found")
        #expect(try await show(m("a{123}b", "format")) == "runtime-error: format: tuple index out of range")
        #expect(try await show(m("a{}b{1}c", "format", .i(1), .i(2))) == "runtime-error: format: cannot switch from automatic field numbering to manual field specification")
        #expect(try await show(m("{a.b}", "format", .i(1))) == "runtime-error: format: attribute syntax x.y is not supported in replacement fields: a.b")
        #expect(try await show(m("{a[0]}", "format", .i(1))) == "runtime-error: format: element syntax a[i] is not supported in replacement fields: a[0]")
        #expect(try await show(m("{ {} }", "format", .i(1))) == "runtime-error: format: nested replacement fields not supported")
        #expect(try await show(m("{{}", "format", .i(1))) == "runtime-error: format: single '}' in format")
        #expect(try await show(m("}}{", "format", .i(1))) == "runtime-error: format: unmatched '{' in format")
        #expect(try await show(.method(.s("{x!}"), "format", [], [("x", .i(1))])) == "runtime-error: format: unknown conversion \"\"")
    }

    @Test func formattingIsBoundedByMemory() async throws {
        // "%s" of a 600 KB string in a 1 MiB budget: the copy would need 600 KB more.
        let body: [S] = [.set(0, .bin("mul", .s("x"), .i(600_000)))]
        let out = try await show(body, .bin("mod", .s("%s%s"), .tuple([.local(0), .local(0)])), budget: Budget(memory: 1 << 20))
        #expect(out.hasPrefix("out-of-memory"))
    }

    // MARK: bytes and sets

    @Test func bytesBuiltinAndElems() async throws {
        #expect(try await show(.call("bytes", .s("hello"))) == "b\"hello\"")
        #expect(try await show(.call("bytes", .slice(.s("世"), nil, .i(-1), nil))) == "b\"\\xef\\xbf\\xbd\\xef\\xbf\\xbd\"")
        #expect(try await show(.call("bytes", .list([.i(65), .i(66), .i(67)]))) == "b\"ABC\"")
        #expect(try await show(.call("bytes", .list([.i(300)]))) == "runtime-error: bytes: at index 0, 300 out of range (want value in unsigned 8-bit range)")
        #expect(try await show(.call("bytes", .list([.bytes([97])]))) == "runtime-error: bytes: at index 0, got bytes, want int")
        #expect(try await show(.call("bytes", .i(1))) == "runtime-error: bytes: got int, want string, bytes, or iterable of ints")
        #expect(try await show(.method(.bytes([104, 105]), "elems", [], [])) == "[104, 105]")
        #expect(try await show(.call("type", .call("bytes", .s("")))) == "\"bytes\"")
    }

    @Test func setMethods() async throws {
        let s = E.call("set", .list([.i(1), .i(2), .i(3)]))
        #expect(try await show(.method(s, "union", [.list([.i(5), .i(1)]), .tuple([.i(6)])], [])) == "set([1, 2, 3, 5, 6])")
        #expect(try await show(.method(s, "intersection", [.list([.i(4), .i(3), .i(2)])], [])) == "set([2, 3])")
        #expect(try await show(.method(s, "difference", [.list([.i(1)]), .list([.i(2)])], [])) == "set([3])")
        #expect(try await show(.method(s, "symmetric_difference", [.list([.i(2), .i(3), .i(4)])], [])) == "set([1, 4])")
        #expect(try await show(.method(s, "symmetric_difference", [], [])) == "runtime-error: symmetric_difference: got 0 arguments, want 1")
        #expect(try await show(.method(s, "issubset", [.list([.i(1), .i(2), .i(3), .i(4)])], [])) == "True")
        #expect(try await show(.method(s, "issuperset", [.list([.i(1), .i(4)])], [])) == "False")
        #expect(try await show(.method(s, "isdisjoint", [.list([.i(4)])], [])) == "True")
        #expect(try await show(.method(s, "union", [.i(1)], [])) == "runtime-error: union: for parameter 1: got int, want iterable")
        #expect(try await show(.method(s, "add", [.list([])], [])) == "runtime-error: add: unhashable type: list")
        let local: [S] = [.set(0, s)]
        #expect(try await show(local + [.eval(.method(.local(0), "update", [.list([.i(4)]), .list([.i(5)])], []))], .local(0)) == "set([1, 2, 3, 4, 5])")
        #expect(try await show(local + [.eval(.method(.local(0), "difference_update", [.list([.i(2)])], []))], .local(0)) == "set([1, 3])")
        #expect(try await show(local + [.eval(.method(.local(0), "intersection_update", [.list([.i(2), .i(9)])], []))], .local(0)) == "set([2])")
        #expect(try await show(local + [.eval(.method(.local(0), "symmetric_difference_update", [.list([.i(3), .i(4)])], []))], .local(0)) == "set([1, 2, 4])")
        #expect(try await show(local, .tuple([.method(.local(0), "pop", [], []), .local(0)])) == "(1, set([2, 3]))")
        #expect(try await show(.method(.call("set"), "pop", [], [])) == "runtime-error: pop: empty set")
        // Inclusion order.
        let a = E.call("set", .list([.i(1), .i(2)]))
        #expect(try await show(.bin("lt", a, s)) == "True")
        #expect(try await show(.bin("le", s, s)) == "True")
        #expect(try await show(.bin("lt", s, s)) == "False")
        #expect(try await show(.bin("ge", s, a)) == "True")
        #expect(try await show(.bin("gt", a, s)) == "False")
    }

    // MARK: json

    @Test func jsonEncode() async throws {
        #expect(try await showLib(json("encode", .none)) == "\"null\"")
        #expect(try await showLib(json("encode", .big("3539537889086624823140625"))) == "\"3539537889086624823140625\"")
        #expect(try await showLib(json("encode", .float(12.345e67))) == "\"1.2345e+68\"")
        #expect(try await showLib(json("encode", .call("range", .i(3)))) == "\"[0,1,2]\"")
        #expect(try await showLib(json("encode", .dict([(.s("y"), .s("two")), (.s("x"), .i(1))]))) == "\"{\\\"x\\\":1,\\\"y\\\":\\\"two\\\"}\"")
        // Not printable ASCII: Go's encoding/json escapes `<` and controls, keeps U+0080 as is.
        #expect(try await showLib(json("encode", .s("\u{80}<\n"))) == "\"\\\"\\u0080\\\\u003c\\\\n\\\"\"")
        #expect(try await showLib(json("encode", .s("a<b"))) == "\"\\\"a<b\\\"\"")
        #expect(try await showLib(json("encode", .slice(.s("é"), nil, .i(1), nil))) == "\"\\\"\\\\ufffd\\\"\"")
        #expect(try await showLib(json("encode", .float(.nan))) == "runtime-error: json.encode: cannot encode non-finite float nan")
        #expect(try await showLib(json("encode", .dict([(.i(1), .s("two"))]))) == "runtime-error: json.encode: dict has int key, want string")
        #expect(try await showLib(json("encode", .list([.i(1), .dict([(.s("x"), .attr(.list([]), "append"))])]))) ==
            "runtime-error: json.encode: at list index 1: in dict key \"x\": cannot encode builtin_function_or_method as JSON")
        let cyclic: [S] = [.set(0, .list([])), .eval(.method(.local(0), "append", .local(0)))]
        #expect(try await showLib(cyclic, json("encode", .local(0))) == "runtime-error: json.encode: at list index 0: cycle in JSON structure")
    }

    @Test func jsonDecode() async throws {
        #expect(try await showLib(json("decode", .s("-123"))) == "-123")
        #expect(try await showLib(json("decode", .s("3539537889086624823140625"))) == "3539537889086624823140625")
        #expect(try await showLib(json("decode", .s("3539537889086624823140625.0"))) == "3.539537889086625e+24")
        #expect(try await showLib(json("decode", .s("0e+1"))) == "0.0")
        #expect(try await showLib(json("decode", .s("[1, [2, {}], []]"))) == "[1, [2, {}], []]")
        #expect(try await showLib(json("decode", .s("{\"one\": 1, \"two\": 2, \"one\": 3}"))) == "{\"one\": 3, \"two\": 2}")
        #expect(try await showLib(json("decode", .s("\"\\ud83d\\ude39\\u0123\""))) == "\"😹ģ\"")
        #expect(try await showLib(json("decode", .s("\"foo\\u0000bar\""))) == "\"foo\\x00bar\"")
        let errors: [(String, String)] = [
            ("truefalse", "at offset 4, unexpected character 'f' after value"),
            ("\"abc", "at offset 0, unclosed string literal"),
            ("\"ab\\gc\"", "invalid character 'g' in string escape code"),
            ("'abc'", "unexpected character '\\''"),
            ("1.2.3", "invalid number: 1.2.3"), ("+1", "unexpected character '+'"), ("-abc", "invalid number: -"),
            ("-00", "invalid number: -00"), ("0123", "invalid number: 0123"), ("0x123", "unexpected character 'x' after value"),
            ("[1, 2 ", "unexpected end of file"), ("[1, 2, ]", "unexpected character ']'"), ("[1, 2}", "got '}', want ',' or ']'"),
            ("{\"one\" 1", "after object key, got '1', want ':'"), ("{\"one\": 1 \"two\": 2", "in object, got '\"', want ',' or '}'"),
            ("{\"one\": 1, }", "unexpected character '}'"), ("{1: 2}", "got int for object key, want string"),
        ]
        for (text, message) in errors {
            let out = try await showLib(json("decode", .s(text)))
            #expect(out.hasPrefix("runtime-error: json.decode: at offset") && out.contains(message), "\(text): \(out)")
        }
        #expect(try await showLib(.method(jsonModule, "decode", [.s("[")], [("default", .s("bad"))])) == "\"bad\"")
    }

    @Test func jsonDecodeOfDeepNestingIsIterative() async throws {
        // 100,000 open brackets: no native recursion, a clean error at the end of the input.
        let out = try await showLib(json("decode", .bin("mul", .s("["), .i(100_000))))
        #expect(out == "runtime-error: json.decode: at offset 100000, unexpected end of file")
        // Balanced and deep: built, then measured without recursion.
        let deep = E.bin("add", .bin("mul", .s("["), .i(50_000)), .bin("mul", .s("]"), .i(50_000)))
        #expect(try await showLib(.call("len", json("decode", deep))) == "1")
    }

    @Test func jsonDecodeReservesBeforeBuilding() async throws {
        // 20,000 one-element lists need 20,000 × 48 bytes and more: far over 256 KiB.
        let doc = E.bin("add", .bin("add", .s("["), .bin("mul", .s("[1],"), .i(20_000))), .s("[1]]"))
        let out = try await showLib(json("decode", doc), budget: Budget(memory: 256 << 10))
        #expect(out.hasPrefix("out-of-memory"))
    }

    /// Equal object keys in one document share one string object: decoding records that all
    /// use key "k00" costs exactly the memory of 99 key strings less than records with 100
    /// different three-byte keys, and the same fuel (the documents are the same size).
    @Test func jsonDecodeSharesEqualKeys() async throws {
        func records(_ key: (Int) -> String) -> String {
            "[" + (0..<100).map { "{\"\(key($0))\": \($0)}" }.joined(separator: ",") + "]"
        }
        let same = records { _ in "k00" }, different = records { "k\($0 / 10)\($0 % 10)" }
        #expect(same.utf8.count == different.utf8.count)
        var stats: [(fuel: Int64, peak: Int)] = []
        for doc in [same, different] {
            let (out, sb) = try await runLib([.set(0, json("decode", .s(doc))), .ret(.index(.index(.local(0), .i(99)), .s(doc == same ? "k00" : "k99")))])
            #expect(out == .returned(.int(99)))
            stats.append((sb.stats.fuel, sb.stats.memoryPeak))
        }
        #expect(stats[0].fuel == stats[1].fuel)
        #expect(stats[1].peak - stats[0].peak == 99 * MemoryCost.string(3))
    }

    @Test func jsonIndent() async throws {
        let s = json("encode", .dict([(.s("x"), .i(1)), (.s("y"), .list([.s("one"), .s("two")]))]))
        #expect(try await showLib(.method(jsonModule, "indent", [s], [])) == "\"{\\n\\t\\\"x\\\": 1,\\n\\t\\\"y\\\": [\\n\\t\\t\\\"one\\\",\\n\\t\\t\\\"two\\\"\\n\\t]\\n}\"")
        #expect(try await showLib(.method(jsonModule, "encode_indent", [.dict([(.s("a"), .list([]))])], [("indent", .s("  ")), ("prefix", .s(">"))])) == "\"{\\n>  \\\"a\\\": []\\n>}\"")
        let bad = try await showLib(json("indent", .s("!@#$%^& this is not json")))
        #expect(bad.contains("invalid character"))
        #expect(try await showLib(.call("dir", jsonModule)) == "[\"decode\", \"encode\", \"encode_indent\", \"indent\"]")
        #expect(try await showLib(jsonModule) == "<module \"json\">")
        #expect(try await showLib(.call("type", jsonModule)) == "\"module\"")
    }

    // MARK: math

    @Test func mathFunctionsAndConstants() async throws {
        #expect(try await showLib(math("ceil", .float(0.4))) == "1")
        #expect(try await showLib(math("floor", .float(-0.5))) == "-1")
        #expect(try await showLib(math("floor", .float(.infinity))) == "runtime-error: floor: cannot convert float infinity to integer")
        #expect(try await showLib(math("ceil", .s("0"))) == "runtime-error: ceil: got string, want float or int")
        #expect(try await showLib(math("round", .float(-0.5))) == "-1.0")
        #expect(try await showLib(math("sqrt", .i(4))) == "2.0")
        #expect(try await showLib(math("sqrt", .s("0"))) == "runtime-error: sqrt: for parameter 1: got string, want float or int")
        #expect(try await showLib(math("pow", .i(2), .i(10))) == "1024.0")
        #expect(try await showLib(math("log", .i(8), .i(2))) == "3.0")
        #expect(try await showLib(math("log", .i(8), .i(1))) == "runtime-error: division by zero")
        #expect(try await showLib(math("hypot", .i(4), .i(3))) == "5.0")
        #expect(try await showLib(math("degrees", .float(1))) == "57.29577951308232")
        #expect(try await showLib(math("radians", .float(1))) == "0.017453292519943295")
        #expect(try await showLib(math("cosh", .float(1))) == "1.5430806348152437")
        #expect(try await showLib(math("atanh", .float(0.5))) == "0.5493061443340548")
        #expect(try await showLib(math("copysign", .float(2), .float(-0.0))) == "-2.0")
        #expect(try await showLib(math("mod", .float(-7), .float(2))) == "-1.0")
        #expect(try await showLib(math("remainder", .float(7), .float(2))) == "-1.0")
        #expect(try await showLib(math("gamma", .float(5))) == "24.0")
        #expect(try await showLib(.attr(mathModule, "pi")) == "3.141592653589793")
        #expect(try await showLib(.attr(mathModule, "e")) == "2.718281828459045")
        #expect(try await showLib(.call("getattr", mathModule, .s("pi"))) == "3.141592653589793")
        #expect(try await showLib(mathModule) == "<module \"math\">")
        #expect(try await showLib(.call("hasattr", mathModule, .s("tau"))) == "False")
    }

    // MARK: metering

    @Test func fuelIsExact() async throws {
        // builtin 1 + const 1 + call.attr 5 + return 1 = 8 static. "%s-%s" % ("abcdefgh", "12345678"):
        // const ×3 + tuple.new (2 + 2) + mod 1 = 8 static; the 5-byte format plus the 17-byte
        // result is 22 bytes: ⌊22 / 8⌋ = 2.
        let (out, sb) = try await run([.ret(.bin("mod", .s("%s-%s"), .tuple([.s("abcdefgh"), .s("12345678")])))])
        #expect(out.value == .string("abcdefgh-12345678"))
        #expect(sb.stats.fuel == 3 + 4 + 1 + 1 + 2)
        // "a,b,c,d".split(","): const 1 + const 1 + call.attr 5 + return 1 = 8; then 7 bytes
        // scanned (0) and four strings made, one fuel each.
        let (split, sb2) = try await run([.ret(m("a,b,c,d", "split", .s(",")))])
        #expect(split.value == .list([.string("a"), .string("b"), .string("c"), .string("d")]))
        #expect(sb2.stats.fuel == 8 + 4)
        // json.decode("[1,2,3]"): 4 for the module locals, then local.get 1 + const 1 +
        // call.attr 5 + return 1 = 8; 7 input bytes (0) and four values (three ints, the list): 4.
        let (decoded, sb3) = try await runLib([.ret(json("decode", .s("[1,2,3]")))])
        #expect(decoded.value == .list([.int(1), .int(2), .int(3)]))
        #expect(sb3.stats.fuel == 4 + 8 + 4)
        // math.sqrt(2.0): constant work, nothing beyond the instructions (4 + 8).
        let (_, sb4) = try await runLib([.ret(math("sqrt", .float(2)))])
        #expect(sb4.stats.fuel == 4 + 8)
    }
}
