import CorralBytecode
import Foundation
import Testing

@testable import CorralVM

@Suite struct HostCallTests {
    @Test func hostCallSuspendsAndResumesWithItsAnswer() async throws {
        let echo = HostFunction(module: "test", name: "echo", basePrice: 100, pricePerByteUnit: 1) { call in
            call.positional[0]
        }
        let sandbox = try makeSandbox(hostCaller, hosts: [echo])
        let outcome = await sandbox.initialize()
        #expect(outcome == .returned(.int(42)))
        #expect(sandbox.stats.hostCalls == 1)
        // One block of 10 (import.get 1, const.int 1, call 5, const.int 1, add 1, end 1); the
        // host call costs its base price 100 plus 1 per 8 bytes copied each way (8 out, 8 back).
        #expect(sandbox.stats.fuel == 10 + 100 + 1 + 1)
    }

    @Test func hostCallFromAFunctionCalledInline() async throws {
        // main calls g(7) on the inline call path; g calls the host and adds its parameter to
        // the answer. The run leaves the loop inside g, so g's frame must survive the trip
        // (found by the fuzzer: the inline path did not record g's frame pointer).
        let text = """
            .import "test" "echo"
            .global "g"
            .start 1
            .func "g"
            .param "n"
              import.get 0
              const.int 6
              call 1 0
              local.get 0
              add
              end
            .func "main"
              func.make 0
              global.set 0
              global.get 0
              const.int 7
              call 1 0
              const.int 100
              add
              end
            """
        let echo = HostFunction(module: "test", name: "echo") { $0.positional[0] }
        #expect(await (try makeSandbox(text, hosts: [echo])).initialize() == .returned(.int(113)))
    }

    @Test func argumentsAreCopiesAndChargedPerByte() async throws {
        let text = """
            .import "test" "len"
            .const string "0123456789012345678901234567890123456789012345678901234567890123"
            .start 0
            .func "main"
              import.get 0
              const 0
              call 1 0
              end
            """
        let count = HostFunction(module: "test", name: "len", basePrice: 0, pricePerByteUnit: 1) { call in
            guard case .string(let s) = call.positional[0] else { throw HostError("want a string") }
            return .int(s.utf8.count)
        }
        let sandbox = try makeSandbox(text, hosts: [count])
        #expect(await sandbox.initialize() == .returned(.int(64)))
        // 8 fuel of code; the string is 8 + 64 bytes out (9 fuel), the int 8 bytes back (1).
        #expect(sandbox.stats.fuel == 8 + 9 + 1)
    }

    @Test func runsWaitingOnTheHostHoldNoThread() async throws {
        // Far more runs than the cooperative pool has threads all wait in a host call at
        // once; if a waiting run held a thread, the rest could never arrive at the gate.
        let gate = Gate()
        let wait = HostFunction(module: "test", name: "echo") { call in
            await gate.wait()
            return call.positional[0]
        }
        let runs = 500
        try await withThrowingTaskGroup(of: Sandbox.Outcome.self) { group in
            for _ in 0..<runs {
                let sandbox = try makeSandbox(hostCaller, hosts: [wait])
                group.addTask { await sandbox.initialize() }
            }
            while await gate.arrived < runs { try await Task.sleep(for: .milliseconds(5)) }
            await gate.release()
            var done = 0
            for try await outcome in group {
                #expect(outcome == .returned(.int(42)))
                done += 1
            }
            #expect(done == runs)
        }
    }

    @Test func hostErrorsTrapWithTheirReasonAndPosition() async throws {
        let deny = HostFunction(module: "test", name: "echo") { _ in
            throw HostError("refund above the ceiling", reason: .capabilityDenied)
        }
        let sandbox = try makeSandbox(hostCaller, hosts: [deny])
        let trap = try #require(await sandbox.initialize().trap)
        #expect(trap.reason == .capabilityDenied)
        #expect(trap.message == "test.echo: refund above the ceiling")
        #expect(trap.backtrace.first?.description == "  at main (caller.star:3:7)")

        let broken = HostFunction(module: "test", name: "echo") { _ in throw CancellationError() }
        let second = try makeSandbox(hostCaller, hosts: [broken])
        #expect(await second.initialize().trap?.reason == .hostError)
    }

