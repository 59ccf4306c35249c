import CorralVM
import Testing

/// The sort fast paths (`sorted` of plain ints merges `Int64`s; sequence ordering decides int,
/// string and flat-int-tuple elements itself) give the same order and charge the same fuel as
/// the general comparison they stand in for. The pinned numbers were measured on the tree
/// before the fast paths existed (`corral run FILE --stats`, commit `580ab89`).
@Suite struct SortFastPathTests {
    @Test func plainInts() async throws {
        let source = """
            xs = [(i * 7919) % 1000 for i in range(300)]
            a = sorted(xs)
            b = sorted(xs, reverse = True)
            if a[:3] != [0, 3, 6] or b[:2] != [996, 993] or len(a) != 300:
                fail("ints: %s %s" % (a[:3], b[:2]))
            """
        #expect(try await StarlarkTestRun.fuel(source) == 9_091)
    }

    @Test func keysOfIntsStringsAndTuples() async throws {
        let source = """
            recs = [{"id": i, "score": (i * 37) % 11, "name": "n%d" % ((i * 13) % 7)} for i in range(200)]
            r = sorted(recs, key = lambda r: (-r["score"], r["name"], r["id"]))
            if [x["id"] for x in r[:3]] != [63, 140, 41]:
                fail("records: %s" % [x["id"] for x in r[:5]])
            p = sorted([(i % 5, -i) for i in range(100)], key = lambda p: (p[1] % 7, p[0]))
            if p[:2] != [(0, 0), (0, -35)]:
                fail("pairs: %s" % p[:3])
            w = sorted(["pear", "fig", "apple", "figs", "apricot", "fig"])
            if w != ["apple", "apricot", "fig", "fig", "figs", "pear"]:
                fail("words: %s" % w)
            t = sorted([("b", 2), ("a", 9), ("b", 1), ("a", 10)])
            if t != [("a", 9), ("a", 10), ("b", 1), ("b", 2)]:
                fail("tuples: %s" % t)
            n = sorted([((1, 2), 3), ((1, 1), 4), ((0, 9), 5), ((1, 2), 2)])
            if n != [((0, 9), 5), ((1, 1), 4), ((1, 2), 2), ((1, 2), 3)]:
                fail("nested: %s" % n)
            """
        #expect(try await StarlarkTestRun.fuel(source) == 39_502)
    }

    /// Elements the fast paths do not decide still go through equality first, so equal
    /// unorderable elements are fine and the first unequal pair decides (or traps).
    @Test func otherElementsKeepTheGeneralRules() async throws {
        let source = """
            if sorted([(1, None), (0, None), (1, None)]) != [(0, None), (1, None), (1, None)]:
                fail("None elements")
            if sorted([([1], 2), ([0], 3)]) != [([0], 3), ([1], 2)]:
                fail("list elements")
            """
        let ok = await StarlarkTestRun.run(source)
        #expect(ok.sandbox != nil && ok.trap == nil, "\(ok.trap.map { "\($0)" } ?? "\(ok)")")
        let mixed = await StarlarkTestRun.run("sorted([(1, 2), (1, \"a\")])")
        #expect(mixed.trap?.message.contains("not implemented") == true, "\(mixed)")
        let kinds = await StarlarkTestRun.run("sorted([((1,), 0), ([1], 0)])")
        #expect(kinds.trap?.message.contains("not implemented") == true, "\(kinds)")
    }
}
