import CorralBytecode
import CorralVM
import Foundation
import Testing

@testable import CorralCompiler

/// Random and mutated Starlark fed to the whole pipeline: the compiler must answer every input
/// with a module or a `CompileError`, never a crash or a hang, and every module it makes must
/// pass the VM's validator and run (under a small budget) to a result or a trap.
///
/// Seeds are the Go implementation's test chunks plus Corral's own programs; each input is a
/// seed mutated at the byte level (flips, deletions, duplications), at the token level
/// (Starlark words and symbols spliced in), or spliced from two seeds. Deterministic by default:
/// `CORRAL_FUZZ_SEED=N` changes the stream, `CORRAL_FUZZ_ITERATIONS=N` its length (default
/// 5,000; a long run uses 500,000).
@Suite struct CompilerFuzzTests {
    static let tokens: [String] = [
        "def ", "lambda ", "if ", "elif ", "else", "for ", " in ", "while ", "return ", "break", "continue",
        "pass", "load(", "not ", " and ", " or ", "(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "+=", "|=",
        "*", "**", "+", "-", "//", "%", "<<", "==", "!=", "<", "\n", "\n    ", "\n        ", "\t", "\\\n",
        "x", "y", "f", "None", "True", "0", "1", "-1", "9223372036854775807", "1e308", "0x", "\"s\"",
        "'''", "\"\"\"", "r\"\\", "b\"\\x", "#", "[x for x in y]", "{k: v for k, v in x}", "*args", "**kw",
    ]

    /// A small deterministic generator (SplitMix64); kept local like the VM tests' own copy.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static func seeds() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for file in try GoCorpus.files(in: "starlark/testdata") {
            for chunk in try GoCorpus.chunks(of: file) { seeds.append(Array(chunk.text.utf8)) }
        }
        seeds.append(Array("def f(a, b=1, *c, d, **e):\n    return [x + a for x in c if x] or {d: e}\n".utf8))
        seeds.append(Array("x = 0\nfor i in range(3):\n    while x < i:\n        x += 1\n        if x: break\n".utf8))
        return seeds
    }

    static func mutate(_ seed: [UInt8], _ other: [UInt8], _ r: inout Random) -> [UInt8] {
        var s = seed
        for _ in 0..<(1 + r.below(4)) {
            let at = r.below(s.count + 1)
            switch r.below(6) {
            case 0 where !s.isEmpty:
                s[min(at, s.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << r.below(8))
            case 1 where !s.isEmpty:
                s.removeSubrange(at..<min(s.count, at + 1 + r.below(16)))
            case 2:
                s.insert(contentsOf: Array(tokens[r.below(tokens.count)].utf8), at: at)
            case 3 where !s.isEmpty:
                let start = r.below(s.count)
                let piece = s[start..<min(s.count, start + 1 + r.below(64))]
                s.insert(contentsOf: piece, at: min(at, s.count))
            case 4 where !other.isEmpty:
                let start = r.below(other.count)
                s.insert(contentsOf: other[start..<min(other.count, start + 1 + r.below(200))], at: at)
            default:
                s.insert(UInt8(truncatingIfNeeded: r.next()), at: at)
            }
        }
        return s
    }

    @Test func compilerAnswersEveryInputAndItsModulesValidate() async throws {
        let env = ProcessInfo.processInfo.environment
        let iterations = env["CORRAL_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5_000
        var r = Random(state: env["CORRAL_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xC0FFEE)
        let seeds = try Self.seeds()
        let assert = try String(contentsOfFile: GoCorpus.root + "/starlarktest/assert.star", encoding: .utf8)
        var compiled = 0
        var invalid: [String] = []
        var outcomes: [String: Int] = [:]
        for i in 0..<iterations {
            // Compiling blocks this thread; give the other tests the pool between inputs.
            await Task.yield()
            let input = Self.mutate(seeds[r.below(seeds.count)], seeds[r.below(seeds.count)], &r)
            let text = String(decoding: input, as: UTF8.self)
            let module: Module
            do {
                module = try StarlarkCompiler.compile(text, file: "fuzz.star") { path in
                    guard path == "assert.star" else { throw LoadFailure("no such file") }
                    return assert
                }
            } catch {
                continue
            }
            compiled += 1
            let vm: ValidatedModule
            do {
                vm = try ValidatedModule.validate(module)
            } catch {
                // Keep the first few: each is a compiler bug (it made bytecode the VM refuses).
                if invalid.count < 5 { invalid.append("input \(i): \(error)\n\(text)") }
                continue
            }
            guard let sandbox = try? Sandbox(module: vm, budget: Budget(fuel: 20_000, memory: 1 << 20, maxDepth: 200), print: { _ in }) else {
                continue
            }
            switch await sandbox.initialize() {
            case .returned: outcomes["returned", default: 0] += 1
            case .trapped(let t): outcomes[t.reason.rawValue, default: 0] += 1
            }
        }
        print("compiler fuzz: \(iterations) inputs, \(compiled) compiled, outcomes \(outcomes.sorted { $0.key < $1.key })")
        #expect(invalid.isEmpty, "compiled modules the validator rejects:\n\(invalid.joined(separator: "\n---\n"))")
        // The mutations must leave enough programs whole for the run half to mean something.
        #expect(compiled > iterations / 20)
    }
}
