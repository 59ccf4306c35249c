import Testing

@testable import CorralCompiler

/// The canonical dump of `text`'s tree.
func dump(_ text: String) throws -> String {
    try StarlarkFrontEnd.parse(text, file: "t.star").description
}

/// The syntax error for `text`, as `line:col: message`.
func parseError(_ text: String) -> String {
    do {
        _ = try StarlarkFrontEnd.parse(text, file: "t.star")
        return "no error"
    } catch {
        return "\(error.line):\(error.column): \(error.message)"
    }
}

@Suite struct ParserTests {
    @Test func precedence() throws {
        #expect(try dump("x = a + b * c - d") == "x = (a + (b * c) - d)\n")
        #expect(try dump("x = a or b and not c == d") == "x = (a or (b and (not (c == d))))\n")
        #expect(try dump("x = a | b ^ c & d << e + f // g % h") == "x = (a | (b ^ (c & (d << (e + (f // g % h))))))\n")
        #expect(try dump("x = -a.b * ~c[0]") == "x = ((-a.b) * (~c[0]))\n")
        #expect(try dump("x = a not in b") == "x = (a not in b)\n")
        #expect(try dump("x = a in b and c < d") == "x = ((a in b) and (c < d))\n")
        #expect(try dump("x = not not a") == "x = (not (not a))\n")
        #expect(try dump("x = a if b else c if d else e") == "x = (a if b else (c if d else e))\n")
        #expect(try dump("x = (a + b) * c") == "x = ((a + b) * c)\n")
    }

