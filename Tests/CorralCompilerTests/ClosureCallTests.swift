import CorralVM
import Testing

/// Closures take the run loop's inline call path when called with exactly their positional
/// parameters, and `free.get` reads bound cells in the loop; everything else (defaults,
/// keywords, wrong arity, an unbound captured variable) still goes through the general path.
@Suite struct ClosureCallTests {
    @Test func inlineAndGeneralCallsAgree() async throws {
        let source = """
            def make(k, extra = 10):
                def add(x, y = 1):
                    return x + y + k + extra
                return add
            f = make(5)
            if f(1, 2) != 18 or f(1) != 17 or f(x = 1, y = 3) != 19:
                fail("closure calls: %d %d %d" % (f(1, 2), f(1), f(x = 1, y = 3)))
            def counter():
                n = [0]
                def inc():
                    n[0] += 1
                    return n[0]
                return inc
            c = counter()
            for _ in range(99):
                c()
            if c() != 100:
                fail("counter")
            """
        let result = await StarlarkTestRun.run(source)
        #expect(result.sandbox != nil && result.trap == nil, "\(result.trap.map { "\($0)" } ?? "\(result)")")
    }

    @Test func errorsStillComeFromTheGeneralPath() async throws {
        let arity = await StarlarkTestRun.run("def make():\n    k = 1\n    return lambda x: x + k\nmake()(1, 2)\n")
        #expect(arity.trap?.message.contains("accepts no more than 1 positional argument") == true, "\(arity)")
        let unbound = await StarlarkTestRun.run("def outer():\n    def inner():\n        return v\n    r = inner()\n    v = 1\n    return r\nouter()\n")
        #expect(unbound.trap?.message.contains("referenced before assignment") == true, "\(unbound)")
    }
}
