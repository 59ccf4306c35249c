import BigInt
import CorralBytecode
import Testing

@testable import CorralVM

/// The run loop loads each op whole before its switch, so the op's layout is part of its
/// speed: no payload longer than 12 bytes (one 8-byte and one 4-byte load, then the tag).
/// The superinstructions that would not fit are fused only for small locals and constants;
/// the rest run unfused, with the same result and the same fuel.
@Suite struct OpLayoutTests {
    @Test func opsStaySmall() {
        #expect(MemoryLayout<Op>.size <= 13)
        #expect(MemoryLayout<Op>.stride == 16)
    }

    /// Counts local `counter` from 0 up to `bound` in a loop whose back edge is
    /// `local.get counter; const.int bound; lt; br_if`.
    static func countingLoop(counter: Int, bound: Int) -> String {
        """
        .start 0
        .func "main"
        .locals \(counter + 1)
          const.int 0
          local.set \(counter)
          loop
            local.get \(counter)
            const.int 1
            add
            local.set \(counter)
            local.get \(counter)
            const.int \(bound)
            lt
            br_if 0
          end
          local.get \(counter)
        end
        """
    }

    static func fusedBackEdges(_ text: String) throws -> Int {
        let vm = try ValidatedModule.validate(try Assembler.assemble(text))
        let f = vm.functions[0]
        return UnsafeBufferPointer(start: f.ops, count: f.count).filter {
            if case .jumpIfLocalConst = $0 { true } else { false }
        }.count
    }

    static func run(_ text: String) async throws -> (Sandbox.Outcome, Int64) {
        let sandbox = try makeSandbox(text, budget: Budget(fuel: 10_000_000))
        let outcome = await sandbox.initialize()
        return (outcome, sandbox.stats.fuel)
    }

    @Test(arguments: [
        (counter: 0, bound: 30_000, fused: true),
        (counter: 255, bound: 30_000, fused: true),
        (counter: 256, bound: 30_000, fused: false),  // local beyond 8 bits
        (counter: 0, bound: 40_000, fused: false),  // constant beyond 16 bits
        (counter: 0, bound: -40_000, fused: false),
    ])
    func fusionLimits(counter: Int, bound: Int, fused: Bool) async throws {
        let text = Self.countingLoop(counter: counter, bound: bound)
        #expect(try Self.fusedBackEdges(text) == (fused ? 1 : 0))
        let (outcome, fuel) = try await Self.run(text)
        #expect(outcome == .returned(.int(BigInt(max(bound, 1)))))
        // Fused or not, a loop of the same length costs the same: fuel is summed per block
        // before fusion: 4 for the ops outside the loop, 8 per iteration.
        #expect(fuel == 4 + 8 * Int64(max(bound, 1)))
    }
}