    @Test func literals() throws {
        #expect(try dump("x = [1, 2.5, 'a', b'b', (), (1,), (1, 2), {}, {1: 2, 'k': [],}, [3,]]")
            == "x = [1, 2.5, \"a\", b\"b\", (), (1,), (1, 2), {}, {1: 2, \"k\": []}, [3]]\n")
        #expect(try dump("x = 0x10000000000000000") == "x = 0x10000000000000000\n")
    }

    @Test func calls() throws {
        #expect(try dump("f(a, b=1, *c, **d)") == "f(a, b=1, *c, **d)\n")
        #expect(try dump("f(a, )\nf()\nx.y.z(1)(2)[3]") == "f(a)\nf()\nx.y.z(1)(2)[3]\n")
        #expect(try dump("x[1:2]\nx[::2]\nx[:]\nx[1:]\nx[:-1:1]\nx[1, 2:]") == "x[1:2]\nx[::2]\nx[:]\nx[1:]\nx[:(-1):1]\nx[(1, 2):]\n")
    }

    @Test func comprehensions() throws {
        #expect(try dump("x = [a for a in b if a for c in a]") == "x = [a for a in b if a for c in a]\n")
        #expect(try dump("x = {k: v for k, v in d.items()}") == "x = {k: v for (k, v) in d.items()}\n")
        #expect(try dump("x = [a for (a, b) in c]") == "x = [a for (a, b) in c]\n")
        #expect(try dump("x = [lambda: 1 for a in b if lambda: 2]") == "x = [(lambda: 1) for a in b if (lambda: 2)]\n")
    }

    @Test func functions() throws {
        let text = """
            def f(a, b=1, *args, c, d=2, **kwargs):
                '''doc'''
                return a

            def g(*, k): pass
            h = lambda x, y=2: x + y
            k = lambda: None
            """
        #expect(try dump(text) == """
            def f(a, b=1, *args, c, d=2, **kwargs):
              "doc"
              return a
            def g(*, k):
              pass
            h = (lambda x, y=2: (x + y))
            k = (lambda: None)

            """)
    }

    @Test func statements() throws {
        let text = """
            load("lib.star", "a", b = "c")
            x, y = 1, 2
            [p, (q, r)] = t
            s.f = 1; s[0] += 2
            z //= 3
            if a:
                pass
            elif b:
                break
            elif c: continue
            else:
                return
            for i, j in k, l:
                while i:
                    i -= 1
            """
        #expect(try dump(text) == """
            load("lib.star", "a", b="c")
            (x, y) = (1, 2)
            [p, (q, r)] = t
            s.f = 1
            s[0] += 2
            z //= 3
            if a:
              pass
            elif b:
              break
            elif c:
              continue
            else:
              return
            for (i, j) in (k, l):
              while i:
                i -= 1

            """)
    }

    @Test func positions() throws {
        let file = try StarlarkFrontEnd.parse("x = 1\nif y:\n  f(a.b)\n", file: "t.star")
        #expect(file.statements.map(\.position.description) == ["1:1", "2:1"])
        guard case .if(let s) = file.statements[1].kind, case .expression(let call) = s.branches[0].body[0].kind,
            case .call(_, let args) = call.kind, case .positional(let arg) = args[0].kind, case .dot(let base, let name) = arg.kind
        else {
            Issue.record("unexpected tree")
            return
        }
        #expect(call.position.description == "3:3")
        #expect(base.position.description == "3:5")
        #expect(name.position.description == "3:7")
        #expect(name.position.offset == 18)
        #expect(file.identifierCount == 4)  // x, y, f, a; the attribute b is a Name, not a variable
    }

    @Test func syntaxErrors() {
        #expect(parseError("x = (1, 2))") == "1:11: unexpected ')', expected newline")
        #expect(parseError("f(1 2)") == "1:5: unexpected int literal, expected ',' or ')'")
        #expect(parseError("x = )") == "1:5: unexpected ')', expected expression")
        #expect(parseError("x = 1 +\n2") == "1:8: unexpected newline, expected expression")
        #expect(parseError("x = a if b") == "1:7: conditional expression without else clause")
        #expect(parseError("x = 0 == 1 == 2") == "1:12: == does not associate with == (use parentheses)")
        #expect(parseError("x = a < b > c") == "1:11: < does not associate with > (use parentheses)")
        #expect(parseError("x = a not b") == "1:11: unexpected identifier 'b', expected 'in' after 'not'")
        #expect(parseError("a, b, = 1, 2") == "1:5: unparenthesized tuple with trailing comma")
        #expect(parseError("def pass(): pass") == "1:5: unexpected 'pass', expected a function name after 'def'")
        #expect(parseError("def f : pass") == "1:7: unexpected ':', expected '('")
        #expect(parseError("f(1+2 = 3)") == "1:7: keyword argument must have the form name=value")
        #expect(parseError("load = 1") == "1:6: unexpected '=', expected '('")
        #expect(parseError("load(1, 2)") == "1:6: the first operand of a load statement must be a string literal (the module name)")
        #expect(parseError("load(\"a.star\")") == "1:5: a load statement must import at least one name")
        #expect(parseError("load(\"a.star\", x)") == "1:17: load operand must be \"x\" or x=\"originalname\"")
        #expect(parseError("load(\"a.star\", x=y)") == "1:18: the original name of a loaded symbol must be quoted: x=\"originalname\"")
        #expect(parseError("load(\"a.star\", 1)") == "1:16: load operand must be \"name\" or localname=\"name\", not int literal")
        #expect(parseError("  x = 1") == "1:3: unexpected indentation")
        #expect(parseError("if x:\npass") == "2:1: unexpected 'pass', expected an indented block")
        #expect(parseError("x = {a for a in b}") == "1:8: unexpected 'for', expected ':'")
        #expect(parseError("x = [a for a in b else c]") == "1:19: unexpected 'else', expected ']', 'for' or 'if'")
        #expect(parseError("x = [x for x in 1, 2]") == "1:18: unexpected ',', expected ']', 'for' or 'if'")
        #expect(parseError("print(1, 2, 3") == "1:14: unexpected end of file, expected ',' or ')'")
        #expect(parseError("x[1, 2,:]") == "1:8: unexpected ':', expected expression")
        #expect(parseError("f(a=1, *, b=2)") == "1:9: unexpected ',', expected expression")
    }
}
