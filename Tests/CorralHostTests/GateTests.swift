import CorralHost
import CorralVM
import Testing

/// Host calls through the gate: constraints, quotas, prices and the audit entry of each call,
/// with real capabilities (`kv` in memory, a seeded `random`, a fixed clock).
@Suite struct GateTests {
    static let policyYAML = """
        agent: demo
        capabilities:
          kv:
            functions: [get, put, delete, list]
            max_value: 64
            arguments:
              put:
                value.amount: {max: 100, required: false}
          log:
            functions: [info, warn]
          clock:
            functions: [now]
          random:
            functions: [int, float]
            quota: {calls: 3}
        """

    @Test func callsCapabilitiesAndAuditsEach() async throws {
        let run = HostRun()
        let policy = try Policy(yaml: Self.policyYAML)
        let done = try await run.run("""
            load("@kv", "get", "put", "delete", keys = "list")
            load("@log", "info")
            load("@clock", "now")
            load("@random", randint = "int")

            def main(input):
                put("a/1", {"amount": 5})
                put("a/2", [1, 2])
                info("stored", {"n": 2})
                first = get("a/1")
                missing = get("zz", "fallback")
                gone = delete("a/2")
                return [first, missing, gone, keys("a/"), now(), randint(1, 6)]
            """, policy: policy)
        #expect(done.trap == nil, "\(String(describing: done.trap))")
        let result = try #require(done.result)
        guard case .list(let items) = result else { Issue.record("not a list: \(result)"); return }
        #expect(items[0] == .dict([HostValueEntry(.string("amount"), .int(5))]))
        #expect(items[1] == .string("fallback"))
        #expect(items[2] == .bool(true))
        #expect(items[3] == .list([.string("a/1")]))
        #expect(items[4] == .float(1_700_000_000.5))
        #expect(items[5] == .int(4))  // the first int from seed 7, the same on every machine

        let audit = run.audit.entries
        #expect(audit.map(\.sequence) == Array(1...9))
        #expect(audit.map { "\($0.capability).\($0.function)" } == [
            "kv.put", "kv.put", "log.info", "kv.get", "kv.get", "kv.delete", "kv.list", "clock.now", "random.int",
        ])
        #expect(audit.allSatisfy { $0.outcome == .ok && $0.run == "run-1" && $0.time == 1_700_000_000.5 })
        #expect(audit[7].answer == "1700000000.5")
        #expect(audit[8].answer == "4")
        #expect(audit[0].answer == nil)
        // The same arguments, the same digest; different ones, another.
        #expect(audit[3].argumentDigest != audit[4].argumentDigest)
        #expect(audit[3].argumentDigest.count == 64)
        #expect(run.lines.all == [LogLine(level: "info", message: "stored", fields: .dict([HostValueEntry(.string("n"), .int(2))]))])
        #expect(done.sandbox.stats.hostCalls == 9)
        #expect(done.sandbox.stats.fuel == 6437)
    }

    /// The fuel an audit entry records is what the VM charged for the call: the same run with
    /// every price zero uses exactly the audited fuel less.
    @Test func auditedFuelIsWhatTheVMCharged() async throws {
        let source = """
            load("@kv", "get", "put")
            load("@log", "info")
            def main(input):
                put("k", {"a": [1, 2, 3], "b": "x" * 10})
                info("a message of some length", {"k": get("k")})
                return get("k")
            """
        let priced = HostRun()
        let pricedRun = try await priced.run(source, policy: try Policy(yaml: Self.policyYAML))
        var zero = try Policy(yaml: Self.policyYAML)
        for m in zero.grants.keys { zero.grants[m]?.price = Price(base: 0, perByteUnit: 0) }
        let freeRun = try await HostRun().run(source, policy: zero)
        #expect(pricedRun.trap == nil && freeRun.trap == nil)
        let audited = priced.audit.entries.reduce(0) { $0 + $1.fuel }
        #expect(audited == pricedRun.sandbox.stats.fuel - freeRun.sandbox.stats.fuel)
        #expect(audited > 3 * 1_000 + 100)
    }

    @Test func aConstraintRefusesTheCallAndSaysWhichRule() async throws {
        let run = HostRun()
        let done = try await run.run("""
            load("@kv", "put")
            def main(input):
                put("ok", {"amount": 100})
                put("big", {"amount": 101})
                return "unreachable"
            """, policy: try Policy(yaml: Self.policyYAML))
        let trap = try #require(done.trap)
        #expect(trap.reason == .capabilityDenied)
        #expect(trap.message == "kv.put: policy: argument value.amount = 101 is above the maximum 100")
        #expect(run.audit.entries.map(\.outcome) == [.ok, .denied("policy: argument value.amount = 101 is above the maximum 100")])
        #expect(try await run.kv.get(namespace: "agent", key: "big") == nil)
    }

    @Test func aQuotaRefusesTheCallPastIt() async throws {
        let run = HostRun()
        let done = try await run.run("""
            load("@random", "float")
            def main(input):
                for i in range(10):
                    float()
            """, policy: try Policy(yaml: Self.policyYAML))
        #expect(done.trap?.reason == .capabilityDenied)
        #expect(done.trap?.message == "random.float: quota: random allows 3 calls per run")
        #expect(run.audit.entries.map(\.outcome.word) == ["ok", "ok", "ok", "denied"])
    }

    /// An answer past the bytes-in quota is refused and never reaches the agent; its audit
    /// entry charges only what the VM charged (the call, not the answer).
    @Test func anAnswerPastTheBytesInQuotaIsRefused() async throws {
        let run = HostRun()
        var policy = try Policy(yaml: Self.policyYAML)
        policy.grants["kv"]?.quota = Quota(bytesIn: 20)
        policy.grants["kv"]?.price = Price(base: 10, perByteUnit: 1)
        _ = try await run.kv.put(namespace: "agent", key: "k", value: "\"\(String(repeating: "v", count: 40))\"", maxTotalBytes: 1 << 20)
        let done = try await run.run("""
            load("@kv", "get")
            def main(input):
                return get("k")
            """, policy: policy)
        #expect(done.trap?.reason == .capabilityDenied)
        #expect(done.trap?.message == "kv.get: quota: kv allows 20 bytes in per run")
        let entry = try #require(run.audit.entries.last)
        #expect(entry.outcome.word == "denied")
        #expect(entry.fuel == 10 + Int64(entry.argumentBytes / 8))
    }

    @Test func kvSizesAreEnforced() async throws {
        let run = HostRun()
        let done = try await run.run("""
            load("@kv", "put")
            def main(input):
                put("k", "x" * 100)
            """, policy: try Policy(yaml: Self.policyYAML))
        #expect(done.trap?.reason == .capabilityDenied)
        #expect(done.trap?.message == "kv.put: policy: kv values are at most 64 bytes as JSON (this one is 102)")
    }

    @Test func badArgumentsAreHostErrors() async throws {
        let run = HostRun()
        let done = try await run.run("""
            load("@kv", "put")
            def main(input):
                put("k", value = 1, extra = 2)
            """, policy: try Policy(yaml: Self.policyYAML))
        #expect(done.trap?.reason == .hostError)
        #expect(done.trap?.message == #"kv.put: unexpected keyword argument "extra""#)
        #expect(run.audit.entries.map(\.outcome.word) == ["failed"])
    }

    @Test func thePolicyBudgetCapsTheRun() async throws {
        let run = HostRun()
        let done = try await run.run("""
            def main(input):
                while True:
                    pass
            """, policy: try Policy(yaml: "budget: {fuel: 5000}\n"))
        #expect(done.trap?.reason == .outOfFuel)
        #expect(done.sandbox.stats.fuel <= 5000)
    }
}
