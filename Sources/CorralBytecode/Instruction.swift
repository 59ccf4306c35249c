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

    /// How many operands this instruction pops and pushes on its fall-through path.
    ///
    /// Block structure (`block`, `loop`, `if`, `else`, `end`) and branches move the stack
    /// according to labels as well; the validator applies those rules on top of this.
    public var stackEffect: (pops: Int, pushes: Int) {
        switch opcode {
        case .unreachable, .nop, .block, .loop, .else, .end, .br: return (0, 0)
        case .if, .brIf, .brUnless, .return, .drop: return (1, 0)
        case .dup: return (1, 2)
        case .dup2: return (2, 4)
        case .swap: return (2, 2)
        case .constNone, .constTrue, .constFalse, .constInt, .const: return (0, 1)
        case .localGet, .globalGet, .cellGet, .freeGet, .builtin, .importGet: return (0, 1)
        case .localSet, .globalSet, .cellSet: return (1, 0)
        case .cellMake: return (0, 0)
        case .funcMake: return (-1, 1)  // depends on the function's defaults and cells; see Validator
        case .add, .sub, .mul, .div, .floorDiv, .mod, .bitAnd, .bitOr, .bitXor, .shl, .shr,
            .addInPlace, .bitOrInPlace:
            return (2, 1)
        case .neg, .pos, .bitNot, .not: return (1, 1)
        case .eq, .ne, .lt, .le, .gt, .ge, .in, .notIn: return (2, 1)
        case .listNew, .tupleNew: return (Int(a), 1)
        case .dictNew: return (2 * Int(a), 1)
        case .listPush: return (2, 0)
        case .index: return (2, 1)
        case .indexSet: return (3, 0)
        case .slice: return (4, 1)
        case .attr: return (1, 1)
        case .unpack: return (1, Int(a))
        case .iterBegin: return (1, 1)
        case .iterNext: return (0, 1)
        case .iterEnd: return (1, 0)
        case .call: return (1 + callOperandCount, 1)
        case .callAttr: return (1 + callOperandCount, 1)
        }
    }

    /// Operands a call pops besides its callee or receiver.
    public var callOperandCount: Int {
        Int(a) + 2 * Int(b) + (c & Instruction.callVarargs != 0 ? 1 : 0) + (c & Instruction.callKwargs != 0 ? 1 : 0)
    }
}
