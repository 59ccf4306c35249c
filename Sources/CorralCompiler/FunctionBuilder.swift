import CorralBytecode

/// The code of one function as it is being generated: instructions, the line table, the
/// structured-control depth that branch labels are counted from, and hidden locals.
///
/// Dead code: after `return` or `br` the bytecode allows nothing but `end`/`else` in the same
/// block (bytecode/SPEC.md, validation), while Starlark allows statements after `return`. The
/// builder drops instructions while `isDead` and the statement compiler skips whole statements,
/// so blocks stay balanced.
struct FunctionBuilder {
    var code: [Instruction] = []
    var lines: [LineEntry] = []
    /// Locals in use: the resolver's, then hidden ones (`temporary()`).
    var localCount: Int
    /// Blocks open inside the function body (`block`, `loop`, `if`); labels count down from it.
    private(set) var openBlocks = 0
    private(set) var isDead = false
    /// Enclosing `for` and `while` loops of the statement being compiled, innermost last.
    var loops: [Loop] = []

    struct Loop {
        /// Block level of the `block` a `break` leaves and of the `loop` a `continue` repeats.
        var breakLevel: Int
        var continueLevel: Int
        /// A `for` loop with a `return` inside keeps a copy of its iterator in this hidden
        /// local: the operand stack of an enclosing block is out of reach there, a local is not.
        var iteratorLocal: UInt32? = nil
    }

    init(localCount: Int) {
        self.localCount = localCount
    }

    mutating func emit(_ opcode: Opcode, a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, name: UInt32 = 0, int: Int64 = 0) {
        guard !isDead else { return }
        code.append(Instruction(opcode, a: a, b: b, c: c, name: name, int: int))
        switch opcode {
        case .return, .br, .unreachable: isDead = true
        default: break
        }
    }

    /// Instructions from here on come from `position` (one line-table entry per change).
    mutating func at(_ position: SourcePosition) {
        guard !isDead else { return }
        let entry = LineEntry(pc: UInt32(code.count), line: UInt32(position.line), column: UInt32(position.column))
        if let last = lines.last {
            if last.line == entry.line && last.column == entry.column { return }
            if last.pc == entry.pc {
                lines[lines.count - 1] = entry
                return
            }
        }
        lines.append(entry)
    }

    // MARK: structured control

    /// Opens a `block`, `loop` or `if` and returns its level, for `label(to:)`.
    @discardableResult
    mutating func open(_ opcode: Opcode, result: Bool = false) -> Int {
        precondition(opcode == .block || opcode == .loop || opcode == .if)
        // An open in dead code would be dropped while its `end` is not: statements in dead
        // code are skipped whole, and expressions never open blocks after a `return`.
        precondition(!isDead, "a block opened in dead code")
        code.append(Instruction(opcode, a: result ? 1 : 0))
        openBlocks += 1
        return openBlocks - 1
    }

    mutating func otherwise() {
        code.append(Instruction(.else))
        isDead = false
    }

    mutating func close() {
        code.append(Instruction(.end))
        openBlocks -= 1
        isDead = false
    }

    /// The relative label of the block opened at `level`, from where the code is now.
    func label(to level: Int) -> UInt32 { UInt32(openBlocks - 1 - level) }

    /// A hidden local: a slot of its own beyond the resolver's locals.
    mutating func temporary() -> UInt32 {
        localCount += 1
        return UInt32(localCount - 1)
    }

}
