import CorralVM
import Testing

/// The run loop's inline list reads and stores (`index`, `index.set` on an in-range int) keep
/// every rule of the slow path: negative indexes, frozen lists, lists being iterated, tuples.
@Suite struct ListFastPathTests {
    @Test func inlineIndexingKeepsTheRules() async throws {
        let result = await StarlarkTestRun.run("""
            xs = [10, 20, 30]
            xs[-1] = 33
            xs[0] = xs[-3] + 1
            if xs != [11, 20, 33] or (1, 2)[-1] != 2: error("values %r" % xs)
            if catch(lambda: xs[3]) != "list index 3 out of range [-3:2]": error(catch(lambda: xs[3]))
            def store_while_iterating():
                for x in xs:
                    xs[0] = x
            if "iteration" not in catch(store_while_iterating): error(catch(store_while_iterating))
            t = (1, 2)
            def store_tuple():
                t[0] = 5
            if "does not support item assignment" not in catch(store_tuple): error(catch(store_tuple))
            ys = _freeze([1, 2])
            def store_frozen():
                ys[0] = 5
            if "frozen" not in catch(store_frozen): error(catch(store_frozen))
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.testErrors == [])
    }
}
