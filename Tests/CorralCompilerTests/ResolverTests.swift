import Testing

@testable import CorralCompiler

func resolve(_ text: String) throws -> ResolvedFile {
    try StarlarkFrontEnd.resolve(text, file: "t.star")
}

/// All resolve errors of `text`, as `line:col: message`.
func resolveErrors(_ text: String) -> [String] {
    StarlarkFrontEnd.diagnose(text, file: "t.star").map { "\($0.line):\($0.column): \($0.message)" }
}

/// Every identifier of the file with its binding, in source order: `name@line:col=binding`.
func bindings(_ r: ResolvedFile) -> [String] {
    var ids: [Identifier] = []
    func walk(_ e: Expression) {
        switch e.kind {
        case .identifier(let id): ids.append(id)
        case .int, .float, .string, .bytes: break
        case .list(let items), .tuple(let items): items.forEach(walk)
        case .dict(let entries): entries.forEach { walk($0.key); walk($0.value) }
        case .comprehension(let c):
            if case .list(let b) = c.body { walk(b) }
            if case .dict(let k, let v) = c.body { walk(k); walk(v) }
            for clause in c.clauses {
                switch clause {
                case .for(let v, let i, _): walk(v); walk(i)
                case .if(let x, _): walk(x)
                }
            }
        case .unary(_, let x): walk(x)
        case .binary(let f, let terms): walk(f); terms.forEach { walk($0.operand) }
        case .conditional(let c, let t, let o): walk(c); walk(t); walk(o)
        case .call(let f, let args):
            walk(f)
            for a in args {
                switch a.kind {
                case .positional(let x), .named(_, let x), .star(let x), .starStar(let x): walk(x)
                }
            }
        case .dot(let x, _): walk(x)
        case .index(let x, let i): walk(x); walk(i)
        case .slice(let x, let a, let b, let c): walk(x); [a, b, c].compactMap { $0 }.forEach(walk)
        case .lambda(let f): function(f)
        }
    }
    func function(_ f: Function) {
        for p in f.parameters {
            if case .optional(_, let d) = p.kind { walk(d) }
            if let id = p.identifier { ids.append(id) }
        }
        statements(f.body)
    }
    func statements(_ list: [Statement]) {
        for s in list {
            switch s.kind {
            case .expression(let e): walk(e)
            case .assign(let t, let v), .augmentedAssign(let t, _, let v): walk(t); walk(v)
            case .def(let name, let f): ids.append(name); function(f)
            case .if(let st):
                for b in st.branches { walk(b.condition); statements(b.body) }
                statements(st.otherwise ?? [])
            case .for(let v, let i, let body): walk(v); walk(i); statements(body)
            case .while(let c, let body): walk(c); statements(body)
            case .return(let v): v.map(walk)
            case .load(let l): ids.append(contentsOf: l.bindings.map(\.local))
            case .break, .continue, .pass: break
            }
        }
    }
    statements(r.syntax.statements)
    return ids.sorted { $0.position < $1.position }.map { id in
        let b: String =
            switch r.bindings[id.id] {
            case .local(let i): "local\(i)"
            case .cell(let i): "cell\(i)"
            case .free(let i): "free\(i)"
            case .global(let i): "global\(i)"
            case .loaded(let i): "loaded\(i)"
            case .predeclared: "predeclared"
            case .universal: "universal"
            }
        return "\(id.name)=\(b)"
    }
}

@Suite struct ResolverTests {
    @Test func globalsAndBuiltins() throws {
        let r = try resolve("x = len([])\ndef f(): return x + y\ny = json\nx = 2")
        #expect(bindings(r) == ["x=global0", "len=universal", "f=global1", "x=global0", "y=global2", "y=global2", "json=predeclared", "x=global0"])
        #expect(r.globals.map(\.name) == ["x", "f", "y"])
        #expect(r.globals[0].position.description == "1:1")
    }

    @Test func localsAreFunctionWide() throws {
        // x is local to f everywhere in it, even before its assignment (a run-time error then).
        let r = try resolve("x = 1\ndef f(a):\n    print(x)\n    if a:\n        x = 2\n    for i in a: pass\n")
        #expect(bindings(r) == ["x=global0", "f=global1", "a=local0", "print=universal", "x=local1", "a=local0", "x=local1", "i=local2", "a=local0"])
        #expect(r.functions[0].locals.map(\.name) == ["a", "x", "i"])
    }

