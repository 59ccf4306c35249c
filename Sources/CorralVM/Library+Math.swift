#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BigInt

/// The `math` module, as Go Starlark's `lib/math`: functions of floats (ints are converted)
/// and the constants `e` and `pi`. Each function does constant work, so it costs nothing
/// beyond its call; `ceil` and `floor` of a huge float charge one fuel per word of the big
/// int they make. Transcendental functions come from the platform's C math library, which
/// is deterministic on one platform but may differ in the last bit between platforms.
extension Sandbox {
    func mathFunction(_ m: MethodName, _ args: Arguments) throws(Trap) -> Value {
        let name = m.rawValue
        if !args.named.isEmpty { throw Trap.runtime("\(name): unexpected keyword arguments") }
        let p = args.positional
        func arity(_ lo: Int, _ hi: Int) throws(Trap) {
            if p.count < lo { throw Trap.runtime("\(name): got \(p.count) arguments, want \(lo == hi ? "" : "at least ")\(lo)") }
            if p.count > hi { throw Trap.runtime("\(name): got \(p.count) arguments, want \(lo == hi ? "" : "at most ")\(hi)") }
        }
        func float(_ i: Int) throws(Trap) -> Double {
            guard let n = number(p[i]) else {
                throw Trap.runtime("\(name): for parameter \(i + 1): got \(typeName(p[i])), want float or int")
            }
            return try toDouble(n)
        }
        switch m {
        case .ceil, .floor:
            try arity(1, 1)
            switch number(p[0]) {
            case .int?, .big?: return p[0]
            case .float(let d)?:
                let r = m == .ceil ? d.rounded(.up) : d.rounded(.down)
                guard r.isFinite else { throw Trap.runtime("\(name): cannot convert float \(r.isNaN ? "NaN" : "infinity") to integer") }
                if let i = Int64(exactly: r) { return .int(i) }
                let b = BigInt(exactly: r) ?? 0
                try useFuel(elements: b.magnitude.words.count)
                return try makeInt(b)
            case nil: throw Trap.runtime("\(name): got \(typeName(p[0])), want float or int")
            }
        case .copysign, .mod, .pow, .remainder, .atan2, .hypot:
            try arity(2, 2)
            let x = try float(0), y = try float(1)
            switch m {
            case .copysign: return .float(Double(signOf: y, magnitudeOf: x))
            case .mod: return .float(fmod(x, y))
            case .pow: return .float(pow(x, y))
            case .remainder: return .float(x.remainder(dividingBy: y))
            case .atan2: return .float(atan2(x, y))
            default: return .float(hypot(x, y))
            }
        case .log:
            try arity(1, 2)
            let x = try float(0)
            let base = p.count > 1 ? try float(1) : M_E
            if base == 1 { throw Trap.runtime("division by zero") }
            return .float(log(x) / log(base))
        default:
            try arity(1, 1)
            let x = try float(0)
            let f: (Double) -> Double
            switch m {
            case .fabs: f = { $0.magnitude }
            case .round: f = { $0.rounded(.toNearestOrAwayFromZero) }
            case .exp: f = exp
            case .sqrt: f = { $0.squareRoot() }
            case .acos: f = acos
            case .asin: f = asin
            case .atan: f = atan
            case .cos: f = cos
            case .sin: f = sin
            case .tan: f = tan
            case .degrees: f = { 360 * $0 / (2 * Double.pi) }
            case .radians: f = { 2 * Double.pi * $0 / 360 }
            case .acosh: f = acosh
            case .asinh: f = asinh
            case .atanh: f = atanh
            case .cosh: f = cosh
            case .sinh: f = sinh
            case .tanh: f = tanh
            default: f = tgamma
            }
            return .float(f(x))
        }
    }
}
