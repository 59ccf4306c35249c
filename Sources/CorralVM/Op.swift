/// The interpreter's internal instruction: what the translator makes of validated bytecode.
///
/// Structure is gone: `block`/`loop`/`end` disappear, branches carry their targets and the
/// stack adjustment they need, and each straight-line block starts with one `charge` holding
/// the summed fuel of its instructions. Payloads are small so an `Op` is 16 bytes, and no
/// payload is longer than 12 bytes: the run loop loads every op whole before its switch, and
/// a 13- to 15-byte payload made that load three loads and four shifts on every dispatch
/// (`OpLayoutTests` keeps it at 12).
///
/// A branch target is relative to the op after the branch (the run loop's `ip` has already
/// moved there), so the loop needs no code base to jump; the translator works with absolute
/// indexes and converts them last.
enum Op {
    /// Block entry: subtract the block's fuel (all or nothing) and check the interrupt flag.
    case charge(Int32)
    case unreachable
    case jump(Int32, Prepay)
    case jumpIf(Int32, Prepay)
    case jumpUnless(Int32, Prepay)
    /// Branch that discards `drop` values below the label's `keep` (0 or 1) results.
    case jumpAdjust(Int32, drop: UInt16, keep: UInt16, Prepay)
    case jumpIfAdjust(Int32, drop: UInt16, keep: UInt16, Prepay)
    case jumpUnlessAdjust(Int32, drop: UInt16, keep: UInt16, Prepay)
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
    /// The captured cell itself, for a nested closure (`free.cell`).
    case freeCell(Int32)
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
    /// `x.name = v` (`attr.set`), by interned name id.
    case attrSet(Int32)
    case unpack(Int32)

    case iterBegin
    /// Push the next element, or jump to the target after dropping `drop` values.
    case iterNext(Int32, drop: Int32, Prepay)
    case iterEnd

    // Superinstructions the translator fuses from common straight-line sequences (never
    // across a block boundary). Each behaves exactly like the sequence it replaces, fuel
    // included, since fuel is summed per block before fusion.
    /// `local.get i; const.int k; <kind>`
    case localConst(Int32, Int32, Fused)
    /// `local.get i; const.int k; add|sub; local.set j`, for locals below 65,536.
    case localConstSet(UInt16, Int32, UInt16, Fused)
    /// `<compare>; if` or `<compare>; br_unless`: pop two, jump unless the comparison holds.
    case jumpUnlessCompare(Int32, Prepay, Fused)
    /// `<compare>; br_if`: pop two, jump if the comparison holds.
    case jumpIfCompare(Int32, Prepay, Fused)
    /// `local.get i; const.int k; <compare>; if`: jump unless `local <kind> k`. Payload:
    /// target, k, prepay, local, kind. Only for k in 16 bits and one of the first 256 locals:
    /// that keeps every payload within 12 bytes (see the note on `Op`).
    case jumpUnlessLocalConst(Int32, Int16, Prepay, UInt8, Fused)
    /// `local.get i; const.int k; <compare>; br_if`: jump if `local <kind> k`.
    case jumpIfLocalConst(Int32, Int16, Prepay, UInt8, Fused)

    /// Positional count, named count and flags packed by `CallShape`.
    case call(CallShape)
    case callAttr(Int32, CallShape)
}

extension Op {
    /// A branch's target, and whether it can also fall through to the next op.
    var branchTarget: (Int32, conditional: Bool)? {
        switch self {
        case .jump(let t, _), .jumpAdjust(let t, _, _, _): return (t, false)
        case .jumpIf(let t, _), .jumpUnless(let t, _), .jumpIfAdjust(let t, _, _, _), .jumpUnlessAdjust(let t, _, _, _),
            .iterNext(let t, _, _), .jumpUnlessCompare(let t, _, _), .jumpIfCompare(let t, _, _),
            .jumpUnlessLocalConst(let t, _, _, _, _), .jumpIfLocalConst(let t, _, _, _, _):
            return (t, true)
        case .charge, .unreachable, .ret, .drop, .dup, .dup2, .swap, .constNone, .constTrue, .constFalse, .constInt,
            .constFloat, .constRef, .localGet, .localSet, .globalGet, .globalSet, .cellMake, .cellGet, .cellSet,
            .freeGet, .freeCell, .builtin, .importGet, .funcMake, .add, .sub, .mul, .div, .floorDiv, .mod, .neg, .pos, .bitAnd,
            .bitOr, .bitXor, .bitNot, .shl, .shr, .addInPlace, .bitOrInPlace, .eq, .ne, .lt, .le, .gt, .ge, .in, .notIn,
            .not, .listNew, .tupleNew, .dictNew, .listPush, .index, .indexSet, .slice, .attr, .attrSet, .unpack, .iterBegin,
            .iterEnd, .localConst, .localConstSet, .call, .callAttr:
            return nil
        }
    }

