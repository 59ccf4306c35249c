import Foundation
import Testing

@testable import CorralServer

/// Admission by memory: runs fit the capacity, then queue in order, then are refused.
@Suite struct AdmissionTests {
    @Test func admitsQueuesAndRefuses() async throws {
        let a = Admission(capacity: 100, maxQueued: 2)
        guard case .admitted = a.request(60) else { Issue.record("first run not admitted"); return }
        guard case .queued(let second) = a.request(60) else { Issue.record("second run not queued"); return }
        // A small run that would fit still queues behind the first waiter: FIFO, no starvation.
        guard case .queued(let third) = a.request(10) else { Issue.record("third run not queued"); return }
        guard case .refused = a.request(1) else { Issue.record("fourth run not refused"); return }
        #expect(a.queued == 2 && a.reserved == 60)
        a.release(60)
        #expect(await second.admitted())
        #expect(await third.admitted())
        #expect(a.queued == 0 && a.reserved == 70)
    }

    @Test func aWithdrawnRunLeavesTheQueue() async throws {
        let a = Admission(capacity: 10, maxQueued: 5)
        _ = a.request(10)
        guard case .queued(let t) = a.request(5) else { Issue.record("not queued"); return }
        #expect(a.withdraw(t))
        #expect(await t.admitted() == false)
        a.release(10)
        #expect(a.reserved == 0 && a.queued == 0)
    }

    @Test func cpuSlotsServeWaitersInOrder() async throws {
        let slots = CPUSlots(1)
        await slots.acquire()
        let order = OrderLog()
        let first = Task { await slots.acquire(); order.add(1); slots.release() }
        while slots.waiting < 1 { await Task.yield() }
        let second = Task { await slots.acquire(); order.add(2); slots.release() }
        while slots.waiting < 2 { await Task.yield() }
        slots.release()
        await first.value
        await second.value
        #expect(order.items == [1, 2])
    }

    /// Through the API: with room for one run's memory and no queue, a second run is refused
    /// with 429 and Retry-After while the first runs; refusals are counted.
    @Test func theServiceAnswers429WhenFull() async throws {
        let h = try await ServiceHarness.make { s in
            s.limits = PodLimits(memoryBytes: 64 << 20, cpus: 1, memorySource: "test", cpuSource: "test")
            s.memoryShare = 0.5  // 32 MiB: one run of the default 32 MiB budget
            s.maxQueuedRuns = 0
            s.drainGrace = .milliseconds(10)
        }
        try await h.test { c in
            try await c.putAgent("spin", source: Agents.spin, policy: Agents.spinPolicy, key: h.acme)
            let first = try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}")
            #expect(first.status == 202)
            let second = try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}")
            #expect(second.status == 429 && second.code == "queue-full")
            #expect(second.headers[.retryAfter] == "1")
            #expect(try await c.call(.get, "/metrics", key: nil).text.contains("corral_admission_refusals_total{reason=\"queue-full\"} 1"))
            let id = try #require(first["id"] as? String)
            _ = try await c.call(.delete, "/v1/runs/\(id)", key: h.acme)
            await h.service.runs.live(id)?.waitDone(timeout: .seconds(10))
            // Its memory is given back: the next run is admitted.
            #expect(try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}").status == 202)
            await h.service.drain()
        }
    }

    /// A queued run starts when memory comes free, and is recorded `queued` until then.
    @Test func aQueuedRunStartsWhenMemoryFrees() async throws {
        let h = try await ServiceHarness.make { s in
            s.limits = PodLimits(memoryBytes: 64 << 20, cpus: 1, memorySource: "test", cpuSource: "test")
            s.memoryShare = 0.5
        }
        try await h.test { c in
            try await c.putAgent("spin", source: Agents.spin, policy: Agents.spinPolicy, key: h.acme)
            try await c.putAgent("hello", source: Agents.hello, key: h.acme)
            let spin = try await c.call(.post, "/v1/agents/spin/runs", key: h.acme, body: "{}")
            let queued = try await c.call(.post, "/v1/agents/hello/runs", key: h.acme, body: "{}")
            #expect(queued.status == 202 && queued["status"] as? String == "queued")
            _ = try await c.call(.delete, "/v1/runs/\(spin["id"] as! String)", key: h.acme)
            let id = try #require(queued["id"] as? String)
            await h.service.runs.live(id)?.waitDone(timeout: .seconds(10))
            #expect(try await c.call(.get, "/v1/runs/\(id)", key: h.acme)["status"] as? String == "returned")
        }
    }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    func add(_ i: Int) { lock.withLock { stored.append(i) } }
    var items: [Int] { lock.withLock { stored } }
}
