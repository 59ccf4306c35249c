/// One decoded instruction: an opcode and its immediates.
///
/// Immediates are stored in fixed fields rather than an array so that a decoded function is one
/// flat allocation. Which fields are meaningful depends on `opcode.info.immediates`:
/// - `.index`, `.label`, `.blockType`: `a`
/// - `.int64`: `int`
/// - `.call(withName: false)`: `a` positional count, `b` named count, `c` flags
/// - `.call(withName: true)`: `name` constant index, then `a`, `b`, `c` as above
public struct Instruction: Sendable, Equatable {
    public var opcode: Opcode
    public var a: UInt32
    public var b: UInt32
    public var c: UInt32
    public var name: UInt32
    public var int: Int64

    public init(_ opcode: Opcode, a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, name: UInt32 = 0, int: Int64 = 0) {
        self.opcode = opcode
        self.a = a
        self.b = b
        self.c = c
        self.name = name
        self.int = int
    }

    /// Call flag: a `*args` sequence follows the named arguments.
    public static let callVarargs: UInt32 = 1
    /// Call flag: a `**kwargs` dict follows everything else.
    public static let callKwargs: UInt32 = 2
}
