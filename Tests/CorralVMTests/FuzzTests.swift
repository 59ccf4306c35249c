import CorralBytecode
import Foundation
import Synchronization
import Testing

@testable import CorralVM

/// The trust boundary under fire: decoding and validating any byte string either succeeds or
/// fails with a precise error, never a crash, a hang or an allocation the input does not back;
/// and code that validates runs to a result or a trap.
///
/// Environment: `CORRAL_FUZZ_ITERATIONS` (default 50,000 inputs per run), `CORRAL_FUZZ_SEED`
/// (default fixed, so CI is reproducible; decimal or 0x-hex), `CORRAL_FUZZ_ONLY=N` (replay input
/// N of each lane only), `CORRAL_FUZZ_RUN_EVERY=N` (execute one validated module in N; default 1),
/// `CORRAL_FUZZ_SAVE=1` (write failing inputs into FuzzRegressions/), `CORRAL_FUZZ_VERBOSE=1`
/// (what stops the runs, and the slowest one), `CORRAL_FUZZ_HEX` / `CORRAL_FUZZ_TEXT` (replay one
/// input with `replayOne`).
///
/// Every validated module is run: in a debug build the default 50,000 inputs take about 40 s
/// on two cores, generation and validation included (the runs are under a tenth of it).
@Suite struct FuzzTests {
    // Each lane is split into two shards (alternate inputs) that run in parallel, one a core.

    @Test(arguments: 0..<2) func randomBytes(shard: Int) async {
        await FuzzLane.random.run(shard: shard) { rng in rng.randomInput() }
    }

    @Test(arguments: 0..<2) func mutatedModules(shard: Int) async {
        let seeds = FuzzSeeds.encoded
        await FuzzLane.mutated.run(shard: shard) { rng in
            var mutator = Mutator(rng: rng, seeds: seeds)
            defer { rng = mutator.rng }
            let seed = mutator.rng.pick(seeds)
            switch mutator.rng.below(3) {
            case 0, 1: return mutator.mutate(seed)
            default:
                // Decodable but broken: the validator, not the decoder, has to say no.
                guard var module = try? ModuleDecoder.decode(seed) else { return mutator.mutate(seed) }
                mutator.mutate(&module)
                let bytes = ModuleEncoder.encode(module)
                return mutator.rng.oneIn(4) ? mutator.mutate(bytes) : bytes
            }
        }
    }

    @Test(arguments: 0..<2) func generatedPrograms(shard: Int) async {
        await FuzzLane.generated.run(shard: shard) { rng in
            var generator = ProgramGenerator(seed: rng)
            var module = generator.module()
            rng = generator.rng
            if rng.oneIn(5) {
                var mutator = Mutator(rng: rng, seeds: [])
                mutator.mutate(&module)
                rng = mutator.rng
            }
            return ModuleEncoder.encode(module)
        }
    }

    /// The generator is worth its keep only if what it makes validates and runs deeply.
    @Test func generatedProgramsMostlyValidate() async throws {
        var valid = 0
        var returned = 0
        for i in 0..<200 {
            var generator = ProgramGenerator(seed: SplitMix64(seed: UInt64(i)))
            let module = generator.module()
            let vm: ValidatedModule
            do { vm = try ValidatedModule.validate(module) } catch {
                if FuzzConfig.current.verbose { print("generated program \(i) is invalid: \(error)\n\(Disassembler.disassemble(module))") }
                continue
            }
            valid += 1
            if case .returned = await FuzzOracle.execute(vm).outcome { returned += 1 }
        }
        #expect(valid >= 190, "only \(valid) of 200 generated programs validate")
        #expect(returned >= 20, "only \(returned) of 200 generated programs return")
    }

