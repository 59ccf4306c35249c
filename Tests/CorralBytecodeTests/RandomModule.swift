@testable import CorralBytecode

/// SplitMix64: tiny, seedable, and the same sequence everywhere, so a failing seed replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random modules the binary decoder could produce (so both round trips must be exact), with
/// no regard for structure: indices dangle, stacks do not balance. Edge values (NaN payloads,
/// -0.0, extreme integers, quotes, newlines, invalid UTF-8 bytes) come up often on purpose.
struct RandomModule {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func bool() -> Bool { rng.next() & 1 == 0 }
    /// True one time in `n`.
    mutating func oneIn(_ n: Int) -> Bool { int(1...n) == 1 }

    mutating func u32() -> UInt32 {
        switch int(0...5) {
        case 0: UInt32.max
        case 1: UInt32(truncatingIfNeeded: rng.next())
        case 2: UInt32(int(128...70_000))
        default: UInt32(int(0...20))
        }
    }

    mutating func i64() -> Int64 {
        switch int(0...5) {
        case 0: Int64.min
        case 1: Int64.max
        case 2: Int64(bitPattern: rng.next())
        default: Int64(int(-200...200))
        }
    }

    /// Bytes that stress the string escapes: quotes, backslashes, control and non-UTF-8 bytes.
    mutating func bytes(maxCount: Int = 24) -> [UInt8] {
        let interesting: [UInt8] = [0x00, 0x22, 0x5C, 0x0A, 0x09, 0x0D, 0x3B, 0x20, 0x7E, 0x7F, 0x80, 0xC3, 0xFF, 0x61]
        return (0..<int(0...maxCount)).map { _ in
            bool() ? interesting[int(0...interesting.count - 1)] : UInt8(truncatingIfNeeded: rng.next())
        }
    }

    /// A valid UTF-8 name, often with characters that need escaping.
    mutating func name() -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "_", "0", " ", "\"", "\\", "\n", "\t", "\u{0}", ";", "é", "€", "😀", "\u{7F}", "\u{FEFF}"]
        var s = ""
        for _ in 0..<int(0...8) {
            s.unicodeScalars.append(bool() ? pool[int(0...pool.count - 1)] : Unicode.Scalar(UInt8(int(0x20...0x7E))))
        }
        return s
    }

    mutating func float() -> Double {
        switch int(0...9) {
        case 0: Double(bitPattern: rng.next())
        case 1: Double(bitPattern: 0x7FF0_0000_0000_0000 | (rng.next() & 0x000F_FFFF_FFFF_FFFF | 1) | (bool() ? 1 << 63 : 0))
        case 2: -0.0
        case 3: bool() ? .infinity : -.infinity
        case 4: bool() ? .leastNonzeroMagnitude : .greatestFiniteMagnitude
        case 5: .nan
        default: Double(int(-1000...1000)) / Double(int(1...64))
        }
    }

    mutating func constant() -> Constant {
        switch int(0...4) {
        case 0: return .int(i64())
        case 1:
            var magnitude = (0..<int(1...(oneIn(50) ? 300 : 24))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            magnitude[magnitude.count - 1] = UInt8(int(1...255))
            return .bigInt(negative: bool(), magnitude: magnitude)
        case 2: return .float(float())
        case 3: return .string(bytes())
        default: return .bytes(bytes())
        }
    }

    mutating func instruction() -> Instruction {
        let op = Opcode.allCases[int(0...Opcode.allCases.count - 1)]
        var ins = Instruction(op)
        switch op.info.immediates {
        case .none: break
        case .index, .label: ins.a = u32()
        case .int64: ins.int = i64()
        case .blockType: ins.a = UInt32(int(0...1))
        case .call(let withName):
            if withName { ins.name = u32() }
            ins.a = u32()
            ins.b = u32()
            ins.c = UInt32(int(0...3))
        }
        return ins
    }

    mutating func function() -> Function {
        let params = (0..<int(0...4)).map { _ in Param(name: name(), hasDefault: bool()) }
        let code = (0..<int(0...30)).map { _ in instruction() }
        var lines: [LineEntry] = []
        for pc in 0...code.count where oneIn(3) {
            lines.append(LineEntry(pc: UInt32(pc), line: u32(), column: u32()))
        }
        return Function(
            name: name(), params: params, positionalCount: bool() ? nil : u32(), hasVarargs: bool(),
            hasKwargs: bool(), localCount: bool() ? nil : u32(), freeCount: bool() ? 0 : u32(),
            code: code, lines: lines)
    }

    mutating func module() -> Module {
        var m = Module()
        m.constants = (0..<int(0...8)).map { _ in constant() }
        m.imports = (0..<int(0...3)).map { _ in Import(module: name(), name: name()) }
        m.globals = (0..<int(0...3)).map { _ in Global(name: name()) }
        m.functions = (0..<int(0...4)).map { _ in function() }
        m.exports = (0..<int(0...3)).map { _ in Export(name: name(), kind: bool() ? .function : .global, index: u32()) }
        m.start = bool() ? u32() : nil
        m.customSections = (0..<int(0...2)).map { _ in
            var n = name()
            if n == BinaryFormat.debugSectionName { n += "!" }
            return CustomSection(name: n, bytes: bytes())
        }
        if bool() {
            m.debug = DebugInfo(
                file: name(), localNames: (0..<int(0...5)).map { _ in (0..<int(0...4)).map { _ in name() } },
                functionFiles: (0..<int(0...3)).map { _ in name() })
        }
        return m
    }
}
