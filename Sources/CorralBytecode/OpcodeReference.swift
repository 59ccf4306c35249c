/// Renders `bytecode/OPCODES.md` from the opcode table, so the reference people read is the
/// table the encoder, decoder, validator and fuel meter use. A test fails when the committed
/// file drifts; `swift run corral opcodes > bytecode/OPCODES.md` regenerates it.
public enum OpcodeReference {
    /// The full contents of bytecode/OPCODES.md, ending in a newline.
    public static func markdown() -> String {
        var out = """
            <!-- Generated from Sources/CorralBytecode/Opcode.swift by `corral opcodes`; do not edit. -->
            # Corral opcodes

            Generated from `Sources/CorralBytecode/Opcode.swift` by `corral opcodes`; do not edit.
            Text-form syntax is described at the top of `Sources/CorralBytecode/TextForm.swift`.

            ## Fuel schedule version \(FuelSchedule.version)

            `fuel` is charged once when the instruction's straight-line block is entered;
            `dynamic fuel` is charged when the instruction runs, for work that depends on its operands.

            | constant | value | meaning |
            |---|---|---|
            | `FuelSchedule.perElement` | \(FuelSchedule.perElement) | fuel per element of collection-proportional work |
            | `FuelSchedule.bytesPerFuel` | \(FuelSchedule.bytesPerFuel) | bytes covered by one fuel of byte-proportional work |

            """
        for category in OpcodeCategory.allCases {
            out += "\n## \(category.rawValue)\n\n"
            out += "| byte | mnemonic | immediates | stack | fuel | dynamic fuel | meaning |\n"
            out += "|---|---|---|---|---|---|---|\n"
            for op in Opcode.allCases where op.info.category == category {
                let info = op.info
                let cells = [
                    "0x" + TextForm.hex(UInt64(op.rawValue), digits: 2).uppercased(),
                    "`\(info.mnemonic)`",
                    immediates(info.immediates),
                    info.stack,
                    "\(info.fuel)",
                    info.dynamicFuel,
                    info.meaning,
                ]
                out += "| " + cells.map(cell).joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    /// The operands as written in the text form, with their binary encoding.
    static func immediates(_ shape: ImmediateShape) -> String {
        switch shape {
        case .none: ""
        case .index(.count): "`n`: count (u32)"
        case .index(.name): "`k`: name constant (u32)"
        case .index(let space): "`i`: \(space.rawValue) index (u32)"
        case .label: "`L`: label depth (u32)"
        case .int64: "`n`: integer (i64)"
        case .blockType: "`[result]` (u8: 0 or 1 results)"
        case .call(withName: false): "`P N [*args] [**kwargs]` (u32 u32 u8 flags)"
        case .call(withName: true): "`K P N [*args] [**kwargs]` (u32 name constant, u32 u32 u8 flags)"
        }
    }

    /// Escapes what would break a Markdown table cell.
    static func cell(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "|": out += "\\|"
            case "\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }
}