    /// Counts and lengths that claim up to 2^32-1 items in a few bytes are refused where they
    /// stand, before anything is allocated for them.
    @Test func hugeClaimsFailFastWithoutAllocating() throws {
        let claims = HugeClaim.all
        #expect(claims.count >= 15)
        let before = residentBytes()
        let peakBefore = peakResidentBytes()
        let clock = ContinuousClock()
        let began = clock.now
        for claim in claims {
            for _ in 0..<20 {
                do {
                    _ = try ModuleDecoder.decode(claim.bytes)
                    Issue.record("\(claim.name): decoded")
                } catch {
                    #expect(error.offset == claim.offset, "\(claim.name): \(error)")
                    #expect(error.message.contains(claim.says), "\(claim.name): \(error)")
                }
            }
            #expect(throws: LoadError.self) { try ValidatedModule.load(claim.bytes) }
        }
        let took = began.duration(to: clock.now)
        let grew = residentBytes() - before
        let peakGrew = peakResidentBytes() - peakBefore
        print("fuzz: \(claims.count) huge claims ×20 refused in \(took); resident memory grew \(grew >> 10) KiB, its peak \(peakGrew >> 10) KiB")
        #expect(took < .seconds(1))
        #expect(grew < 64 << 20, "resident memory grew by \(grew) bytes")
        #expect(peakGrew < 64 << 20, "peak resident memory grew by \(peakGrew) bytes")
    }

    /// A module rejected at its last function frees what the validator already translated:
    /// a server that turns away bad uploads must not grow with each one.
    @Test func rejectedModulesLeaveNothingBehind() throws {
        var code: [Instruction] = []
        for _ in 0..<25_000 { code += [Instruction(.constInt, int: 1), Instruction(.drop)] }
        code += [Instruction(.constNone), Instruction(.end)]
        var m = Module()
        m.functions = [
            Function(name: "big", code: code),
            Function(name: "bad", code: [Instruction(.drop), Instruction(.constNone), Instruction(.end)]),
        ]
        let rounds = 32
        let translated = MemoryLayout<Op>.stride * code.count  // what one round would leak
        _ = try? ValidatedModule.validate(m)
        // Malloc statistics are process-wide and other tests run alongside, so take the least
        // growth of five windows: a real leak shows in every one (32 × 800 KiB), a neighbour's
        // burst (up to ~5 MiB seen in CI) in few.
        var grew = Int.max
        for _ in 0..<5 {
            let before = mallocInUse()
            for _ in 0..<rounds {
                #expect(throws: ValidationError.self) { try ValidatedModule.validate(m) }
            }
            grew = min(grew, mallocInUse() - before)
        }
        print("fuzz: \(rounds) rejected modules of \(code.count) instructions, 5 times; memory in use grew at least \(grew >> 10) KiB")
        #expect(grew < rounds * translated / 2, "memory in use grew by \(grew >> 10) KiB over \(rounds) rejections (\(translated >> 10) KiB translated each)")
    }

    /// Every input that ever crashed or hung, plus hand-made nasty ones: replayed forever.
    @Test func regressionsReplay() async throws {
        let files = FuzzRegressions.files()
        #expect(files.count >= 8, "FuzzRegressions/ holds \(files.count) inputs")
        CrashReporter.install()
        for url in files {
            let bytes = [UInt8](try Data(contentsOf: url))
            var stats = FuzzStats()
            InFlight.begin(lane: 0, bytes, name: url.deletingPathExtension().lastPathComponent)
            // Big inputs skip the text round trip: a 64 KiB big-int constant takes 15 s to write
            // in decimal and 14 s to read back in a debug build (quadratic base conversion).
            let problems = await FuzzOracle.check(bytes, run: true, roundTrip: bytes.count <= 16 << 10, stats: &stats)
            InFlight.end(lane: 0)
            #expect(problems.isEmpty, "\(url.lastPathComponent): \(problems.joined(separator: "; "))")
        }
    }

