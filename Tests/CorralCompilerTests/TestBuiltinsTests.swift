import CorralBytecode
import CorralCompiler
import CorralVM
import Testing

/// The test builtins (`error`, `catch`, `matches`, `module`, `_freeze`, `struct`,
/// `hasfields`, `fibonacci`; bytecode/SPEC.md, "Test builtins") that the Go conformance files need, and the gate that keeps them out of
/// production modules.
@Suite struct TestBuiltinsTests {
    /// Runs `source` and returns the `error` messages it recorded; the run must end normally.
    func errors(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let result = await StarlarkTestRun.run(source)
        guard case .finished(let outcome, let sandbox) = result else {
            Issue.record("did not run: \(result)", sourceLocation: sourceLocation)
            return []
        }
        #expect(outcome.trap == nil, "\(outcome)", sourceLocation: sourceLocation)
        return sandbox.testErrors
    }

    @Test func productionValidationRejectsTestBuiltins() throws {
        for name in StarlarkTestRun.testBuiltins {
            let bytes = try StarlarkCompiler.compileBytes("x = \(name)\n", file: "t.star", predeclared: StarlarkTestRun.predeclared)
            #expect(throws: LoadError.self) { _ = try ValidatedModule.load(bytes) }
            do {
                _ = try ValidatedModule.load(bytes)
            } catch {
                #expect("\(error)".contains("unknown builtin \"\(name)\""), "\(error)")
            }
            #expect(throws: Never.self) { _ = try ValidatedModule.load(bytes, testing: true) }
        }
        // And the default compiler does not even know the names.
        #expect(throws: CompileError.self) { _ = try StarlarkCompiler.compile("catch(len)\n", file: "t.star") }
    }

    @Test func errorRecordsWithoutStopping() async throws {
        let got = try await errors("""
            error("one")
            error(2)
            x = 3
            error("after %d" % x)
            """)
        #expect(got == ["line 1: one", "line 2: 2", "line 4: after 3"])
    }

    @Test func catchReturnsNoneOrTheMessage() async throws {
        let got = try await errors("""
            def ok():
                return 1
            def bad():
                return 1 // 0
            if catch(ok) != None: error("ok")
            m = catch(bad)
            if type(m) != "string" or "zero" not in m: error("bad: %r" % m)
            if catch(lambda: fail("x", 1)) != "fail: x 1": error("fail: %r" % catch(lambda: fail("x", 1)))
            if catch(lambda: [][1]) == None: error("index")
            if "not callable" not in catch(1): error("call")
            """)
        #expect(got == [])
    }

    @Test func nestedCatch() async throws {
        let got = try await errors("""
            def inner():
                fail("in")
            def outer():
                m = catch(inner)
                if m != "fail: in": error("inner: %r" % m)
                fail("out")
            m = catch(outer)
            if m != "fail: out": error("outer: %r" % m)
            # Deep nesting: each level catches the one below and fails again; only frames
            # are added, nothing recurses natively.
            def deep(n):
                if n == 0:
                    fail("bottom")
                if catch(lambda: deep(n - 1)) != ("fail: %d" % (n - 1) if n > 1 else "fail: bottom"):
                    error("level %d" % n)
                fail("%d" % n)
            m = catch(lambda: deep(2000))
            if m != "fail: 2000": error("deep: %r" % m)
            """)
        #expect(got == [])
    }

    @Test func catchUnlocksIteratedLists() async throws {
        let got = try await errors("""
            xs = [1, 2, 3]
            def f():
                for x in xs:
                    for y in xs:
                        fail("boom")
            for i in range(3):
                if catch(f) != "fail: boom": error("loop")
            xs.append(4)
            n = 0
            for x in xs:
                n += 1
                m = catch(lambda: xs.append(5))
                if m == None or "iteration" not in m: error("caller loop unlocked: %r" % m)
            if n != 4: error("iterations %d" % n)
            xs.append(5)
            if len(xs) != 5: error("len")
            d = {"a": 1}
            def g():
                for k in d:
                    fail("d")
            catch(g)
            d["b"] = 2
            """)
        #expect(got == [])
    }

    @Test func errorInKeyFunctionInsideCatch() async throws {
        let got = try await errors("""
            m = catch(lambda: sorted([3, 1, 2], key = lambda x: 1 // (x - 1)))
            if m == None or "zero" not in m: error("key: %r" % m)
            if sorted([3, 1, 2], key = lambda x: -x) != [3, 2, 1]: error("sorted after")
            m = catch(lambda: max([1, 2], key = lambda x: catch(lambda: fail(x)) + 1))
            if m == None or "string + int" not in m and "unknown binary" not in m: error("max: %r" % m)
            """)
        #expect(got == [])
    }

    @Test func outOfFuelInsideCatchEndsTheRunAndResumes() async throws {
        let source = """
            def spin():
                for i in range(20000):
                    pass
                fail("after spin")
            m = catch(spin)
            error(m)
            """
        let result = await StarlarkTestRun.run(source, budget: Budget(fuel: 5_000, memory: 64 << 20))
        let sandbox = try #require(result.sandbox)
        #expect(result.trap?.reason == .outOfFuel)
        let resumed = await sandbox.resume(addingFuel: 10_000_000)
        #expect(resumed.trap == nil, "\(resumed)")
        #expect(sandbox.testErrors == ["line 6: fail: after spin"])
    }

