import Foundation
import Testing

@testable import CorralBytecode

@Suite struct OpcodeReferenceTests {
    /// bytecode/OPCODES.md, found from this file: Tests/CorralBytecodeTests/ → package root.
    static let referenceURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("bytecode/OPCODES.md")

    @Test func committedReferenceMatchesTable() throws {
        let committed = try String(contentsOf: Self.referenceURL, encoding: .utf8)
        #expect(
            committed == OpcodeReference.markdown(),
            "bytecode/OPCODES.md is out of date with Opcode.swift; regenerate it with `swift run corral opcodes > bytecode/OPCODES.md`")
    }

    @Test func mnemonicsAreUniqueAndFindTheirOpcode() {
        let mnemonics = Opcode.allCases.map(\.info.mnemonic)
        #expect(Set(mnemonics).count == mnemonics.count)
        for op in Opcode.allCases {
            #expect(Opcode(mnemonic: op.info.mnemonic) == op)
            #expect(!op.info.meaning.isEmpty && op.info.stack.contains("→"), "\(op)")
        }
        #expect(Opcode(mnemonic: "nope") == nil)
        for category in OpcodeCategory.allCases {
            #expect(Opcode.allCases.contains { $0.info.category == category }, "empty category \(category)")
        }
    }

    /// An instruction with distinctive values in exactly the fields its shape uses, and the
    /// encoded length those values must take.
    static func example(_ op: Opcode) -> (Instruction, bytes: Int, text: String) {
        switch op.info.immediates {
        case .none: (Instruction(op), 1, "")
        case .index, .label: (Instruction(op, a: 300), 3, " 300")
        case .int64: (Instruction(op, int: -300), 3, " -300")
        case .blockType: (Instruction(op, a: 1), 2, " result")
        case .call(withName: false): (Instruction(op, a: 2, b: 300, c: 3), 5, " 2 300 *args **kwargs")
        case .call(withName: true): (Instruction(op, a: 2, b: 0, c: 2, name: 200), 6, " 200 2 0 **kwargs")
        }
    }

    @Test func immediateShapesAgreeWithEncoderDecoderAndText() throws {
        for op in Opcode.allCases {
            let (ins, length, operands) = Self.example(op)
            var w = ByteWriter()
            ModuleEncoder.instruction(&w, ins)
            #expect(w.bytes.count == length, "\(op.info.mnemonic) encodes to \(w.bytes)")
            var r = ByteReader(w.bytes)
            #expect(try ModuleDecoder.decodeInstruction(&r) == ins)
            #expect(r.isAtEnd)

            let text = ".func \"f\"\n  \(op.info.mnemonic)\(operands)\n"
            let m = try Assembler.assemble(text)
            #expect(m.functions.first?.code == [ins], "\(text)")
            #expect(Disassembler.disassemble(m).contains("\(op.info.mnemonic)\(operands)"))
        }
    }
}