    /// The inputs in FuzzRegressions/ do what its README.md says they do.
    @Test func regressionsDoWhatTheReadmeSays() async throws {
        let expected: [String: String] = [
            "crash-generated-c022a1-53903": "traps runtime-error: f2() accepts no more than 0 positional argument(s)",
            "crash-generated-c022a1-53903-minimized": "returns None",
            "handmade-huge-constant-count": "malformed at 10: constant count 4294967295 exceeds the limit",
            "handmade-huge-section-size": "malformed at 9: section size 4294967295 runs past the end",
            "handmade-huge-code-size": "malformed at 18: code size 4294967295 runs past the end",
            "handmade-huge-debug-local-count": "malformed at 19: debug local name count 65535 is more than the remaining",
            "handmade-overlong-leb": "malformed at 10: function count does not fit in 32 bits",
            "handmade-max-length-lebs": "returns -9223372036854775808",
            "handmade-nesting-1024-valid": "returns None",
            "handmade-nesting-1025-rejected": "invalid: blocks nest deeper than 1024",
            "handmade-nested-loops-endless": "traps out-of-fuel",
            "handmade-stack-height-over-limit": "invalid: operand stack exceeds 65535 values",
            "handmade-start-recurses": "traps stack-overflow",
            "handmade-start-recurses-huge-frames": "traps out-of-memory",
            "handmade-unpack-at-stack-limit": "traps out-of-memory",
            "handmade-bigint-at-limit": "traps out-of-fuel",
        ]
        let files = Dictionary(uniqueKeysWithValues: FuzzRegressions.files().map { ($0.deletingPathExtension().lastPathComponent, $0) })
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            let url = try #require(files[name], "FuzzRegressions/\(name).bin is missing")
            let got = await FuzzOracle.verdict([UInt8](try Data(contentsOf: url)))
            #expect(got.hasPrefix(want), "\(name): \(got)")
        }
    }

    /// Replays one input: hex in `CORRAL_FUZZ_HEX` (as a failure message prints it), or a
    /// text-form file named by `CORRAL_FUZZ_TEXT`, assembled and encoded.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CORRAL_FUZZ_HEX"] != nil || ProcessInfo.processInfo.environment["CORRAL_FUZZ_TEXT"] != nil))
    func replayOne() async throws {
        let env = ProcessInfo.processInfo.environment
        let bytes: [UInt8]
        if let path = env["CORRAL_FUZZ_TEXT"] {
            bytes = ModuleEncoder.encode(try Assembler.assemble(try String(contentsOfFile: path, encoding: .utf8)))
        } else {
            let digits = Array((env["CORRAL_FUZZ_HEX"] ?? "").utf8).compactMap { UInt8(String(UnicodeScalar($0)), radix: 16) }
            bytes = stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
        }
        if env["CORRAL_FUZZ_HEX"] != nil, let m = try? ModuleDecoder.decode(bytes) { print(Disassembler.disassemble(m)) }
        var stats = FuzzStats()
        let problems = await FuzzOracle.check(bytes, run: true, roundTrip: true, stats: &stats)
        print("fuzz: \(stats)")
        switch Result(catching: { () throws(LoadError) in try ValidatedModule.load(bytes) }) {
        case .success(let vm): print("fuzz: outcome \(await FuzzOracle.execute(vm))")
        case .failure(let e): print("fuzz: \(e)")
        }
        #expect(problems.isEmpty, "\(problems)")
    }

    /// The seeds are what the mutations start from: they must all decode.
    @Test func seedsDecode() throws {
        #expect(FuzzSeeds.encoded.count >= 40)
        for seed in FuzzSeeds.encoded { _ = try ModuleDecoder.decode(seed) }
    }
}

// MARK: - Configuration

struct FuzzConfig: Sendable {
    var iterations = 50_000
    var seed: UInt64 = 0xC0_22A1
    var only: Int?
    var runEvery = 1
    var save = false
    var verbose = false

    static let current: FuzzConfig = {
        let env = ProcessInfo.processInfo.environment
        var c = FuzzConfig()
        if let n = env["CORRAL_FUZZ_ITERATIONS"].flatMap({ Int($0) }) { c.iterations = n }
        if let s = env["CORRAL_FUZZ_SEED"] {
            if let v = s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : UInt64(s) { c.seed = v }
        }
        c.only = env["CORRAL_FUZZ_ONLY"].flatMap { Int($0) }
        if let n = env["CORRAL_FUZZ_RUN_EVERY"].flatMap({ Int($0) }), n > 0 { c.runEvery = n }
        c.save = env["CORRAL_FUZZ_SAVE"] == "1"
        c.verbose = env["CORRAL_FUZZ_VERBOSE"] == "1"
        return c
    }()
}

/// One stream of inputs, with its share of the iterations. The lanes run as separate tests,
/// so they use both cores.
enum FuzzLane: Int, CaseIterable, Sendable {
    case random = 1, mutated, generated

    var share: Double {
        switch self {
        case .random: 0.25
        case .mutated: 0.45
        case .generated: 0.3
        }
    }

    var name: String {
        switch self {
        case .random: "random"
        case .mutated: "mutated"
        case .generated: "generated"
        }
    }

