/// The interpreter's internal instruction: what the translator makes of validated bytecode.
///
/// Structure is gone: `block`/`loop`/`end` disappear, branches carry absolute targets and the
/// stack adjustment they need, and each straight-line block starts with one `charge` holding
/// the summed fuel of its instructions. Payloads are small so an `Op` is 16 bytes.
enum Op {
    /// Block entry: subtract the block's fuel (all or nothing) and check the interrupt flag.
    case charge(Int32)
    case unreachable
    case jump(Int32)
    case jumpIf(Int32)
    case jumpUnless(Int32)
    /// Branch that discards `drop` values below the label's `keep` (0 or 1) results.
    case jumpAdjust(Int32, drop: UInt16, keep: UInt16)
    case jumpIfAdjust(Int32, drop: UInt16, keep: UInt16)
    case jumpUnlessAdjust(Int32, drop: UInt16, keep: UInt16)
    case ret

    case drop, dup, dup2, swap
    case constNone, constTrue, constFalse
    case constInt(Int64)
    case constFloat(Double)
    /// A heap constant (string, bytes, big int) made when the sandbox was created.
    case constRef(Int32)

    case localGet(Int32), localSet(Int32)
    case globalGet(Int32), globalSet(Int32)
    case cellMake(Int32), cellGet(Int32), cellSet(Int32)
    case freeGet(Int32)
    case builtin(Int32)
    case importGet(Int32)
    case funcMake(Int32)

    case add, sub, mul, div, floorDiv, mod, neg, pos
    case bitAnd, bitOr, bitXor, bitNot, shl, shr
    case addInPlace, bitOrInPlace
    case eq, ne, lt, le, gt, ge, `in`, notIn, not

    case listNew(Int32), tupleNew(Int32), dictNew(Int32)
    case listPush, index, indexSet, slice
    /// Attribute by interned name id (`Names`).
    case attr(Int32)
    case unpack(Int32)

    case iterBegin
    /// Push the next element, or jump to the target after dropping `drop` values.
    case iterNext(Int32, drop: Int32)
    case iterEnd

    /// Positional count, named count and flags packed by `CallShape`.
    case call(CallShape)
    case callAttr(Int32, CallShape)
}

/// A call's argument shape, packed into 32 bits.
struct CallShape: Equatable {
    let raw: UInt32
    init(positional: Int, named: Int, flags: UInt32) {
        raw = UInt32(positional) | UInt32(named) << 8 | flags << 16
    }
    @inline(__always) var positional: Int { Int(raw & 0xFF) }
    @inline(__always) var named: Int { Int((raw >> 8) & 0xFF) }
    @inline(__always) var hasVarargs: Bool { raw & (1 << 16) != 0 }
    @inline(__always) var hasKwargs: Bool { raw & (2 << 16) != 0 }
    /// Only positional arguments: the fast path.
    @inline(__always) var isPositionalOnly: Bool { raw >> 8 == 0 }
    /// Stack slots the arguments occupy (callee or receiver not included).
    var slots: Int { positional + 2 * named + (hasVarargs ? 1 : 0) + (hasKwargs ? 1 : 0) }
}
