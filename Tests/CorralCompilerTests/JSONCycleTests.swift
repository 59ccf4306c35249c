import CorralVM
import Testing

/// `json.encode` finds a cycle by its path of open containers: scanned while short, hashed
/// once deeper than `EncodePath.scanLimit` (16). Both sides of that limit must tell a cycle
/// from a value that merely shares a container.
@Suite struct JSONCycleTests {
    @Test func cyclesAndSharingBelowAndBeyondTheScanLimit() async throws {
        let result = await StarlarkTestRun.run("""
            def nest(depth):
                top = []
                inner = top
                for i in range(depth):
                    nxt = []
                    inner.append(nxt)
                    inner = nxt
                return top, inner
            for depth in [3, 15, 16, 17, 40]:
                top, inner = nest(depth)
                shared = [1]
                inner.append(shared)
                inner.append(shared)  # shared twice: not a cycle
                want = "[" * (depth + 1) + "[1],[1]" + "]" * (depth + 1)
                if json.encode(top) != want: error("depth %d: %s" % (depth, json.encode(top)))
                inner.append(top)
                got = catch(lambda: json.encode(top))
                if "cycle in JSON structure" not in got: error("depth %d: %s" % (depth, got))
                inner.pop()
                if json.encode(top) != want: error("depth %d after the cycle: %s" % (depth, json.encode(top)))
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.testErrors == [])
    }
}