    static let shards = 2

    /// Runs this shard's inputs: those whose index is `shard` modulo `shards`. Input `i` is
    /// the same however the lane is sharded.
    func run(shard: Int, _ makeInput: (inout SplitMix64) -> [UInt8]) async {
        let config = FuzzConfig.current
        let count = max(1, Int((Double(config.iterations) * share).rounded()))
        let indices = config.only.map { $0 % Self.shards == shard ? [$0] : [] }
            ?? Array(stride(from: shard, to: count, by: Self.shards))
        let slot = rawValue * Self.shards + shard
        print("fuzz \(name) \(shard): seed 0x\(String(config.seed, radix: 16)) (CORRAL_FUZZ_SEED), \(indices.count) inputs")
        CrashReporter.install()
        var stats = FuzzStats()
        var failures = 0
        let clock = ContinuousClock()
        let began = clock.now
        var executed = 0
        for i in indices {
            var rng = SplitMix64.forInput(seed: config.seed, lane: UInt64(rawValue), index: i)
            let bytes = makeInput(&rng)
            InFlight.begin(lane: slot, bytes, name: "\(name)-\(String(config.seed, radix: 16))-\(i)")
            let validatedBefore = stats.validated
            let run = (executed % config.runEvery) == 0
            let problems = await FuzzOracle.check(bytes, run: run, roundTrip: i % 4 == 0, stats: &stats)
            InFlight.end(lane: slot)
            // A sandbox gives up its thread every time slice; the shards share two threads, so
            // they must give theirs up too, or a yielded run waits past its deadline.
            await Task.yield()
            if stats.validated > validatedBefore { executed += 1 }
            guard !problems.isEmpty else { continue }
            failures += 1
            let file = config.save ? FuzzRegressions.save(bytes, name: "\(name)-\(String(config.seed, radix: 16))-\(i)") : nil
            if failures <= 10 {
                Issue.record(
                    """
                    fuzz \(name) input \(i) (seed 0x\(String(config.seed, radix: 16))): \(problems.joined(separator: "; "))
                    input: \(hex(bytes))\(file.map { "\nsaved as \($0)" } ?? "")
                    """)
            }
        }
        let took = began.duration(to: clock.now)
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        print("fuzz \(name) \(shard): \(stats) in \(took) (\(Int(Double(stats.inputs) / max(seconds, 1e-9))) inputs/s), \(failures) failing")
    }
}

// MARK: - The oracle

struct FuzzStats: CustomStringConvertible {
    var inputs = 0
    var decoded = 0
    var validated = 0
    var ran = 0
    var returned = 0
    var traps: [TrapReason: Int] = [:]
    var roundTrips = 0
    var slowestCheck: Duration = .zero
    var slowestRun: Duration = .zero
    /// Counted only with CORRAL_FUZZ_VERBOSE=1, to see what stops generated programs early.
    var trapMessages: [String: Int] = [:]
    var slowestRunInput: [UInt8] = []

    var description: String {
        let trapped = traps.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        return "\(inputs) inputs, \(decoded) decoded, \(validated) validated, \(ran) ran (\(returned) returned; trapped: \(trapped)), "
            + "\(roundTrips) round trips; slowest decode+validate \(slowestCheck), slowest run \(slowestRun)"
            + trapMessages.sorted { $0.value > $1.value }.prefix(15).map { "\n  \($0.value)× \($0.key)" }.joined()
            + (slowestRunInput.isEmpty ? "" : "\n  slowest run: \(hex(slowestRunInput))")
    }
}

enum FuzzOracle {
    /// Fuel is what bounds a run's work; the deadline is generous because under CI load
    /// (every fuzz shard and test sharing two cores) a program that makes a few hundred host
    /// calls can legitimately wait seconds for a thread, which is not a hang. 20 s was once
    /// not enough while a second build shared the machine (a regression input that runs in
    /// 0.02 s alone read deadline-exceeded), hence 60.
    static let budget = Budget(fuel: 20_000, memory: 1 << 20, timeout: .seconds(60), maxDepth: 64)
    /// Decoding and validating any input must take less than this (quiet machine: < 0.05 s).
    static let checkLimit: Duration = .seconds(5)
    /// A run stops at its deadline; this much later is a hang.
    static let runLimit: Duration = .seconds(75)

