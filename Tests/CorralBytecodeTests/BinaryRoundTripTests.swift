import Testing

@testable import CorralBytecode

@Suite struct BinaryRoundTripTests {
    static let header = BinaryFormat.magic + [1, 0, 0, 0]

    @Test func sampleRoundTrips() throws {
        #expect(try ModuleDecoder.decode(ModuleEncoder.encode(Sample.module)) == Sample.module)
        #expect(try ModuleDecoder.decode(ModuleEncoder.encode(Module())) == Module())
    }

    /// 2,000 seeded random modules through encode/decode and disassemble/assemble; together
    /// they must use every opcode and every constant kind.
    @Test func randomModulesRoundTripExactly() throws {
        var gen = RandomModule(seed: 0xC0FF_EE00)
        var opcodes = Set<Opcode>()
        var constantKinds = Set<String>()
        for i in 0..<2_000 {
            let m = gen.module()
            for f in m.functions { opcodes.formUnion(f.code.map(\.opcode)) }
            for k in m.constants { constantKinds.insert("\(k)".prefix { $0 != "(" }.description) }

            let decoded = try ModuleDecoder.decode(ModuleEncoder.encode(m))
            try #require(decoded == m, "binary round trip of random module \(i)")
            let text = Disassembler.disassemble(m)
            let assembled = try Assembler.assemble(text, file: "random-\(i).cas")
            try #require(assembled == m, "text round trip of random module \(i):\n\(text)")
            try #require(Disassembler.disassemble(assembled) == text, "text of random module \(i) is not stable")
        }
        #expect(opcodes == Set(Opcode.allCases))
        #expect(constantKinds == ["int", "bigInt", "float", "string", "bytes"])
    }

    /// Offsets where a module's sections end: a prefix cut exactly there is a valid module.
    static func sectionBoundaries(_ bytes: [UInt8]) -> Set<Int> {
        var boundaries: Set<Int> = [8]
        var at = 8
        while at < bytes.count {
            at += 1  // section id
            var size = 0
            var shift = 0
            while at < bytes.count {
                let b = bytes[at]
                at += 1
                size |= Int(b & 0x7F) << shift
                shift += 7
                if b & 0x80 == 0 { break }
            }
            at += size
            boundaries.insert(at)
        }
        return boundaries
    }

    @Test func everyTruncationFailsWithinBounds() throws {
        let bytes = ModuleEncoder.encode(Sample.module)
        let boundaries = Self.sectionBoundaries(bytes)
        for n in 0..<bytes.count {
            do throws(DecodeError) {
                _ = try ModuleDecoder.decode(Array(bytes.prefix(n)))
                #expect(boundaries.contains(n), "prefix of \(n) bytes decoded but does not end a section")
            } catch {
                #expect(error.offset >= 0 && error.offset <= n, "prefix of \(n) bytes: \(error)")
            }
        }
    }

    /// Random byte edits of valid modules decode, or fail at an offset inside the input.
    @Test func corruptedBytesNeverCrash() throws {
        var gen = RandomModule(seed: 5)
        let base = ModuleEncoder.encode(Sample.module)
        for _ in 0..<2_000 {
            var bytes = base
            for _ in 0..<gen.int(1...3) {
                bytes[gen.int(8...bytes.count - 1)] = UInt8(truncatingIfNeeded: gen.rng.next())
            }
            do throws(DecodeError) {
                let m = try ModuleDecoder.decode(bytes)
                #expect(try ModuleDecoder.decode(ModuleEncoder.encode(m)) == m)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
    }

    static func decodeError(_ bytes: [UInt8]) -> DecodeError? {
        do throws(DecodeError) {
            _ = try ModuleDecoder.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func badMagic() {
        let e = Self.decodeError([0x01, 0x43, 0x42, 0x43, 1, 0, 0, 0])
        #expect(e == DecodeError(offset: 0, "not a Corral module: bad magic (expected \\0CBC)"))
        #expect(Self.decodeError([0x00, 0x43, 0x00, 0x43, 1, 0, 0, 0])?.offset == 2)
    }

    @Test func badVersion() {
        #expect(Self.decodeError(BinaryFormat.magic + [2, 0, 0, 0]) == DecodeError(offset: 4, "unsupported format version 2 (this build reads 1)"))
    }

    @Test func unknownSectionID() {
        #expect(Self.decodeError(Self.header + [7, 0]) == DecodeError(offset: 8, "unknown section id 7"))
    }

    @Test func overlongLEB() {
        // A start section whose index takes six bytes.
        let bytes = Self.header + [6, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]
        #expect(Self.decodeError(bytes) == DecodeError(offset: 10, "start function index does not fit in 32 bits"))
        // A section size whose fifth byte carries bits above 32.
        #expect(Self.decodeError(Self.header + [6, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
            == DecodeError(offset: 9, "section size does not fit in 32 bits"))
    }

    @Test func countLargerThanRemainingBytes() {
        // Constants section of 2 bytes claiming 5 constants.
        let bytes = Self.header + [1, 2, 5, 1]
        #expect(Self.decodeError(bytes) == DecodeError(offset: 10, "constant count 5 is more than the remaining 1 bytes can hold"))
    }

    @Test func unknownOpcodeReportsFunctionAndPC() throws {
        var m = Module()
        m.functions = [
            Function(name: "a", code: [Instruction(.nop)]),
            Function(name: "b", code: [Instruction(.nop), Instruction(.dup2), Instruction(.swap)]),
        ]
        var bytes = ModuleEncoder.encode(m)
        let at = try #require((0..<bytes.count - 2).first { bytes[$0...$0 + 2] == [0x01, 0x12, 0x13] })
        bytes[at + 1] = 0xFF
        #expect(Self.decodeError(bytes) == DecodeError(offset: at + 1, function: 1, pc: 1, "unknown opcode 0xff"))
    }
}
