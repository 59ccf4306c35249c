import CorralVM
import Testing

/// Dicts and sets remove entries in O(1) (`OrderedTable`): the fuel of a removal does not
/// depend on the size of the collection, and order and iteration survive many removals.
@Suite struct RemovalTests {
    @Test func removalFuelDoesNotGrowWithSize() async throws {
        var deltas: [Int64] = []
        for n in [10, 2_000] {
            let setup = "d = {}\nfor i in range(\(n)):\n    d[i] = i\ns = set(range(\(n)))\n"
            let removals = "d.pop(0)\nd.pop(1, None)\nd.popitem()\ns.remove(5)\ns.discard(6)\ns.pop()\n"
            deltas.append(try await StarlarkTestRun.fuel(setup + removals) - StarlarkTestRun.fuel(setup))
        }
        #expect(deltas[0] == deltas[1])
        // The six statements' instructions (receiver, arguments, `call.attr`, drop) and nothing
        // per entry; under fuel schedule 1 the 2,000-entry case cost thousands more.
        #expect(deltas[0] == 47)
    }

    @Test func orderAndIterationSurviveManyRemovals() async throws {
        let source = """
            d = {}
            for i in range(1000):
                d[i] = i
            for i in range(0, 1000, 3):
                d.pop(i)
            d[0] = "back"
            keys = [k for k in d]
            if keys[:4] != [1, 2, 4, 5] or keys[-1] != 0 or len(keys) != 667:
                fail("dict order: %s" % keys[:5])
            for i in range(666):
                d.popitem()
            if list(d.items()) != [(0, "back")]:
                fail("popitem order: %s" % d)
            s = set(range(100))
            for i in range(0, 100, 2):
                s.remove(i)
            s.add(0)
            if list(s)[:3] != [1, 3, 5] or list(s)[-1] != 0:
                fail("set order: %s" % list(s)[:4])
            """
        let result = await StarlarkTestRun.run(source)
        #expect(result.sandbox != nil && result.trap == nil, "\(result.trap.map { "\($0)" } ?? "\(result)")")
    }
}
