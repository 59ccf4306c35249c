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

    /// `sorted(x, key=f)` with int keys or tuples of ints (Sandbox+SortKeys.swift), against
    /// the numbers of `corral run FILE --stats` (and `--fuel 40000`) on `fca6d51`, before that
    /// path existed: the same order, the same fuel, and out of fuel at the same comparison.
    static let decoratedKeys = """
        def check(got, want, what):
            if got != want:
                fail("%s: got %r, want %r" % (what, got, want))

        def probe():
            xs = [(i * 7919) % 1000 - 500 for i in range(600)]
            check(sorted(xs, key = lambda x: x % 10)[:5], [-500, -310, -120, 70, 260], "int keys")
            check(sorted(xs, key = lambda x: x % 10, reverse = True)[:3], [419, -391, -201], "int keys reversed")
            check(sorted(xs, key = lambda x: (x % 3, -x))[:3], [492, 489, 486], "pair keys")
            check(sorted(xs, key = lambda x: (x % 2, x % 5, x))[-2:], [489, 499], "triple keys")
            same = (1, 2)
            check(sorted(xs, key = lambda x: same)[:3], xs[:3], "one key object for all")
            check(sorted([(3, 1), (2, 5), (3, 0), (2, 5)]), [(2, 5), (2, 5), (3, 0), (3, 1)], "plain int pairs")
            check(sorted([((1, 2), 3), ((1, 1), 4)]), [((1, 1), 4), ((1, 2), 3)], "plain tuple pairs")
            check(sorted(xs, key = lambda x: (x % 4, str(x)))[:2], [-108, -112], "mixed keys take the general path")
            return len(xs)

        result = probe()
        """

    @Test func intAndIntTupleKeys() async throws {
        #expect(try await StarlarkTestRun.fuel(Self.decoratedKeys) == 358_019)
    }

    @Test func intKeysRunOutOfFuelAtTheSameComparison() async throws {
        let result = await StarlarkTestRun.run(
            Self.decoratedKeys, budget: Budget(fuel: 40_000, memory: 64 << 20, timeout: .seconds(60), maxDepth: 100))
        let trap = try #require(result.trap, "\(result)")
        #expect(trap.reason == .outOfFuel)
        #expect(trap.message == "out of fuel: this operation needs 1, 0 left")
        #expect(try #require(result.sandbox).stats.fuel == 26_825)
    }
}