    /// Replaces a branch's target; other ops are left as they are.
    mutating func retarget(_ target: Int32) {
        switch self {
        case .jump(_, let p): self = .jump(target, p)
        case .jumpIf(_, let p): self = .jumpIf(target, p)
        case .jumpUnless(_, let p): self = .jumpUnless(target, p)
        case .jumpAdjust(_, let d, let k, let p): self = .jumpAdjust(target, drop: d, keep: k, p)
        case .jumpIfAdjust(_, let d, let k, let p): self = .jumpIfAdjust(target, drop: d, keep: k, p)
        case .jumpUnlessAdjust(_, let d, let k, let p): self = .jumpUnlessAdjust(target, drop: d, keep: k, p)
        case .iterNext(_, let d, let p): self = .iterNext(target, drop: d, p)
        case .jumpUnlessCompare(_, let p, let f): self = .jumpUnlessCompare(target, p, f)
        case .jumpIfCompare(_, let p, let f): self = .jumpIfCompare(target, p, f)
        case .jumpUnlessLocalConst(_, let k, let p, let i, let f): self = .jumpUnlessLocalConst(target, k, p, i, f)
        case .jumpIfLocalConst(_, let k, let p, let i, let f): self = .jumpIfLocalConst(target, k, p, i, f)
        default: break
        }
    }
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
    @inline(__always) var slots: Int { positional &+ 2 &* named &+ (hasVarargs ? 1 : 0) &+ (hasKwargs ? 1 : 0) }
}

/// Fuel a branch pays in advance for the block it lands in (`taken`) and, for a conditional
/// branch, for the block it falls into (`fall`), so that block's `charge` op is skipped: one
/// dispatch less per block entered by a branch. In metered code every landing is a `charge`
/// small enough to prepay (the translator's `openLandings`); unmetered code has no charges and
/// its run loop ignores these. When the fuel is short or the interrupt flag is set, the branch
/// lands on the `charge` op itself, which traps or yields exactly as if nothing had been
/// prepaid, so out-of-fuel stays all or nothing and resumable.
struct Prepay {
    /// The largest charge a branch can prepay.
    static let most: UInt16 = .max
    var taken: UInt16 = 0
    var fall: UInt16 = 0
}

/// A `FusedKind` stored as a plain byte. An enum payload with spare bits makes Swift pack
/// the `Op` tag into them, which costs several instructions on every dispatch; a byte has none.
struct Fused {
    let raw: UInt8
    init(_ kind: FusedKind) { raw = kind.rawValue }
    @inline(__always) var kind: FusedKind { unsafeBitCast(raw, to: FusedKind.self) }
}

/// The operation of a fused op: int arithmetic or comparison.
enum FusedKind: UInt8 {
    case add, sub, lt, le, gt, ge, eq, ne

    var isComparison: Bool { self != .add && self != .sub }

    /// The plain op this kind stands for (slow paths reuse its handler).
    var op: Op {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .lt: return .lt
        case .le: return .le
        case .gt: return .gt
        case .ge: return .ge
        case .eq: return .eq
        case .ne: return .ne
        }
    }

    init?(_ op: Op) {
        switch op {
        case .add: self = .add
        case .sub: self = .sub
        case .lt: self = .lt
        case .le: self = .le
        case .gt: self = .gt
        case .ge: self = .ge
        case .eq: self = .eq
        case .ne: self = .ne
        default: return nil
        }
    }

    /// The int fast path: nil when the result overflows (add/sub), so the caller promotes.
    @inline(__always) func apply(_ a: Int64, _ b: Int64) -> Value? {
        switch self {
        case .add:
            let (r, o) = a.addingReportingOverflow(b)
            return o ? nil : .int(r)
        case .sub:
            let (r, o) = a.subtractingReportingOverflow(b)
            return o ? nil : .int(r)
        case .lt: return .bool(a < b)
        case .le: return .bool(a <= b)
        case .gt: return .bool(a > b)
        case .ge: return .bool(a >= b)
        case .eq: return .bool(a == b)
        case .ne: return .bool(a != b)
        }
    }

    /// The comparison on two ints, or on two floats that callers have checked are not NaN
    /// (Starlark orders NaN above every number and equal to itself, which the generic path
    /// handles). Specialised per type where it is inlined.
    @inline(__always) func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        case .eq: return a == b
        case .ne: return a != b
        case .add, .sub: return false
        }
    }
}