    /// Checks one input against the contract and returns what it broke (nothing, normally).
    static func check(_ bytes: [UInt8], run: Bool, roundTrip: Bool, stats: inout FuzzStats) async -> [String] {
        stats.inputs += 1
        var problems: [String] = []
        let clock = ContinuousClock()
        let began = clock.now
        let loaded: Result<ValidatedModule, LoadError>
        do { loaded = .success(try ValidatedModule.load(bytes)) } catch { loaded = .failure(error) }
        let took = began.duration(to: clock.now)
        stats.slowestCheck = max(stats.slowestCheck, took)
        if took > checkLimit { problems.append("decode+validate took \(took) (hang)") }

        var module: Module?
        switch loaded {
        case .failure(.decode(let e)):
            if e.offset < 0 || e.offset > bytes.count { problems.append("decode error offset \(e.offset) outside 0...\(bytes.count): \(e)") }
            if e.message.isEmpty { problems.append("decode error without a message at \(e.offset)") }
            if e.function.map({ $0 < 0 }) == true || e.pc.map({ $0 < 0 }) == true { problems.append("negative function or pc: \(e)") }
            if e.pc != nil && e.function == nil { problems.append("decode error with a pc but no function: \(e)") }
        case .failure(.validation(let e)):
            do { module = try ModuleDecoder.decode(bytes) } catch { problems.append("validation failed but decoding alone fails: \(error)") }
            if e.message.isEmpty { problems.append("validation error without a message") }
            if let m = module {
                if let f = e.function {
                    if f < 0 || f >= m.functions.count {
                        problems.append("validation error names function \(f) of \(m.functions.count): \(e)")
                    } else if let pc = e.pc, pc < 0 || pc > m.functions[f].code.count {
                        problems.append("validation error pc \(pc) outside 0...\(m.functions[f].code.count): \(e)")
                    }
                } else if e.pc != nil {
                    problems.append("validation error with a pc but no function: \(e)")
                }
            }
        case .success(let vm):
            module = vm.module
            stats.validated += 1
            // Metering changes the translation, never the verdict (checked with the round trips).
            if roundTrip, (try? ValidatedModule.validate(vm.module, metered: false)) == nil {
                problems.append("validates metered but not unmetered")
            }
            if run {
                let (outcome, runTook) = await execute(vm)
                stats.ran += 1
                if runTook > stats.slowestRun {
                    stats.slowestRun = runTook
                    if FuzzConfig.current.verbose { stats.slowestRunInput = bytes }
                }
                if runTook > runLimit { problems.append("run took \(runTook) (hang)") }
                switch outcome {
                case .returned: stats.returned += 1
                case .trapped(let t):
                    stats.traps[t.reason, default: 0] += 1
                    // `fail()` may say nothing; every other trap explains itself.
                    if t.message.isEmpty && t.reason != .fail { problems.append("trap \(t.reason.rawValue) without a message") }
                    if FuzzConfig.current.verbose { stats.trapMessages[String(t.message.prefix(60)), default: 0] += 1 }
                }
            }
        }
        if let m = module {
            stats.decoded += 1
            if roundTrip {
                if (try? ModuleDecoder.decode(ModuleEncoder.encode(m))) != m { problems.append("binary round trip changed the module") }
                stats.roundTrips += 1
                do {
                    let back = try Assembler.assemble(Disassembler.disassemble(m))
                    if back != m { problems.append("text round trip changed the module") }
                } catch {
                    problems.append("disassembly does not reassemble: \(error)")
                }
            }
        }
        return problems
    }

    /// What an input does, in one line: `malformed at N: …`, `invalid: …`, `returns V` or
    /// `traps REASON: …` (run as `check` runs it).
    static func verdict(_ bytes: [UInt8]) async -> String {
        do throws(LoadError) {
            let vm = try ValidatedModule.load(bytes)
            switch await execute(vm).outcome {
            case .returned(let v): return "returns \(v)"
            case .trapped(let t): return "traps \(t.reason.rawValue): \(t.message)"
            }
        } catch {
            switch error {
            case .decode(let e): return "malformed at \(e.offset): \(e.message)"
            case .validation(let e): return "invalid: \(e.message)"
            }
        }
    }

