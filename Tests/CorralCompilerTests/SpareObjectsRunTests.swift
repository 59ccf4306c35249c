import CorralVM
import Testing

/// A program that churns strings, lists and tuples through several collections, so much of
/// what it makes is remade from spares (Heap+Spares.swift): results must be exactly as with new
/// objects, and so must fuel and the memory peak, since spares are neither metered work nor
/// charged memory. The pinned numbers are those of `corral run FILE --memory 1MiB --stats` on
/// the commit before spares existed (`f5eaa14`).
@Suite struct SpareObjectsRunTests {
    static let churn = """
        def churn():
            total = 0
            kept = []
            for i in range(8000):
                parts = ("w%d x%d y" % (i, i % 7)).split(" ")
                pair = (parts[0], len(parts))
                row = [parts[1], pair]
                row.append(i)
                if i % 400 == 0:
                    kept.append(row)
                total += len(parts[0]) + pair[1] + len(row)
            for row in kept:
                if row[1][0] != "w%d" % row[2]:
                    fail("row %r" % (row,))
                row.append("checked")
            return total * 100 + len(kept) + len(kept[-1])

        result = churn()
        if result != 8689024:
            fail("result %d" % result)
        """

    @Test func churnedObjectsBehaveAsNew() async throws {
        let result = await StarlarkTestRun.run(
            Self.churn, budget: Budget(fuel: 1_000_000_000, memory: 1 << 20, timeout: .seconds(60), maxDepth: 100))
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.stats.collections >= 3)
        #expect(sandbox.stats.fuel == 719_562)
        #expect(sandbox.stats.memoryPeak == 1_048_559)
    }
}
