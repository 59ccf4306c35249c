import BigInt

// STUB: to be implemented (helper). Signatures are the contract with the run loop.
extension Sandbox {
    /// `x op y` for everything the loop's int fast paths do not cover.
    func binary(_ op: BinaryOperator, _ x: Value, _ y: Value) throws(Trap) -> Value {
        throw Trap.runtime("unsupported: \(typeName(x)) \(op.symbol) \(typeName(y))")
    }

    /// `-x`, `+x`, `~x` (op is `.neg`, `.pos` or `.bitNot`).
    func unary(_ op: Op, _ x: Value) throws(Trap) -> Value {
        throw Trap.runtime("unsupported unary operand \(typeName(x))")
    }
}