    /// Runs the start function with a tiny budget, then (if it returned) one exported function.
    static func execute(_ vm: ValidatedModule) async -> (outcome: Sandbox.Outcome, took: Duration) {
        let hosts = vm.module.imports.map { i in
            HostFunction(module: i.module, name: i.name, basePrice: 10) { call in .list(call.positional) }
        }
        let clock = ContinuousClock()
        let began = clock.now
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox(module: vm, budget: budget, hostFunctions: hosts, print: { _ in })
        } catch {
            return (.trapped(Trap(.runtimeError, "link: \(error)")), began.duration(to: clock.now))
        }
        var outcome = await sandbox.initialize()
        if case .returned = outcome, let export = vm.module.exports.first(where: { $0.kind == .function }) {
            let arity = vm.module.functions[Int(export.index)].params.count
            let args: [HostValue] = [.int(3), .string("a,b"), .list([.int(1), .none]), .dict([]), .bool(true)]
            outcome = await sandbox.call(export.name, Array(args.prefix(arity)))
        }
        return (outcome, began.duration(to: clock.now))
    }
}

// MARK: - Seeds and regressions

enum FuzzSeeds {
    /// The conformance corpus (valid and invalid modules) and generated programs, encoded.
    static let encoded: [[UInt8]] = {
        var seeds: [[UInt8]] = []
        for c in CorpusCase.all {
            if let m = try? Assembler.assemble(c.text, file: c.name) { seeds.append(ModuleEncoder.encode(m)) }
        }
        for i in 0..<32 {
            var generator = ProgramGenerator(seed: SplitMix64(seed: 0x5EED_0000 + UInt64(i)))
            seeds.append(ModuleEncoder.encode(generator.module()))
        }
        return seeds
    }()
}

enum FuzzRegressions {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

