import CorralBytecode
import Testing

@testable import CorralVM

/// Branches and calls pay for the block they land in (`Prepay`, 16 bits). A block costing more
/// than that gets a `charge 0` in front; these tests hold it to the same all-or-nothing fuel
/// as any other block.
@Suite struct PrepayTests {
    /// `i = 0; while True: <40,000 × (const.int 1; drop)>; i += 1; if i < 3: continue; break`:
    /// the loop body is one block of 80,008 fuel, entered by a branch three times.
    static let heavyLoop: String = {
        let heavy = String(repeating: "    const.int 1\n    drop\n", count: 40_000)
        return """
            .start 0
            .func "main"
            .locals 1
              const.int 0
              local.set 0
              loop
            \(heavy)    local.get 0
                const.int 1
                add
                local.set 0
                local.get 0
                const.int 3
                lt
                br_if 0
              end
              local.get 0
              end
            """
    }()
    static let entry: Int64 = 2
    static let body: Int64 = 80_000 + 8
    static let tail: Int64 = 2

    @Test func heavyBlockGetsASmallLanding() throws {
        let vm = try ValidatedModule.validate(try Assembler.assemble(Self.heavyLoop))
        let f = vm.functions[0]
        let ops = Array(UnsafeBufferPointer(start: f.ops, count: f.count))
        let heavy = try #require(ops.firstIndex { if case .charge(let n) = $0 { n > 65_535 } else { false } })
        guard case .charge(let n) = ops[heavy] else { Issue.record("not a charge"); return }
        #expect(n == Int32(Self.body))
        guard case .charge(0) = ops[heavy - 1] else {
            Issue.record("op before the heavy charge is \(ops[heavy - 1])")
            return
        }
        // The back-edge lands on the `charge 0`, prepaying nothing but the interrupt check
        // (targets are relative to the op after the branch).
        let back = ops.indices.contains { at in
            if case .jumpIfLocalConst(let t, _, let p, _, _) = ops[at] { at + 1 + Int(t) == heavy - 1 && p.taken == 0 } else { false }
        }
        #expect(back)
    }

    @Test func heavyBlockIsChargedWholeEachTime() async throws {
        let sandbox = try makeSandbox(Self.heavyLoop, budget: Budget(fuel: 1_000_000))
        #expect(await sandbox.initialize() == .returned(.int(3)))
        #expect(sandbox.stats.fuel == 240_028)
        #expect(sandbox.stats.fuel == Self.entry + 3 * Self.body + Self.tail)
    }

    @Test func heavyBlockIsAllOrNothingAndResumes() async throws {
        // One unit short of the third pass: nothing of that pass is charged.
        let before = Self.entry + 2 * Self.body
        let sandbox = try makeSandbox(Self.heavyLoop, budget: Budget(fuel: before + Self.body - 1))
        let trap = try #require(await sandbox.initialize().trap)
        #expect(trap.reason == .outOfFuel)
        #expect(sandbox.stats.fuel == before)
        #expect(await sandbox.resume(addingFuel: 1 + Self.tail) == .returned(.int(3)))
        #expect(sandbox.stats.fuel == 240_028)
    }

    @Test func fuelAboveTheCeilingIsCutSoInterruptsStillStop() async throws {
        // Fuel at or above the interrupt bits would pass the one compare that also checks the
        // flag; the sandbox cuts any budget to `maxFuel`, so a cancel still stops the run.
        let sandbox = try makeSandbox(endlessLoop, budget: Budget(fuel: .max))
        #expect(sandbox.fuel == Sandbox.maxFuel)
        #expect(Sandbox.maxFuel < InterruptFlag.yield)
        sandbox.cancel()
        #expect(await sandbox.initialize().trap?.reason == .cancelled)
        #expect(sandbox.stats.fuel == 0)
    }
}