    @Test func missingImportsAreALinkError() throws {
        #expect(throws: LinkError(missing: [Import(module: "test", name: "echo")])) {
            try makeSandbox(hostCaller)
        }
    }

    @Test func cyclicValuesCannotLeave() async throws {
        let text = """
            .import "test" "echo"
            .start 0
            .func "main"
            .locals 1
              list.new 0
              local.set 0
              local.get 0
              local.get 0
              list.push
              import.get 0
              local.get 0
              call 1 0
              end
            """
        let echo = HostFunction(module: "test", name: "echo") { $0.positional[0] }
        let trap = try #require(await makeSandbox(text, hosts: [echo]).initialize().trap)
        #expect(trap.message == "cannot pass a cyclic value to the host")
    }
}

@Suite struct InterruptTests {
    @Test func deadlineStopsAnEndlessLoop() async throws {
        // Enough fuel for seconds of running, so only the deadline can stop it in time.
        let sandbox = try makeSandbox(endlessLoop, budget: Budget(fuel: 2_000_000_000, timeout: .milliseconds(50)))
        let trap = try #require(await sandbox.initialize().trap)
        #expect(trap.reason == .deadlineExceeded)
        // Wall time is not the measure here: other tests share the two cooperative threads,
        // and the run may wait seconds for one. Fuel counts only the time it ran: the loop
        // burns ~10^8 a second, so stopping within a few slices of 50 ms keeps it far below 10^9.
        #expect(sandbox.stats.fuel < 1_000_000_000, "ran on to \(sandbox.stats.fuel) fuel")
    }

    @Test func deadlineCutsAHostCallShort() async throws {
        let slow = HostFunction(module: "test", name: "echo") { call in
            try await Task.sleep(for: .seconds(30))
            return call.positional[0]
        }
        let sandbox = try makeSandbox(hostCaller, budget: Budget(timeout: .milliseconds(50)), hosts: [slow])
        let start = ContinuousClock.now
        #expect(await sandbox.initialize().trap?.reason == .deadlineExceeded)
        // Well before the host's 30 s sleep ends: the deadline cancelled it. (Not tighter: the
        // run may wait seconds for a cooperative thread while other tests hold both.)
        #expect(ContinuousClock.now - start < .seconds(25))
    }

    @Test func cancelStopsARun() async throws {
        let sandbox = try makeSandbox(endlessLoop, budget: Budget(fuel: .max))
        let run = Task { await sandbox.initialize() }
        try await Task.sleep(for: .milliseconds(20))
        sandbox.cancel()
        #expect(await run.value.trap?.reason == .cancelled)
    }

    @Test func cancellingTheTaskCancelsTheRun() async throws {
        let slow = HostFunction(module: "test", name: "echo") { call in
            try await Task.sleep(for: .seconds(30))
            return call.positional[0]
        }
        let sandbox = try makeSandbox(hostCaller, hosts: [slow])
        let run = Task { await sandbox.initialize() }
        try await Task.sleep(for: .milliseconds(20))
        run.cancel()
        #expect(await run.value.trap?.reason == .cancelled)
    }
}

@Suite struct MemoryTests {
    /// Builds a list that holds itself and a tuple that holds the list: a cycle per run.
    static let cycles = """
        .start 0
        .func "main"
        .locals 2
          list.new 0
          local.set 0
          local.get 0
          local.get 0
          list.push
          local.get 0
          const.int 7
          tuple.new 2
          local.set 1
          local.get 0
          local.get 1
          list.push
          const.int 1
          end
        """

    // The 10,000-run resident-memory check runs in its own process (CorralCLITests), where
    // no concurrently running test can move the process's RSS.

    @Test func garbageIsCollectedUnderATightBudget() async throws {
        // 20,000 short-lived lists of 8 elements (about 160 bytes each) within 64 KiB.
        let text = """
            .start 0
            .func "churn"
            .locals 1
              block
                loop
                  local.get 0
                  const.int 20000
                  ge
                  br_if 1
                  const.int 1
                  const.int 2
                  const.int 3
                  const.int 4
                  const.int 5
                  const.int 6
                  const.int 7
                  const.int 8
                  list.new 8
                  drop
                  local.get 0
                  const.int 1
                  add
                  local.set 0
                  br 0
                end
              end
              local.get 0
              end
            """
        let sandbox = try makeSandbox(
            text.replacingOccurrences(of: ".locals 1\n", with: ".locals 1\n  const.int 0\n  local.set 0\n"),
            budget: Budget(memory: 64 << 10))
        #expect(await sandbox.initialize() == .returned(.int(20_000)))
        #expect(sandbox.stats.memoryPeak <= 64 << 10)
        #expect(sandbox.heap.collections > 0)
    }