    @Test func limitsAreNotCaught() async throws {
        let deep = await StarlarkTestRun.run("""
            def r(n):
                return r(n + 1)
            catch(lambda: r(0))
            """)
        #expect(deep.trap?.reason == .stackOverflow)
        let big = await StarlarkTestRun.run("catch(lambda: \"x\" * (1 << 29))\n")
        #expect(big.trap?.reason == .outOfMemory)
        let fuel = await StarlarkTestRun.run(
            "def f():\n    for i in range(100000):\n        pass\ncatch(f)\n", budget: Budget(fuel: 1_000))
        #expect(fuel.trap?.reason == .outOfFuel)
    }

    @Test func matchesSearchesWithARegex() async throws {
        let got = try await errors("""
            if not matches("b+", "abbc"): error("search")
            if matches("^b", "abc"): error("anchored")
            if not matches("division by zero|divided by zero", "integer division by zero"): error("alt")
            m = catch(lambda: matches("(", "x"))
            if m == None or not m.startswith("matches:"): error("bad pattern: %r" % m)
            """)
        #expect(got == [])
    }

    @Test func moduleValues() async throws {
        let got = try await errors("""
            def _eq(x, y):
                if x != y:
                    error("%r != %r" % (x, y))
            m = module("assert", eq = _eq, k = 3)
            m.eq(1, 1)
            m.eq(1, 2)
            f = m.eq
            f("a", "a")
            if str(m) != '<module "assert">': error(str(m))
            if type(m) != "module": error(type(m))
            if m.k != 3 or getattr(m, "k") != 3 or not hasattr(m, "eq") or hasattr(m, "zz"): error("fields")
            if dir(m) != ["eq", "k"]: error("dir %r" % dir(m))
            if "no .missing field" not in catch(lambda: m.missing): error("missing")
            if "unhashable" not in catch(lambda: {m: 1}): error("hash")
            c = module("c", c = catch)
            if c.c(lambda: fail("via module")) != "fail: via module": error("catch via module field")
            """)
        #expect(got == ["line 6: 1 != 2"])
    }

    /// `x.f = v` compiles to `attr.set`, which every Starlark value refuses at run time; the
    /// test value `hasfields` takes it (and `x.f += v`), with Go's eval_test.go rules.
    @Test func fieldAssignment() async throws {
        let got = try await errors("""
            def set_int():
                x = 1
                x.f = 2
            m = catch(set_int)
            if m != "can't assign to .f field of int": error(m)
            hf = hasfields()
            if type(hf) != "hasfields" or str(hf) != "hasfields" or dir(hf) != []: error("hasfields %s" % dir(hf))
            hf.beta = [1]
            hf.alpha = 2
            hf.beta += [3]
            hf.alpha += 1
            if hf.beta != [1, 3] or hf.alpha != 3 or dir(hf) != ["alpha", "beta"]: error("fields")
            if catch(lambda: hf.alhpa) != "hasfields has no .alhpa field or method (did you mean .alpha?)": error(catch(lambda: hf.alhpa))
            def set_no():
                hf.no_beta = 1
            if catch(set_no) != "no .no_beta field (did you mean .beta?)": error(catch(set_no))
            if [] + hf != 42: error("list + hasfields")
            _freeze(hf)
            def set_frozen():
                hf.alpha = 4
            if catch(set_frozen) != "cannot set field on a frozen hasfields": error("frozen")
            """)
        #expect(got == [])
    }

    @Test func structAndFibonacci() async throws {
        let got = try await errors("""
            s = struct(y = "two", x = [1])
            if str(s) != 'struct(x = [1], y = "two")' or type(s) != "struct": error(str(s))
            if s.x != [1] or getattr(s, "y") != "two": error("fields")
            if json.encode(s) != '{"x":[1],"y":"two"}': error(json.encode(s))
            e = catch(lambda: json.encode(struct(x = [1, len])))
            if "in field .x: at list index 1: cannot encode" not in e: error(e)
            seq = []
            for n in fibonacci:
                if len(seq) == 10:
                    break
                seq.append(n)
            if seq != [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]: error("fib %r" % seq)
            if type(fibonacci) != "fib": error(type(fibonacci))
            """)
        #expect(got == [])
    }

    @Test func freezeIsDeep() async throws {
        let got = try await errors("""
            x = [1, [2], {"k": [3]}]
            y = _freeze(x)
            if y != x: error("returns x")
            if "frozen" not in catch(lambda: x.append(1)): error("outer")
            if "frozen" not in catch(lambda: x[1].append(1)): error("inner list")
            if "frozen" not in catch(lambda: x[2].update(a = 1)): error("inner dict")
            if "frozen" not in catch(lambda: x[2]["k"].append(1)): error("innermost")
            z = [1]
            z.append(2)
            """)
        #expect(got == [])
    }
}
