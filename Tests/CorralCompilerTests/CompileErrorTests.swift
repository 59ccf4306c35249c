import Testing

@testable import CorralCompiler

@Suite struct CompileErrorTests {
    @Test func renderedWithCaret() {
        let errors = StarlarkFrontEnd.diagnose("x = 1\ny = fooo + 1\n", file: "agent.star")
        #expect(errors.count == 1)
        #expect(errors[0].kind == .resolve)
        #expect(errors[0].kind.rawValue == "resolve-error")
        #expect(errors[0].description == "agent.star:2:5: undefined: fooo")
        #expect(errors[0].rendered == "agent.star:2:5: undefined: fooo\ny = fooo + 1\n    ^")
    }

    @Test func syntaxErrorRendering() {
        do {
            _ = try StarlarkFrontEnd.parse("def f():\n\treturn (1,\n\t        2))\n", file: "a.star")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.kind.rawValue == "syntax-error")
            // Tabs are copied into the caret line so the caret lines up.
            #expect(error.rendered == "a.star:3:12: unexpected ')', expected newline\n\t        2))\n\t          ^")
        }
    }

    @Test func columnsCountScalars() {
        let errors = StarlarkFrontEnd.diagnose("s = 'héllo' + ünknown", file: "u.star")
        #expect(errors.map(\.description) == ["u.star:1:15: undefined: ünknown"])
        #expect(errors[0].rendered.hasSuffix("\n              ^"))
    }

    @Test func errorAtEndOfFile() {
        do {
            _ = try StarlarkFrontEnd.parse("x = [1,", file: "e.star")
            Issue.record("expected an error")
        } catch {
            #expect(error.rendered == "e.star:1:8: unexpected end of file, expected expression\nx = [1,\n       ^")
        }
    }
}
