import CorralVM
import Testing

/// Nesting in `json`: `encode` finds a cycle by its path of open containers (scanned while
/// short, hashed once deeper than `EncodePath.scanLimit`, 16), and `decode` builds nested
/// containers from one stack of values and key hashes.
@Suite struct JSONNestingTests {
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

    @Test func decodedNestedDictsKeepEachLevelsKeys() async throws {
        let result = await StarlarkTestRun.run("""
            text = '{"a": {"a": 1, "b": [{"b": 2, "a": 3}, [], {}]}, "b": 4, "a": {"c": [{"a": 5}]}}'
            d = json.decode(text)
            # The repeated top-level "a" keeps its place and takes the last value.
            if list(d.keys()) != ["a", "b"]: error("keys %r" % list(d.keys()))
            if d["a"]["c"][0]["a"] != 5 or d["b"] != 4: error("values %r" % d)
            inner = json.decode('[{"x": {"y": {"x": 1}}, "y": 2}, {"y": 3, "x": 4}]')
            if inner[0]["x"]["y"]["x"] != 1 or inner[0]["y"] != 2 or inner[1]["x"] != 4: error("inner %r" % inner)
            if json.encode(inner) != '[{"x":{"y":{"x":1}},"y":2},{"x":4,"y":3}]': error(json.encode(inner))
            """)
        let sandbox = try #require(result.sandbox, "\(result)")
        #expect(result.trap == nil, "\(result.trap.map { "\($0)" } ?? "")")
        #expect(sandbox.testErrors == [])
    }
}