    static func files() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Writes a failing input for the replay test; returns its path.
    static func save(_ bytes: [UInt8], name: String) -> String? {
        let url = directory.appendingPathComponent(name + ".bin")
        do {
            try Data(bytes).write(to: url)
            return url.path
        } catch {
            return nil
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Resident memory of this process, from /proc/self/statm (0 where there is none).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Bytes malloc has handed out and not had back, over all threads, from glibc's `malloc_info`
/// (the resident size where there is none). Unlike the resident size it falls when memory is
/// freed, so the other tests running meanwhile add little noise.
func mallocInUse() -> Int {
    #if canImport(Glibc)
    // malloc.h is not in Swift's Glibc module; `malloc_info(0, FILE *)` writes XML statistics.
    typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
    guard let symbol = dlsym(nil, "malloc_info") else { return residentBytes() }
    var buffer: UnsafeMutablePointer<CChar>?
    var length = 0
    guard let stream = open_memstream(&buffer, &length) else { return residentBytes() }
    _ = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
    fclose(stream)
    defer { free(buffer) }
    guard let buffer else { return residentBytes() }
    // The totals over all arenas come last: free chunks ("fast", "rest"), mmapped chunks, and
    // the memory taken from the system.
    let xml = String(cString: buffer)
    func size(_ tag: String) -> Int {
        guard let r = xml.range(of: tag, options: .backwards),
            let s = xml.range(of: "size=\"", range: r.upperBound..<xml.endIndex)
        else { return 0 }
        return Int(xml[s.upperBound...].prefix { $0.isNumber }) ?? 0
    }
    return size("<system type=\"current\"") - size("<total type=\"fast\"") - size("<total type=\"rest\"")
        + size("<total type=\"mmap\"")
    #else
    return residentBytes()
    #endif
}

/// The peak resident memory of this process (VmHWM in /proc/self/status; 0 where there is none).
func peakResidentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kib << 10
}

// MARK: - Huge claims

/// A module whose one length or count field claims far more than the bytes behind it, with
/// the offset of that field and the words the decoder's error must use.
struct HugeClaim {
    var name: String
    var bytes: [UInt8]
    var offset: Int
    var says: String

    static let u32Max = Wire.uleb(UInt64(UInt32.max))

    /// A one-section module: `prefix` then the claim then `suffix` as the body of section `id`.
    static func claim(_ name: String, section id: UInt8, prefix: [UInt8] = [], _ claim: [UInt8], suffix: [UInt8] = [0, 0, 0], says: String) -> HugeClaim {
        let body = prefix + claim + suffix
        let sizeField = Wire.uleb(UInt64(body.count))
        return HugeClaim(
            name: name, bytes: Wire.header + [id] + sizeField + body, offset: 8 + 1 + sizeField.count + prefix.count, says: says)
    }

    static var all: [HugeClaim] {
        let limits = "exceeds the limit"
        let remaining = "remaining"
        let name = Wire.uleb(1) + [0x66]  // "f"
        let functionHead = [1] + name + [0, 0]  // one function "f", no flags, no params
        var out: [HugeClaim] = [
            HugeClaim(name: "section size", bytes: Wire.header + [1] + u32Max + [0], offset: 9, says: "runs past the end"),
            claim("constant count", section: 1, u32Max, says: limits),
            claim("constant count at the limit", section: 1, Wire.uleb(UInt64(Limits.constants)), says: remaining),
            claim("import count", section: 2, u32Max, says: limits),
            claim("import count at the limit", section: 2, Wire.uleb(UInt64(Limits.imports)), says: remaining),
            claim("global count", section: 3, u32Max, says: limits),
            claim("global count at the limit", section: 3, Wire.uleb(UInt64(Limits.globals)), says: remaining),
            claim("function count", section: 4, u32Max, says: limits),
            claim("function count at the limit", section: 4, Wire.uleb(UInt64(Limits.functions)), says: remaining),
            claim("export count", section: 5, u32Max, says: limits),
            claim("export count at the limit", section: 5, Wire.uleb(UInt64(Limits.exports)), says: remaining),
            claim("string constant length", section: 1, prefix: [1, 4], u32Max, says: "runs past the end"),
            claim("bytes constant length", section: 1, prefix: [1, 5], Wire.uleb(1 << 30), says: "runs past the end"),
            claim("big int magnitude length", section: 1, prefix: [1, 2, 0], u32Max, says: limits),
            claim("big int magnitude at the limit", section: 1, prefix: [1, 2, 0], Wire.uleb(UInt64(Limits.bigIntBytes)), says: "runs past the end"),
            claim("import name length", section: 2, prefix: [1], u32Max, says: limits),
            claim("global name at the limit", section: 3, prefix: [1], Wire.uleb(UInt64(Limits.nameBytes)), says: "runs past the end"),
            claim("parameter count", section: 4, prefix: [1] + name + [0], Wire.uleb(UInt64(Limits.params)), suffix: [0, 0, 0, 0, 0, 0, 0], says: remaining),
            claim("code size", section: 4, prefix: functionHead + [0, 0, 0], u32Max, suffix: [0, 0, 0, 0, 0], says: "runs past the end"),
            claim("line table count", section: 4, prefix: functionHead + [0, 0, 0, 0], u32Max, says: limits),
            claim("line table count at the limit", section: 4, prefix: functionHead + [0, 0, 0, 0], Wire.uleb(UInt64(Limits.instructionsPerFunction)), says: remaining),
        ]
        // The debug section: function count, then one function's local name count.
        let debugName = Wire.uleb(5) + Array("debug".utf8) + Wire.uleb(1) + [0x66]
        out.append(claim("debug function count", section: 0, prefix: debugName, Wire.uleb(UInt64(Limits.functions)), says: remaining))
        out.append(claim("debug local name count", section: 0, prefix: debugName + [1], Wire.uleb(UInt64(Limits.locals)), says: remaining))
        return out
    }
}

// MARK: - Crashes and hangs

/// The input each lane is working on, kept where a signal handler can reach it without
/// allocating, and when it started, for the stall monitor.
enum InFlight {
    static let lanes = 8
    static let capacity = 1 << 16
    static let pathCapacity = 1_024
    nonisolated(unsafe) static let buffers = UnsafeMutablePointer<UInt8>.allocate(capacity: lanes * capacity)
    nonisolated(unsafe) static let counts: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: lanes)
        p.initialize(repeating: -1, count: lanes)
        return p
    }()
    /// NUL-terminated file paths where a crashing input is saved (empty unless saving).
    nonisolated(unsafe) static let paths: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: lanes * pathCapacity)
        p.initialize(repeating: 0, count: lanes * pathCapacity)
        return p
    }()
    /// NUL-terminated names of the inputs (`lane-seed-index`).
    nonisolated(unsafe) static let names: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: lanes * pathCapacity)
        p.initialize(repeating: 0, count: lanes * pathCapacity)
        return p
    }()
    static let started = Mutex<[Int: (ContinuousClock.Instant, [UInt8], String)]>([:])

    static func begin(lane: Int, _ bytes: [UInt8], name: String) {
        let n = min(bytes.count, capacity)
        if n > 0 { bytes.withUnsafeBufferPointer { (buffers + lane * capacity).update(from: $0.baseAddress!, count: n) } }
        if FuzzConfig.current.save {
            store(FuzzRegressions.directory.appendingPathComponent("crash-\(name).bin").path, in: paths, lane: lane)
        }
        store(name, in: names, lane: lane)
        counts[lane] = n
        started.withLock { $0[lane] = (ContinuousClock.now, bytes, name) }
    }

    private static func store(_ s: String, in buffer: UnsafeMutablePointer<CChar>, lane: Int) {
        let c = Array(s.utf8CString.dropLast().prefix(pathCapacity - 1))
        (buffer + lane * pathCapacity).update(from: c, count: c.count)
        buffer[lane * pathCapacity + c.count] = 0
    }

    static func end(lane: Int) {
        counts[lane] = -1
        _ = started.withLock { $0.removeValue(forKey: lane) }
    }
}