    @Test func frameLayout() throws {
        let r = try resolve("def f(a, b=1, *args, c, d=2, **kw):\n    e = 1\n")
        let f = r.functions[0]
        #expect(f.locals.map(\.name) == ["a", "b", "c", "d", "args", "kw", "e"])
        #expect(f.parameterCount == 4)
        #expect(f.positionalCount == 2)
        #expect(f.hasVarargs && f.hasKwargs)
        let g = try resolve("def g(a, *, b): pass").functions[0]
        #expect(g.locals.map(\.name) == ["a", "b"])
        #expect(g.positionalCount == 1 && !g.hasVarargs && !g.hasKwargs)
    }

    @Test func closuresAndCells() throws {
        let text = """
            def outer(a):
                b = 1
                def middle():
                    def inner():
                        return a + b
                    return inner
                return middle, lambda: b
            """
        let r = try resolve(text)
        #expect(r.functions.map(\.name) == ["outer", "middle", "inner", "lambda"])
        let outer = r.functions[0], middle = r.functions[1], inner = r.functions[2], lambda = r.functions[3]
        #expect(outer.locals.map(\.isCell) == [true, true, false])  // a, b, middle
        #expect(outer.cells == [0, 1])
        // middle captures a and b only to pass them on to inner.
        #expect(middle.freeVariables.map(\.name) == ["a", "b"])
        #expect(middle.freeVariables.map(\.outer) == [.cell(0), .cell(1)])
        #expect(inner.freeVariables.map(\.outer) == [.free(0), .free(1)])
        #expect(lambda.freeVariables.map(\.outer) == [.cell(1)])
        #expect(bindings(r) == [
            "outer=global0", "a=cell0", "b=cell1", "middle=local2", "inner=local0", "a=free0", "b=free1", "inner=local0",
            "middle=local2", "b=free0",
        ])
    }

    @Test func comprehensionScopes() throws {
        // The first iterable is outside the comprehension; x inside is its own local.
        let r = try resolve("x = [1]\ny = [x for x in x]\nz = {k: v for k, v in y if k for w in v}\n")
        #expect(bindings(r) == [
            "x=global0", "y=global1", "x=local0", "x=local0", "x=global0", "z=global2", "k=local1", "v=local2", "k=local1",
            "v=local2", "y=global1", "k=local1", "w=local3", "v=local2",
        ])
        #expect(r.toplevel.locals.map(\.name) == ["x", "k", "v", "w"])
        // A closure over a comprehension variable makes it a cell of the enclosing function.
        let c = try resolve("def f():\n    return [lambda: i for i in range(3)]\n")
        #expect(c.functions[0].locals.map(\.isCell) == [true])
        #expect(c.functions[1].freeVariables.map(\.outer) == [.cell(0)])
    }

    @Test func loads() throws {
        let r = try resolve("load(\"lib/util.star\", \"f\", g = \"h\")\nload(\"@http\", \"get\")\ndef k(): return f(g, get)\n")
        #expect(r.loads.map(\.module) == [.file(path: "lib/util.star"), .capability(name: "http")])
        #expect(r.loads.map(\.names) == [0..<2, 2..<3])
        #expect(r.loadedNames.map(\.local) == ["f", "g", "get"])
        #expect(r.loadedNames.map(\.exported) == ["f", "h", "get"])
        #expect(bindings(r) == ["f=loaded0", "g=loaded1", "get=loaded2", "k=global0", "f=loaded0", "g=loaded1", "get=loaded2"])
    }

    @Test func loadErrors() {
        let explain = LoadModule.explain("http")
        #expect(resolveErrors("load(\"http\", \"get\")") == ["1:6: \(explain)"])
        #expect(explain.contains("ending in \".star\"") && explain.contains("\"@name\""))
        #expect(resolveErrors("load(\"@Http\", \"get\")").count == 1)
        #expect(resolveErrors("load(\"@1x\", \"get\")").count == 1)
        #expect(resolveErrors("load(\".star\", \"get\")").count == 1)
        #expect(resolveErrors("load(\"a.star\", \"_x\", \"\")") == [
            "1:17: load: names with leading underscores are not exported: _x", "1:23: load: empty name",
        ])
        #expect(resolveErrors("load(\"a.star\", \"x\")\nx = 1") == ["2:1: cannot reassign x: it is bound by the load statement at 1:17"])
        #expect(resolveErrors("load(\"a.star\", \"x\")\nload(\"b.star\", \"x\")") == [
            "2:17: cannot load x again: it is already bound by the load statement at 1:17",
        ])
        #expect(resolveErrors("x = 1\nload(\"a.star\", \"x\")") == ["2:17: cannot load x: it is already a global variable, bound at 1:1"])
        #expect(resolveErrors("def f():\n  load(\"a.star\", \"x\")") == ["2:3: load statement within a function"])
        #expect(resolveErrors("if 1:\n  load(\"a.star\", \"x\")") == ["2:3: load statement within a conditional"])
        #expect(resolveErrors("for a in []:\n  load(\"a.star\", \"x\")") == ["2:3: load statement within a loop"])
        // Inside a function, a loaded name can be shadowed by a local.
        #expect(resolveErrors("load(\"a.star\", \"x\")\ndef f():\n  x = 1\n  return x") == [])
    }

    @Test func undefinedWithHint() {
        #expect(resolveErrors("foo = 1\nprint(fooo)") == ["2:7: undefined: fooo (did you mean foo?)"])
        #expect(resolveErrors("def f(abc):\n  return abd") == ["2:10: undefined: abd (did you mean abc?)"])
        #expect(resolveErrors("x = lenn([])") == ["1:5: undefined: lenn (did you mean len?)"])
        #expect(resolveErrors("x = goodbye") == ["1:5: undefined: goodbye"])
        #expect(resolveErrors("_ = [x for x in []]\nprint(x)") == ["2:7: undefined: x"])
    }

    @Test func statementErrors() {
        #expect(resolveErrors("break") == ["1:1: break not in a loop"])
        #expect(resolveErrors("for x in []:\n  def f():\n    continue") == ["3:5: continue not in a loop"])
        #expect(resolveErrors("return 1") == ["1:1: return statement not within a function"])
        #expect(resolveErrors("1 = 2") == ["1:1: cannot assign to a literal"])
        #expect(resolveErrors("f() = 2") == ["1:1: cannot assign to a function call"])
        #expect(resolveErrors("a + b = 2") == ["1:1: cannot assign to an operator expression"])
        #expect(resolveErrors("x[1:2] = 2") == ["1:1: cannot assign to a slice"])
        #expect(resolveErrors("(a, b) += 1") == ["1:1: cannot use a tuple expression in an augmented assignment"])
        #expect(resolveErrors("[a, b] += 1") == ["1:1: cannot use a list expression in an augmented assignment"])
        // Corral's dialect: top-level control flow, while and global reassignment are allowed.
        #expect(resolveErrors("x = 1\nx = 2\nx += 1\nif x:\n  pass\nwhile x:\n  x -= 1\nfor y in []:\n  break") == [])
    }

    @Test func parameterErrors() {
        #expect(resolveErrors("def f(a, b, a): pass") == ["1:13: duplicate parameter: a"])
        #expect(resolveErrors("def f(*x, **x): pass") == ["1:13: duplicate parameter: x"])
        #expect(resolveErrors("def f(x=1, y): pass") == ["1:12: required parameter may not follow optional"])
        #expect(resolveErrors("def f(**k, x): pass") == ["1:12: parameter may not follow **kwargs"])
        #expect(resolveErrors("def f(**k, *a): pass") == ["1:12: * parameter may not follow **kwargs"])
        #expect(resolveErrors("def f(**k, **j): pass") == ["1:12: multiple ** parameters not allowed"])
        #expect(resolveErrors("def f(*a, *b): pass") == ["1:11: multiple * parameters not allowed"])
        #expect(resolveErrors("def f(*): pass") == ["1:7: bare * must be followed by keyword-only parameters"])
        #expect(resolveErrors("def f(*, **k): pass") == ["1:7: bare * must be followed by keyword-only parameters"])
        #expect(resolveErrors("def f(*a, b, c=1, **k): pass\ng = lambda *, x: x") == [])
    }

    @Test func callErrors() {
        #expect(resolveErrors("f = len\nf(x=1, x=2)") == ["2:8: keyword argument x repeated"])
        #expect(resolveErrors("f = len\nf(x=1, 2)") == ["2:8: positional argument may not follow named"])
        #expect(resolveErrors("f = len\nf(*[], 1)") == ["2:8: positional argument may not follow *args"])
        #expect(resolveErrors("f = len\nf(*[], a=1)") == ["2:8: keyword argument may not follow *args"])
        #expect(resolveErrors("f = len\nf(**{}, 1)") == ["2:9: positional argument may not follow **kwargs"])
        #expect(resolveErrors("f = len\nf(**{}, *[])") == ["2:9: *args may not follow **kwargs"])
        #expect(resolveErrors("f = len\nf(*[], *[])") == ["2:8: multiple *args not allowed"])
        #expect(resolveErrors("f = len\nf(**{}, **{})") == ["2:9: multiple **kwargs not allowed"])
        #expect(resolveErrors("f = len\nf(1, a=2, *[], **{})") == [])
    }

    @Test func errorsAreAllReportedInOrder() {
        #expect(resolveErrors("x = a\nbreak\ny = b") == ["1:5: undefined: a", "2:1: break not in a loop", "3:5: undefined: b"])
    }
}
