import CorralBytecode
import Testing

@testable import CorralVM

/// Runs every case of bytecode/tests metered and unmetered; both must agree with the
/// expectation, and the metered run must use exactly the pinned fuel.
@Suite struct ConformanceTests {
    @Test func corpusIsNotEmpty() {
        #expect(CorpusCase.all.count >= 25)
    }

    @Test(arguments: CorpusCase.all)
    func corpusCase(_ c: CorpusCase) async throws {
        let module = try Assembler.assemble(c.text, file: c.name)
        let expectation = try #require(c.expectation, "\(c.name) has no `;; expect:` line")
        // The binary form must round-trip before anything runs.
        #expect(try ModuleDecoder.decode(ModuleEncoder.encode(module)) == module)

        if case .invalid(let text) = expectation {
            for metered in [true, false] {
                #expect(throws: ValidationError.self) { try ValidatedModule.validate(module, metered: metered) }
                do {
                    _ = try ValidatedModule.validate(module, metered: metered)
                } catch {
                    #expect(error.description.contains(text), "\(c.name): \(error)")
                }
            }
            return
        }

        for metered in c.meteredOnly ? [true] : [true, false] {
            let vm = try ValidatedModule.validate(module, metered: metered)
            var budget = c.budget
            if !metered {
                budget.fuel = .max
            }
            let sandbox = try Sandbox(module: vm, budget: budget, print: { _ in })
            let outcome = await sandbox.initialize(freeze: false)
            let mode = metered ? "metered" : "unmetered"
            switch (expectation, outcome) {
            case (.returns(let want), .returned(let got)):
                #expect(got.description == want, "\(c.name) (\(mode))")
            case (.traps(let reason, let text), .trapped(let trap)):
                #expect(trap.reason == reason, "\(c.name) (\(mode)): \(trap)")
                #expect(trap.message.contains(text), "\(c.name) (\(mode)): \(trap.message)")
                if let resume = c.resume, metered {
                    let resumed = await sandbox.resume(addingFuel: resume.fuel)
                    #expect(resumed.value?.description == resume.value, "\(c.name): resumed to \(resumed)")
                }
            default:
                Issue.record("\(c.name) (\(mode)): expected \(expectation), got \(outcome)")
            }
            if metered, let fuel = c.fuel {
                #expect(sandbox.stats.fuel == fuel, "\(c.name): fuel")
            }
        }
    }

    /// Resuming after out-of-fuel reaches the same result, and the same total fuel, as a run
    /// with the whole budget from the start.
    @Test func resumedRunUsesTheSameFuelAsOneRun() async throws {
        let c = try #require(CorpusCase.all.first { $0.name == "fuel-resume.cas" })
        let vm = try ValidatedModule.validate(try Assembler.assemble(c.text))
        let whole = try Sandbox(module: vm, budget: Budget(fuel: 2_300), print: { _ in })
        let wholeOutcome = await whole.initialize()
        let split = try Sandbox(module: vm, budget: Budget(fuel: 300), print: { _ in })
        _ = await split.initialize()
        let resumed = await split.resume(addingFuel: 2_000)
        #expect(wholeOutcome.value == .int(4950))
        #expect(resumed == wholeOutcome)
        #expect(split.stats.fuel == whole.stats.fuel)
    }
}
