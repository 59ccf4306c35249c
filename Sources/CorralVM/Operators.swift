/// Binary operators that leave the run loop's inline fast paths.
enum BinaryOperator {
    case add, sub, mul, div, floorDiv, mod, bitAnd, bitOr, bitXor, shl, shr, addInPlace, bitOrInPlace, `in`, notIn

    init(_ op: Op) {
        switch op {
        case .add: self = .add
        case .sub: self = .sub
        case .mul: self = .mul
        case .div: self = .div
        case .floorDiv: self = .floorDiv
        case .mod: self = .mod
        case .bitAnd: self = .bitAnd
        case .bitOr: self = .bitOr
        case .bitXor: self = .bitXor
        case .shl: self = .shl
        case .shr: self = .shr
        case .addInPlace: self = .addInPlace
        case .bitOrInPlace: self = .bitOrInPlace
        case .in: self = .in
        default: self = .notIn
        }
    }

    /// The operator as Starlark writes it, for error messages.
    var symbol: String {
        switch self {
        case .add, .addInPlace: return "+"
        case .sub: return "-"
        case .mul: return "*"
        case .div: return "/"
        case .floorDiv: return "//"
        case .mod: return "%"
        case .bitAnd: return "&"
        case .bitOr, .bitOrInPlace: return "|"
        case .bitXor: return "^"
        case .shl: return "<<"
        case .shr: return ">>"
        case .in: return "in"
        case .notIn: return "not in"
        }
    }
}

enum ComparisonOperator {
    case lt, le, gt, ge

    init(_ op: Op) {
        switch op {
        case .lt: self = .lt
        case .le: self = .le
        case .gt: self = .gt
        default: self = .ge
        }
    }
}