    @Test func accountingIsExactAndDeterministic() async throws {
        var peaks: Set<Int> = []
        for _ in 0..<3 {
            let sandbox = try makeSandbox(MemoryTests.cycles)
            _ = await sandbox.initialize()
            peaks.insert(sandbox.stats.memoryPeak)
        }
        // Fixed parts: 256 stack slots and 16 frames (4096 + 512); then a list with two
        // slots (32 + 32) and a tuple of two (32 + 32).
        #expect(peaks == [4096 + 512 + 64 + 64])
    }
}

@Suite struct DeterminismTests {
    @Test func sameProgramSameFuelEveryRun() async throws {
        let text = try String(contentsOf: CorpusCase.directory.appendingPathComponent("fib.cas"), encoding: .utf8)
        var fuels: Set<Int64> = []
        for _ in 0..<5 {
            let sandbox = try makeSandbox(text)
            #expect(await sandbox.initialize() == .returned(.int(6765)))
            fuels.insert(sandbox.stats.fuel)
        }
        #expect(fuels == [328_367])
    }

    @Test func meteringOffGivesTheSameResult() async throws {
        let text = try String(contentsOf: CorpusCase.directory.appendingPathComponent("fib.cas"), encoding: .utf8)
        let off = try makeSandbox(text, budget: .unlimited, metered: false)
        #expect(await off.initialize() == .returned(.int(6765)))
        #expect(off.stats.fuel == 0)
    }
}

@Suite struct BudgetTests {
    @Test func constantsThatDoNotFitTheBudgetTrapOnEveryRun() async throws {
        let big = String(repeating: "x", count: 10_000)
        let text = """
            .const string "\(big)"
            .export func "main" 0
            .start 0
            .func "main"
              const 0
              end
            """
        let sandbox = try makeSandbox(text, budget: Budget(memory: 8 << 10))
        let trap = try #require(await sandbox.initialize().trap)
        #expect(trap.reason == .outOfMemory)
        #expect(await sandbox.call("main").trap?.reason == .outOfMemory)
    }

    @Test func depthLimitIsExact() async throws {
        // f calls itself through a global; with maxDepth 10 the init frame plus 9 frames of f fit.
        let text = """
            .global "f"
            .start 1
            .func "f"
            .param "n"
              local.get 0
              const.int 0
              eq
              if
                const.int 0
                return
              end
              global.get 0
              local.get 0
              const.int 1
              sub
              call 1 0
              end
            .func "init"
            .locals 0
              func.make 0
              global.set 0
              global.get 0
              const.int 8
              call 1 0
              end
            """
        #expect(await (try makeSandbox(text, budget: Budget(maxDepth: 10))).initialize() == .returned(.int(0)))
        let deeper = text.replacingOccurrences(of: "const.int 8\n", with: "const.int 9\n")
        #expect(await (try makeSandbox(deeper, budget: Budget(maxDepth: 10))).initialize().trap?.reason == .stackOverflow)
    }
    /// The run loop holds the stack and frame as pointers; a call that grows (moves) the stack
    /// must leave the caller's locals and pending operands intact. `sum(n)` keeps `n` in a
    /// local and `n * 1000` on the operand stack across the recursive call, 500 frames deep
    /// (the stack starts at 256 slots), through the inline call path (a plain function) and
    /// through the generic one (a closure with a default, bound by `callValue`).
    @Test(arguments: [true, false], [false, true])
    func stackGrowthKeepsCallerFrames(metered: Bool, generic: Bool) async throws {
        let text = """
            .global "sum"
            .start 1
            .func "sum"
            .param "n"
            \(generic ? ".param \"unused\" default" : "")
              local.get 0
              const.int 0
              eq
              if
                const.int 0
                return
              end
              local.get 0
              const.int 1000
              mul
              global.get 0
              local.get 0
              const.int 1
              sub
              call 1 0
              add
              local.get 0
              add
              end
            .func "init"
              \(generic ? "const.none" : "")
              func.make 0
              global.set 0
              global.get 0
              const.int 500
              call 1 0
              end
            """
        let sandbox = try makeSandbox(text, budget: Budget(maxDepth: 1000), metered: metered)
        // sum(n) = sum over k of (1000k + k) = 1001 * n(n+1)/2
        #expect(await sandbox.initialize() == .returned(.int(1001 * 500 * 501 / 2)))
    }
}
