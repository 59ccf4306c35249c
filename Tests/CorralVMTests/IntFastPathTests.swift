import BigInt
import Testing

@testable import CorralVM

/// The run loop's Int64 fast path for `*`, `//`, `%`, `&`, `|`, `^`, `<<`, `>>` against
/// arbitrary-precision arithmetic with Starlark's rules (floored division and modulo), on the
/// edge values where a fast path goes wrong: signs, zero, ±1, and the ends of Int64.
@Suite struct IntFastPathTests {
    static let values: [Int64] = [0, 1, -1, 2, -2, 3, -3, 7, -7, 63, 64, 1 << 31, -(1 << 31), 1 << 62, .max, .min, .max - 1, .min + 1]

    /// Starlark's answer, or nil for an error (zero divisor, bad shift).
    static func reference(_ op: String, _ a: Int64, _ b: Int64) -> BigInt? {
        let x = BigInt(a), y = BigInt(b)
        switch op {
        case "mul": return x * y
        case "floordiv", "mod":
            guard !y.isZero else { return nil }
            var (q, r) = x.quotientAndRemainder(dividingBy: y)
            if !r.isZero && (r.sign == .minus) != (y.sign == .minus) {
                q -= 1
                r += y
            }
            return op == "mod" ? r : q
        case "bitand": return x & y
        case "bitor": return x | y
        case "bitxor": return x ^ y
        case "shl": return b < 0 || b >= 512 ? nil : x << Int(b)
        case "shr":
            // Arithmetic shift, i.e. floored division by 2^b (BigInt's `>>` rounds negative
            // numbers toward zero instead, so it is not the reference).
            guard b >= 0 else { return nil }
            if b >= 64 { return a < 0 ? -1 : 0 }
            return floored(x, BigInt(1) << Int(b))
        default: return nil
        }
    }

    static func floored(_ x: BigInt, _ y: BigInt) -> BigInt {
        var (q, r) = x.quotientAndRemainder(dividingBy: y)
        if !r.isZero && (r.sign == .minus) != (y.sign == .minus) {
            q -= 1
            r += y
        }
        return q
    }

    @Test func matchesArbitraryPrecision() async throws {
        var checked = 0
        for op in ["mul", "floordiv", "mod", "bitand", "bitor", "bitxor", "shl", "shr"] {
            for a in Self.values {
                for b in Self.values {
                    let outcome = try await eval(.bin(op, .i(a), .i(b)))
                    if let want = Self.reference(op, a, b) {
                        #expect(outcome == .returned(.int(want)), "\(a) \(op) \(b)")
                    } else {
                        #expect(outcome.trap?.reason == .runtimeError, "\(a) \(op) \(b): \(outcome)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 8 * Self.values.count * Self.values.count)
    }
}

/// The run loop's fast path for two floats (`+ - * /` and the comparisons, NaN excluded)
/// against IEEE arithmetic, and Starlark's NaN order on the generic path it falls back to.
/// `%d` and `int(string)` size small ints without a BigInt; their fuel and memory checks must
/// match the BigInt path's word count exactly.
@Test(arguments: IntFastPathTests.values)
func magnitudeWordsMatchBigInt(_ k: Int64) {
    #expect(Sandbox.magnitudeWords(k) == BigInt(k).magnitude.words.count)
}

@Suite struct FloatFastPathTests {
    static let values: [Double] = [0, -0.0, 1.5, -2.25, 0.1, 1e308, -1e308, .leastNonzeroMagnitude, .infinity, -.infinity]

    /// `got` is the float `want` (NaN matching NaN, which `==` on outcomes does not).
    func isFloat(_ got: Sandbox.Outcome, _ want: Double) -> Bool {
        guard case .returned(.float(let r)) = got else { return false }
        return want.isNaN ? r.isNaN : r == want && r.sign == want.sign
    }

    @Test func arithmeticIsIEEE() async throws {
        for x in Self.values {
            for y in Self.values {
                #expect(isFloat(try await eval(.bin("add", .float(x), .float(y))), x + y), "\(x) + \(y)")
                #expect(isFloat(try await eval(.bin("sub", .float(x), .float(y))), x - y), "\(x) - \(y)")
                #expect(isFloat(try await eval(.bin("mul", .float(x), .float(y))), x * y), "\(x) * \(y)")
                if y == 0 {
                    #expect(try await eval(.bin("div", .float(x), .float(y))).trap?.message == "floating-point division by zero")
                } else {
                    #expect(isFloat(try await eval(.bin("div", .float(x), .float(y))), x / y), "\(x) / \(y)")
                }
            }
        }
    }

    @Test func comparisonsAndNaN() async throws {
        for x in Self.values {
            for y in Self.values {
                #expect(try await eval(.bin("lt", .float(x), .float(y))) == .returned(.bool(x < y)), "\(x) < \(y)")
                #expect(try await eval(.bin("ge", .float(x), .float(y))) == .returned(.bool(x >= y)), "\(x) >= \(y)")
                #expect(try await eval(.bin("eq", .float(x), .float(y))) == .returned(.bool(x == y)), "\(x) == \(y)")
            }
        }
        // NaN takes the generic path: equal to itself and above every number, as in Go.
        #expect(try await eval(.bin("eq", .float(.nan), .float(.nan))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .float(1), .float(.nan))) == .returned(.bool(true)))
        #expect(try await eval(.bin("gt", .float(.nan), .float(.infinity))) == .returned(.bool(true)))
    }
}