/// On a crash (a Swift trap is SIGILL or SIGTRAP) writes the inputs in flight to stderr and,
/// when saving, into FuzzRegressions/, then hands the signal to the previous handler (Swift's
/// backtracer). A watchdog thread does the same for an input stuck far past its deadline.
enum CrashReporter {
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]
    nonisolated(unsafe) static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 64)
    nonisolated(unsafe) static let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4_096)
    static let stallLimit: Duration = .seconds(30)

    private static let installed: Bool = {
        _ = (InFlight.buffers, InFlight.counts, InFlight.paths, InFlight.names, scratch)
        #if os(Linux)
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = crashHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, previous + Int(sig))
        }
        #endif
        let monitor = Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                let now = ContinuousClock.now
                let stuck = InFlight.started.withLock { $0.values.first { $0.0.duration(to: now) > stallLimit } }
                if let (_, bytes, name) = stuck {
                    let file = FuzzConfig.current.save ? FuzzRegressions.save(bytes, name: "hang-\(name)") : nil
                    FileHandle.standardError.write(Data("fuzz: input \(name) hung for \(stallLimit): \(hex(bytes))\(file.map { " saved as \($0)" } ?? "")\n".utf8))
                    fatalError("fuzz input \(name) hung")
                }
            }
        }
        monitor.start()
        return true
    }()

    static func install() { _ = installed }

    /// Writes every lane's input in flight; only async-signal-safe calls.
    static func dump() {
        let digits: StaticString = "0123456789abcdef"
        for lane in 0..<InFlight.lanes {
            let n = InFlight.counts[lane]
            guard n >= 0 else { continue }
            let message: StaticString = "\nfuzz: the process died while this input was in flight (rebuild it with CORRAL_FUZZ_SEED and CORRAL_FUZZ_ONLY): "
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            let name = InFlight.names + lane * InFlight.pathCapacity
            _ = write(2, name, strlen(name))
            _ = write(2, "\n", 1)
            let input = InFlight.buffers + lane * InFlight.capacity
            var at = 0
            while at < n {
                let chunk = min(n - at, 2_048)
                for i in 0..<chunk {
                    scratch[2 * i] = digits.utf8Start[Int(input[at + i] >> 4)]
                    scratch[2 * i + 1] = digits.utf8Start[Int(input[at + i] & 15)]
                }
                _ = write(2, scratch, 2 * chunk)
                at += chunk
            }
            _ = write(2, "\n", 1)
            let path = InFlight.paths + lane * InFlight.pathCapacity
            if path[0] != 0 {
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if fd >= 0 {
                    _ = write(fd, input, n)
                    _ = close(fd)
                }
            }
        }
    }
}

private func crashHandler(_ sig: Int32) {
    CrashReporter.dump()
    // Returning re-runs the faulting instruction under the previous handler.
    sigaction(sig, CrashReporter.previous + Int(sig), nil)
    if sig == SIGABRT { raise(sig) }
}
