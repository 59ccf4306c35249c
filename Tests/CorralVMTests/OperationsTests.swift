import BigInt
import CorralBytecode
import Synchronization
import Testing

@testable import CorralVM

// MARK: - A tiny expression language compiled to Corral assembly

/// Test expressions, compiled to the text form so each test states what it computes rather
/// than a page of stack code.
indirect enum E {
    case int(Int64), float(Double), str(String), bytes([UInt8]), big(String)
    case none, `true`, `false`
    case list([E]), tuple([E]), dict([(E, E)])
    /// A binary instruction by mnemonic: add, mul, floordiv, eq, lt, in, not_in, …
    case bin(String, E, E)
    /// A unary instruction by mnemonic: neg, pos, bitnot, not.
    case un(String, E)
    /// A builtin call with positional and named arguments.
    case call(String, [E], [(String, E)])
    /// A method call (`call.attr`).
    case method(E, String, [E], [(String, E)])
    case index(E, E)
    case slice(E, E?, E?, E?)
    case attr(E, String)
    case local(UInt32)
    /// Calls the value of an expression (e.g. a bound method) with positional arguments.
    case apply(E, [E])
    /// A builtin as a value (`builtin k`), e.g. a key function.
    case builtin(String)

    static func call(_ name: String, _ args: E...) -> E { .call(name, args, []) }
    static func method(_ receiver: E, _ name: String, _ args: E...) -> E { .method(receiver, name, args, []) }
    static func s(_ text: String) -> E { .str(text) }
    static func i(_ v: Int64) -> E { .int(v) }
}

/// Test statements.
enum S {
    case set(UInt32, E)
    case eval(E)
    case setIndex(E, E, E)
    case ret(E)
    /// Raw assembly lines.
    case raw(String)
}

struct Asm {
    var constants: [String] = []
    var index: [String: Int] = [:]
    var code: [String] = []

    mutating func constant(_ directive: String) -> Int {
        if let k = index[directive] { return k }
        constants.append(directive)
        index[directive] = constants.count - 1
        return constants.count - 1
    }

    static func quote(_ bytes: [UInt8]) -> String {
        var s = "\""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                s.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return s + "\""
    }

    mutating func name(_ n: String) -> Int { constant(".const string \(Asm.quote(Array(n.utf8)))") }

    mutating func emit(_ e: E) {
        switch e {
        case .int(let v): code.append("const.int \(v)")
        case .float(let d):
            let text = d.isNaN ? "nan" : (d.isInfinite ? (d < 0 ? "-inf" : "inf") : d.description)
            code.append("const \(constant(".const float \(text)"))")
        case .str(let s): code.append("const \(constant(".const string \(Asm.quote(Array(s.utf8)))"))")
        case .bytes(let b): code.append("const \(constant(".const bytes \(Asm.quote(b))"))")
        case .big(let digits): code.append("const \(constant(".const bigint \(digits)"))")
        case .none: code.append("const.none")
        case .true: code.append("const.true")
        case .false: code.append("const.false")
        case .list(let items):
            items.forEach { emit($0) }
            code.append("list.new \(items.count)")
        case .tuple(let items):
            items.forEach { emit($0) }
            code.append("tuple.new \(items.count)")
        case .dict(let pairs):
            for (k, v) in pairs {
                emit(k)
                emit(v)
            }
            code.append("dict.new \(pairs.count)")
        case .bin(let op, let a, let b):
            emit(a)
            emit(b)
            code.append(op)
        case .un(let op, let a):
            emit(a)
            code.append(op)
        case .call(let f, let args, let named):
            code.append("builtin \(name(f))")
            args.forEach { emit($0) }
            for (n, v) in named {
                code.append("const \(name(n))")
                emit(v)
            }
            code.append("call \(args.count) \(named.count)")
        case .method(let r, let m, let args, let named):
            emit(r)
            args.forEach { emit($0) }
            for (n, v) in named {
                code.append("const \(name(n))")
                emit(v)
            }
            code.append("call.attr \(name(m)) \(args.count) \(named.count)")
        case .index(let s, let k):
            emit(s)
            emit(k)
            code.append("index")
        case .slice(let s, let lo, let hi, let step):
            emit(s)
            for part in [lo, hi, step] { emit(part ?? .none) }
            code.append("slice")
        case .attr(let x, let n):
            emit(x)
            code.append("attr \(name(n))")
        case .local(let i): code.append("local.get \(i)")
        case .builtin(let f): code.append("builtin \(name(f))")
        case .apply(let f, let args):
            emit(f)
            args.forEach { emit($0) }
            code.append("call \(args.count) 0")
        }
    }

    mutating func emit(_ s: S) {
        switch s {
        case .set(let i, let e):
            emit(e)
            code.append("local.set \(i)")
        case .eval(let e):
            emit(e)
            code.append("drop")
        case .setIndex(let x, let k, let v):
            emit(x)
            emit(k)
            emit(v)
            code.append("index.set")
        case .ret(let e):
            emit(e)
            code.append("return")
        case .raw(let text): code.append(text)
        }
    }

    /// A module whose start function runs `body`.
    static func module(_ body: [S]) -> String {
        var a = Asm()
        body.forEach { a.emit($0) }
        return (a.constants + [".start 0", ".func \"main\"", ".locals 8"] + a.code + ["end"]).joined(separator: "\n")
    }
}

/// Runs `body` as a module's start function.
func run(_ body: [S], budget: Budget = Budget(), printed: (@Sendable (String) -> Void)? = nil) async throws -> (Sandbox.Outcome, Sandbox) {
    let module = try Assembler.assemble(Asm.module(body))
    let vm = try ValidatedModule.validate(module)
    let sb = try Sandbox(module: vm, budget: budget, print: printed ?? { _ in })
    return (await sb.initialize(freeze: false), sb)
}

/// The outcome of evaluating `e`.
func eval(_ e: E, budget: Budget = Budget()) async throws -> Sandbox.Outcome {
    try await run([.ret(e)], budget: budget).0
}

/// `repr(e)` after running `body`, or `reason: message` if it traps.
func show(_ body: [S], _ e: E, budget: Budget = Budget()) async throws -> String {
    describe(try await run(body + [.ret(.call("repr", e))], budget: budget).0)
}

func show(_ e: E, budget: Budget = Budget()) async throws -> String {
    try await show([], e, budget: budget)
}

func describe(_ outcome: Sandbox.Outcome) -> String {
    switch outcome {
    case .returned(.string(let s)): return s
    case .returned(let v): return "\(v)"
    case .trapped(let t): return "\(t.reason.rawValue): \(t.message)"
    }
}

/// Lines that set local `target` to a list nested `depth` deep (`[[[...[]...]]]`).
func nestedList(into target: UInt32, depth: Int, counter: UInt32 = 7) -> [S] {
    [
        .set(target, .list([])), .set(counter, .int(0)),
        .raw(
            """
            block
              loop
                local.get \(counter)
                const.int \(depth)
                ge
                br_if 1
                local.get \(target)
                list.new 1
                local.set \(target)
                local.get \(counter)
                const.int 1
                add
                local.set \(counter)
                br 0
              end
            end
            """),
    ]
}

// MARK: - Tests

@Suite struct OperationsTests {
    // MARK: ints and floats

    @Test func intOverflowPromotesAndDemotes() async throws {
        #expect(try await show(.bin("add", .int(.max), .int(1))) == "9223372036854775808")
        #expect(try await show(.bin("sub", .int(.min), .int(1))) == "-9223372036854775809")
        #expect(try await show(.bin("mul", .int(1 << 62), .int(4))) == "18446744073709551616")
        // Back into 64 bits: the result is a plain int again (type and equality agree).
        let back = E.bin("sub", .bin("add", .int(.max), .int(1)), .int(1))
        #expect(try await show(back) == "9223372036854775807")
        #expect(try await eval(.bin("eq", back, .int(.max))) == .returned(.bool(true)))
        #expect(try await show(.un("neg", .int(.min))) == "9223372036854775808")
        #expect(try await show(.call("abs", .int(.min))) == "9223372036854775808")
        #expect(try await show(.bin("floordiv", .int(.min), .int(-1))) == "9223372036854775808")
        #expect(try await show(.bin("mod", .int(.min), .int(-1))) == "0")
        #expect(try await show(.bin("mul", .big("123456789012345678901234567890"), .big("-98765432109876543210"))) ==
            "-12193263113702179522496570642237463801111263526900")
    }

    @Test func floorDivisionAndModuloFollowTheDivisor() async throws {
        #expect(try await show(.bin("floordiv", .int(7), .int(-2))) == "-4")
        #expect(try await show(.bin("floordiv", .int(-7), .int(2))) == "-4")
        #expect(try await show(.bin("mod", .int(-7), .int(2))) == "1")
        #expect(try await show(.bin("mod", .int(7), .int(-2))) == "-1")
        #expect(try await show(.bin("mod", .float(-7.5), .int(2))) == "0.5")
        #expect(try await show(.bin("floordiv", .float(7), .int(-2))) == "-4.0")
        let big = E.big("100000000000000000000")
        #expect(try await show(.bin("floordiv", .un("neg", big), .int(3))) == "-33333333333333333334")
        #expect(try await show(.bin("mod", .un("neg", big), .int(3))) == "2")
        #expect(try await show(.bin("floordiv", .int(1), .int(0))) == "runtime-error: integer division by zero")
        #expect(try await show(.bin("mod", .int(1), .int(0))) == "runtime-error: integer modulo by zero")
        #expect(try await show(.bin("div", .int(1), .float(0))) == "runtime-error: floating-point division by zero")
    }

    @Test func trueDivisionShiftsAndBitwise() async throws {
        #expect(try await show(.bin("div", .int(7), .int(2))) == "3.5")
        #expect(try await show(.bin("div", .big("10000000000000000000000"), .int(10))) == "1e+21")
        #expect(try await show(.bin("shl", .int(1), .int(100))) == "1267650600228229401496703205376")
        #expect(try await show(.bin("shr", .int(-5), .int(1))) == "-3")
        #expect(try await show(.bin("shr", .bin("shl", .int(-5), .int(100)), .int(101))) == "-3")
        #expect(try await show(.bin("shl", .int(1), .int(512))) == "runtime-error: shift count too large: 512")
        #expect(try await show(.bin("shl", .int(1), .int(-1))) == "runtime-error: negative shift count: -1")
        #expect(try await show(.bin("bitand", .int(12), .int(10))) == "8")
        #expect(try await show(.bin("bitor", .int(12), .int(10))) == "14")
        #expect(try await show(.bin("bitxor", .int(12), .int(10))) == "6")
        #expect(try await show(.un("bitnot", .int(5))) == "-6")
        // Two's complement semantics on big ints: -2^64 & (2^65 - 1) == 2^64 (bit 64 only).
        let minus264 = E.un("neg", .big("18446744073709551616"))
        #expect(try await show(.bin("bitand", minus264, .big("36893488147419103231"))) == "18446744073709551616")
        #expect(try await show(.bin("bitor", minus264, .int(5))) == "-18446744073709551611")
        #expect(try await show(.bin("bitxor", minus264, .int(-1))) == "18446744073709551615")
    }

    @Test func intFloatComparisonIsExact() async throws {
        // 2^53 + 1 is not a float; converting it would make these equal.
        let n = E.int(9_007_199_254_740_993)
        #expect(try await eval(.bin("eq", n, .float(9_007_199_254_740_992))) == .returned(.bool(false)))
        #expect(try await eval(.bin("gt", n, .float(9_007_199_254_740_992))) == .returned(.bool(true)))
        #expect(try await eval(.bin("eq", .int(1), .float(1))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .int(1), .float(1.5))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .big("100000000000000000000"), .float(1e20))) == .returned(.bool(false)))
        #expect(try await eval(.bin("eq", .big("100000000000000000000"), .float(1e20))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .big("-100000000000000000001"), .float(-1e20))) == .returned(.bool(true)))
        // NaN is equal to itself and above everything (Go Starlark's total order).
        #expect(try await eval(.bin("eq", .float(.nan), .float(.nan))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .float(.infinity), .float(.nan))) == .returned(.bool(true)))
        #expect(try await show(.bin("add", .int(1), .float(0.5))) == "1.5")
        #expect(try await show(.bin("lt", .int(1), .s("a"))) == "runtime-error: int < string not implemented")
    }

    @Test func floatsPrintLikeGoStarlark() async throws {
        let cases: [(Double, String)] = [
            (3, "3.0"), (0.1, "0.1"), (-0.0, "-0.0"), (1e6, "1e+06"), (123456.0, "123456.0"), (1.5e300, "1.5e+300"),
            (0.0001, "0.0001"), (0.00001, "1e-05"), (123456789.0, "1.23456789e+08"), (.infinity, "+inf"), (.nan, "nan"),
            (-2.5e-7, "-2.5e-07"),
        ]
        for (d, text) in cases { #expect(formatFloat(d) == text, "\(d)") }
        #expect(try await show(.call("float", .s("1e3"))) == "1000.0")
        #expect(try await show(.call("float", .s("-inf"))) == "-inf")
        #expect(try await show(.call("float", .s("0x10"))) == "runtime-error: invalid float literal: 0x10")
        #expect(try await show(.call("float", .bin("shl", .int(1), .int(500)))) == "3.273390607896142e+150")
        #expect(try await show(.call("float", .bin("mul", .bin("shl", .int(2), .int(511)), .bin("shl", .int(1), .int(511))))) ==
            "8.98846567431158e+307")
        #expect(try await show(.call("float", .bin("mul", .bin("shl", .int(4), .int(511)), .bin("shl", .int(1), .int(511))))) ==
            "runtime-error: int too large to convert to float")
    }

    // MARK: strings, bytes and repetition

    @Test func stringConcatenationAndRepetition() async throws {
        #expect(try await show(.bin("add", .s("ab"), .s("cd"))) == "\"abcd\"")
        #expect(try await show(.bin("mul", .s("ab"), .int(3))) == "\"ababab\"")
        #expect(try await show(.bin("mul", .int(2), .s("ab"))) == "\"abab\"")
        #expect(try await show(.bin("mul", .s("ab"), .int(-1))) == "\"\"")
        #expect(try await show(.bin("mul", .list([.int(1)]), .int(3))) == "[1, 1, 1]")
        #expect(try await show(.bin("add", .tuple([.int(1)]), .tuple([.int(2)]))) == "(1, 2)")
        #expect(try await show(.bin("add", .bytes([1]), .bytes([0xff]))) == "b\"\\x01\\xff\"")
        #expect(try await show(.bin("add", .s("a"), .int(1))) == "runtime-error: unknown binary op: string + int")
        #expect(try await show(.bin("mod", .s("%d"), .int(1))) == "\"1\"")  // formatting: LibraryTests
    }

    @Test func hugeRepetitionTrapsWithoutAllocating() async throws {
        // Over the budget but under Go Starlark's absolute limits: out of memory, checked
        // before anything is built.
        let outcome = try await eval(.bin("mul", .s("x"), .bin("shl", .int(1), .int(29))))
        #expect(outcome.trap?.reason == .outOfMemory)
        let big = try await eval(.bin("mul", .list([.int(1), .int(2)]), .bin("shl", .int(1), .int(28))))
        #expect(big.trap?.reason == .outOfMemory)
        // Beyond them: a program error whatever the budget, in Go's words.
        #expect(try await show(.bin("mul", .s("x"), .bin("shl", .int(1), .int(40)))) == "runtime-error: repeat count 1099511627776 too large")
        #expect(try await show(.bin("mul", .s("xy"), .bin("shl", .int(1), .int(100)))).hasSuffix("too large"))
        #expect(try await show(.bin("mul", .tuple([.int(1), .int(2)]), .int(1 << 29))) == "runtime-error: excessive repeat (2 * 536870912 elements)")
        // An empty sequence repeats to empty whatever the count.
        #expect(try await show(.bin("mul", .s(""), .bin("shl", .int(1), .int(100)))) == "\"\"")
    }

    @Test func stringIndexingSlicingAndMembership() async throws {
        #expect(try await show(.index(.s("héllo"), .int(0))) == "\"h\"")
        #expect(try await show(.index(.s("abc"), .int(-1))) == "\"c\"")
        #expect(try await show(.index(.bytes([7, 8]), .int(1))) == "8")
        #expect(try await show(.index(.s("abc"), .int(3))) == "runtime-error: string index 3 out of range [-3:2]")
        #expect(try await show(.index(.s(""), .int(0))) == "runtime-error: index 0 out of range: empty string")
        #expect(try await show(.slice(.s("abcdef"), .int(1), .int(-1), nil)) == "\"bcde\"")
        #expect(try await show(.slice(.s("abcdef"), nil, nil, .int(-2))) == "\"fdb\"")
        #expect(try await show(.slice(.list([.int(0), .int(1), .int(2), .int(3)]), .int(-100), .int(100), .int(3))) == "[0, 3]")
        #expect(try await show(.slice(.tuple([.int(0), .int(1), .int(2)]), nil, nil, .int(-1))) == "(2, 1, 0)")
        #expect(try await show(.slice(.s("abc"), nil, nil, .int(0))) == "runtime-error: slice step cannot be zero")
        #expect(try await show(.slice(.call("range", .int(10)), nil, nil, .int(2))) == "range(0, 10, 2)")
        #expect(try await show(.slice(.call("range", .int(10)), nil, nil, .int(-1))) == "range(9, -1, -1)")
        #expect(try await eval(.bin("in", .s("ell"), .s("hello"))) == .returned(.bool(true)))
        #expect(try await eval(.bin("not_in", .s("xyz"), .s("hello"))) == .returned(.bool(true)))
        let long = String(repeating: "ab", count: 40)
        #expect(try await eval(.bin("in", .s(long + "c"), .s(long + long + "c"))) == .returned(.bool(true)))
        #expect(try await eval(.bin("in", .int(8), .bytes([7, 8]))) == .returned(.bool(true)))
        #expect(try await show(.bin("in", .int(1), .s("a"))) == "runtime-error: 'in <string>' requires string as left operand, not int")
        #expect(try await show(.bin("in", .int(1), .int(2))) == "runtime-error: unknown binary op: int in int")
    }

    @Test func reprQuotesLikeGoStarlark() async throws {
        #expect(try await show(.s("a\nb\"c\\")) == #""a\nb\"c\\""#)
        #expect(try await show(.s("tab\there é")) == "\"tab\\there é\"")
        #expect(try await show(.bytes([0x61, 0x00, 0xC3, 0xA9])) == #"b"a\x00\xc3\xa9""#)
        #expect(try await show(.call("str", .bytes([0x61, 0xff]))) == "\"a\u{FFFD}\"")
        #expect(try await show(.call("str", .s("plain"))) == "\"plain\"")
        #expect(try await show(.call("str", .list([.s("q")]))) == #""[\"q\"]""#)
        #expect(try await show(.tuple([.int(1)])) == "(1,)")
        #expect(try await show(.dict([(.s("a"), .int(1)), (.int(2), .none)])) == "{\"a\": 1, 2: None}")
        #expect(try await show(.call("set", .list([.int(1), .int(2), .int(1)]))) == "set([1, 2])")
        #expect(try await show(.call("range", .int(1), .int(5))) == "range(1, 5)")
        #expect(try await show(.call("repr", .call("len"))) == "runtime-error: len: missing argument for x")
        #expect(try await show(.call("type", .call("len", .s("ab")))) == "\"int\"")
    }

    @Test func reprOfNestedAndCyclicStructures() async throws {
        #expect(try await show(.list([.list([.int(1), .tuple([.s("x"), .list([])])]), .dict([])])) == "[[1, (\"x\", [])], {}]")
        let cyclic: [S] = [.set(0, .list([.int(1)])), .eval(.method(.local(0), "append", .local(0)))]
        #expect(try await show(cyclic, .local(0)) == "[1, [...]]")
        let cyclicDict: [S] = [.set(0, .dict([])), .setIndex(.local(0), .s("me"), .local(0))]
        #expect(try await show(cyclicDict, .local(0)) == "{\"me\": {...}}")
        // Printing a cyclic value through str/print terminates too.
        let lines = Lines()
        _ = try await run(cyclic + [.eval(.call("print", .s("v ="), .local(0))), .ret(.none)], printed: { lines.append($0) })
        #expect(lines.all == ["v = [1, [...]]"])
    }

    // MARK: lists, tuples and iteration

    @Test func listOperationsAndMethods() async throws {
        let l: [S] = [.set(0, .list([.int(3), .int(1)]))]
        #expect(try await show(l + [.eval(.method(.local(0), "append", .int(2)))], .local(0)) == "[3, 1, 2]")
        #expect(try await show(l + [.eval(.method(.local(0), "extend", .tuple([.int(5), .int(6)])))], .local(0)) == "[3, 1, 5, 6]")
        #expect(try await show(l + [.eval(.method(.local(0), "insert", .int(-1), .int(9)))], .local(0)) == "[3, 9, 1]")
        #expect(try await show(l + [.eval(.method(.local(0), "insert", .int(99), .int(9)))], .local(0)) == "[3, 1, 9]")
        #expect(try await show(l, .method(.local(0), "pop")) == "1")
        #expect(try await show(l, .method(.local(0), "pop", .int(0))) == "3")
        #expect(try await show(l + [.eval(.method(.local(0), "remove", .int(3)))], .local(0)) == "[1]")
        #expect(try await show(l, .method(.local(0), "remove", .int(7))) == "runtime-error: remove: element not found")
        #expect(try await show(l + [.eval(.method(.local(0), "clear"))], .local(0)) == "[]")
        #expect(try await show(l, .method(.local(0), "index", .int(1))) == "1")
        #expect(try await show(l, .method(.local(0), "index", .int(4))) == "runtime-error: index: value not in list")
        #expect(try await show(.method(.list([]), "pop")) == "runtime-error: pop: empty list")
        #expect(try await show(.method(.list([]), "append", .i(1), .i(2))) == "runtime-error: append: got 2 arguments, want at most 1")
        #expect(try await show(l + [.setIndex(.local(0), .int(-1), .s("z"))], .local(0)) == "[3, \"z\"]")
        #expect(try await show(l + [.setIndex(.local(0), .int(2), .s("z"))], .local(0)) == "runtime-error: list index 2 out of range [-2:1]")
        #expect(try await show(.index(.list([.int(1)]), .s("a"))) == "runtime-error: list index: got string, want int")
        // += extends the same list in place; + makes a new one.
        let inPlace: [S] = l + [.set(1, .local(0)), .set(0, .bin("add.inplace", .local(0), .list([.int(4)])))]
        #expect(try await show(inPlace, .local(1)) == "[3, 1, 4]")
        let copy: [S] = l + [.set(1, .local(0)), .set(0, .bin("add", .local(0), .list([.int(4)])))]
        #expect(try await show(copy, .local(1)) == "[3, 1]")
        #expect(try await show(.bin("add.inplace", .tuple([.int(1)]), .tuple([.int(2)]))) == "(1, 2)")
        #expect(try await show(.attr(.list([]), "nope")) == "runtime-error: list has no .nope field or method")
        #expect(try await show(.apply(.attr(.list([.int(1), .int(2)]), "index"), [.int(2)])) == "1")
        #expect(try await show(.attr(.list([]), "append")) == "<built-in method append of list value>")
    }

    @Test func mutationDuringIterationIsAnError() async throws {
        let body: [S] = [
            .set(0, .dict([(.s("a"), .int(1))])),
            .raw(
                """
                local.get 0
                iter.begin
                block
                  loop
                    iter.next 1
                    local.set 1
                    local.get 0
                    local.get 1
                    const.int 2
                    index.set
                    br 0
                  end
                end
                iter.end
                """),
        ]
        #expect(try await show(body, .none) == "runtime-error: cannot insert into hash table during iteration")
        // After the loop ends the dict is unlocked again.
        let after: [S] = [
            .set(0, .list([.int(1), .int(2)])), .set(2, .int(0)),
            .raw(
                """
                local.get 0
                iter.begin
                block
                  loop
                    iter.next 1
                    local.get 2
                    add
                    local.set 2
                    br 0
                  end
                end
                iter.end
                """),
            .eval(.method(.local(0), "append", .local(2))),
        ]
        #expect(try await show(after, .local(0)) == "[1, 2, 3]")
    }

    @Test func iterationOverEveryIterable() async throws {
        func sum(_ x: E) -> [S] {
            [
                .set(0, x), .set(2, .list([])),
                .raw(
                    """
                    local.get 0
                    iter.begin
                    block
                      loop
                        iter.next 1
                        local.set 1
                        local.get 2
                        local.get 1
                        list.push
                        br 0
                      end
                    end
                    iter.end
                    """),
            ]
        }
        #expect(try await show(sum(.dict([(.s("k"), .int(1)), (.s("j"), .int(2))])), .local(2)) == "[\"k\", \"j\"]")
        #expect(try await show(sum(.call("set", .tuple([.int(3), .int(4)]))), .local(2)) == "[3, 4]")
        #expect(try await show(sum(.call("range", .int(5), .int(0), .int(-2))), .local(2)) == "[5, 3, 1]")
        // A lazy range of 2^62 elements is fine to begin (and break out of) iterating.
        #expect(try await show(sum(.s("abc")), .local(2)) == "runtime-error: string value is not iterable")
    }

    @Test func frozenListRejectsMutation() async throws {
        let text = """
            .const string "append"
            .global "items"
            .export func "push" 1
            .start 0
            .func "main"
              const.int 1
              list.new 1
              global.set 0
              const.none
            end
            .func "push"
              global.get 0
              const.int 2
              call.attr 0 1 0
            end
            """
        let vm = try ValidatedModule.validate(try Assembler.assemble(text))
        let sb = try Sandbox(module: vm)
        #expect(await sb.initialize() == .returned(.none))
        let out = await sb.call("push")
        #expect(out.trap?.message == "cannot append to frozen list")
        // Not frozen: the same call succeeds.
        let open = try Sandbox(module: vm)
        #expect(await open.initialize(freeze: false) == .returned(.none))
        #expect(await open.call("push") == .returned(.none))
    }

    @Test func unpackChecksTheCount() async throws {
        let ok: [S] = [.raw("const.int 7\nconst.int 8\ntuple.new 2\nunpack 2\nlocal.set 1\nlocal.set 0")]
        #expect(try await show(ok, .tuple([.local(0), .local(1)])) == "(7, 8)")
        let many: [S] = [.raw("const.int 1\nconst.int 2\nconst.int 3\nlist.new 3\nunpack 2\ndrop\ndrop")]
        #expect(try await show(many, .none) == "runtime-error: too many values to unpack (got 3, want 2)")
        let few: [S] = [.raw("const.int 1\nlist.new 1\nunpack 2\ndrop\ndrop")]
        #expect(try await show(few, .none) == "runtime-error: too few values to unpack (got 1, want 2)")
    }

    // MARK: dicts and sets

    @Test func dictsKeepInsertionOrder() async throws {
        let d: [S] = [
            .set(0, .dict([(.s("b"), .int(1)), (.s("a"), .int(2))])),
            .setIndex(.local(0), .s("c"), .int(4)),
            .setIndex(.local(0), .s("b"), .int(5)),
        ]
        #expect(try await show(d, .local(0)) == "{\"b\": 5, \"a\": 2, \"c\": 4}")
        #expect(try await show(d, .method(.local(0), "keys")) == "[\"b\", \"a\", \"c\"]")
        #expect(try await show(d, .method(.local(0), "values")) == "[5, 2, 4]")
        #expect(try await show(d, .method(.local(0), "items")) == "[(\"b\", 5), (\"a\", 2), (\"c\", 4)]")
        #expect(try await show(d, .method(.local(0), "get", .s("a"))) == "2")
        #expect(try await show(d, .method(.local(0), "get", .s("z"), .int(0))) == "0")
        #expect(try await show(d + [.eval(.method(.local(0), "pop", .s("b")))], .local(0)) == "{\"a\": 2, \"c\": 4}")
        #expect(try await show(d, .method(.local(0), "pop", .s("z"))) == "runtime-error: pop: missing key \"z\"")
        #expect(try await show(d, .method(.local(0), "popitem")) == "(\"b\", 5)")
        #expect(try await show(d + [.eval(.method(.local(0), "setdefault", .s("a"), .int(9))), .eval(.method(.local(0), "setdefault", .s("n")))], .local(0)) ==
            "{\"b\": 5, \"a\": 2, \"c\": 4, \"n\": None}")
        let update = E.method(.local(0), "update", [.list([.tuple([.s("z"), .int(0)])])], [("a", .int(7))])
        #expect(try await show(d + [.eval(update)], .local(0)) == "{\"b\": 5, \"a\": 7, \"c\": 4, \"z\": 0}")
        #expect(try await show(d + [.eval(.method(.local(0), "clear"))], .local(0)) == "{}")
        #expect(try await show(.index(.dict([]), .s("k"))) == "runtime-error: key \"k\" not in dict")
        #expect(try await show(.bin("bitor", .dict([(.i(1), .i(1)), (.i(2), .i(2))]), .dict([(.i(2), .i(9)), (.i(3), .i(3))]))) == "{1: 1, 2: 9, 3: 3}")
        let orInPlace: [S] = [.set(0, .dict([(.i(1), .i(1))])), .set(1, .local(0)), .set(0, .bin("bitor.inplace", .local(0), .dict([(.i(5), .i(5))])))]
        #expect(try await show(orInPlace, .local(1)) == "{1: 1, 5: 5}")
        // 1 and 1.0 are the same key: a literal that repeats a key traps, as in Go Starlark;
        // assignment keeps the first key value and takes the new value.
        #expect(try await show(.dict([(.int(1), .s("a")), (.float(1), .s("b"))])) == "runtime-error: duplicate key: 1.0")
        #expect(try await show(.dict([(.s("b"), .int(1)), (.s("a"), .int(2)), (.s("b"), .int(3))])) == "runtime-error: duplicate key: \"b\"")
        #expect(try await show([.set(0, .dict([(.int(1), .s("a"))])), .setIndex(.local(0), .float(1), .s("b"))], .local(0)) == "{1: \"b\"}")
        #expect(try await eval(.bin("in", .float(2), .dict([(.int(2), .none)]))) == .returned(.bool(true)))
    }

    @Test func unhashableKeysAreRejected() async throws {
        #expect(try await show(.dict([(.list([]), .int(1))])) == "runtime-error: unhashable type: list")
        #expect(try await show(.index(.dict([]), .dict([]))) == "runtime-error: unhashable type: dict")
        #expect(try await show(.call("set", .list([.tuple([.int(1), .list([])])]))) == "runtime-error: unhashable type: list")
        #expect(try await show(.bin("in", .list([]), .call("set"))) == "runtime-error: unhashable type: list")
        #expect(try await show(.dict([(.tuple([.int(1), .s("a")]), .int(1))])) == "{(1, \"a\"): 1}")
    }

    @Test func setsAndTheirOperators() async throws {
        let a = E.call("set", .list([.i(1), .i(2), .i(3)]))
        let b = E.call("set", .list([.i(3), .i(4)]))
        #expect(try await show(.bin("bitor", a, b)) == "set([1, 2, 3, 4])")
        #expect(try await show(.bin("bitand", a, b)) == "set([3])")
        #expect(try await show(.bin("bitxor", a, b)) == "set([1, 2, 4])")
        #expect(try await show(.bin("sub", a, b)) == "set([1, 2])")
        let s: [S] = [.set(0, a)]
        #expect(try await show(s + [.eval(.method(.local(0), "add", .i(9))), .eval(.method(.local(0), "add", .i(1)))], .local(0)) == "set([1, 2, 3, 9])")
        #expect(try await show(s + [.eval(.method(.local(0), "remove", .i(2)))], .local(0)) == "set([1, 3])")
        #expect(try await show(s, .method(.local(0), "remove", .i(7))) == "runtime-error: remove: element 7 not found")
        #expect(try await show(s + [.eval(.method(.local(0), "discard", .i(7)))], .local(0)) == "set([1, 2, 3])")
        #expect(try await show(s, .method(.local(0), "union", .list([.i(0)]), .tuple([.i(5)]))) == "set([1, 2, 3, 0, 5])")
        #expect(try await show(s + [.eval(.method(.local(0), "clear"))], .local(0)) == "set([])")
        #expect(try await eval(.bin("in", .i(2), a)) == .returned(.bool(true)))
    }

    // MARK: equality, ordering, hashing

    @Test func deepEqualityAndOrdering() async throws {
        let x = E.list([.i(1), .dict([(.s("k"), .tuple([.float(2), .s("v")]))]), .call("set", .list([.i(1)]))])
        let y = E.list([.float(1), .dict([(.s("k"), .tuple([.i(2), .s("v")]))]), .call("set", .list([.i(1)]))])
        #expect(try await eval(.bin("eq", x, y)) == .returned(.bool(true)))
        #expect(try await eval(.bin("ne", .list([.i(1)]), .tuple([.i(1)]))) == .returned(.bool(true)))
        #expect(try await eval(.bin("eq", .call("range", .i(0)), .call("range", .i(5), .i(5)))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .list([.i(1), .i(2)]), .list([.i(1), .i(3)]))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .list([.i(1)]), .list([.i(1), .i(0)]))) == .returned(.bool(true)))
        #expect(try await eval(.bin("lt", .s("abc"), .s("abd"))) == .returned(.bool(true)))
        #expect(try await eval(.bin("ge", .s("b"), .s("abc"))) == .returned(.bool(true)))
        // Equal unorderable elements are skipped; only the first unequal pair is ordered.
        #expect(try await eval(.bin("lt", .list([.dict([]), .i(1)]), .list([.dict([]), .i(2)]))) == .returned(.bool(true)))
        #expect(try await show(.bin("lt", .dict([]), .dict([]))) == "runtime-error: dict < dict not implemented")
        #expect(try await eval(.bin("eq", .call("len"), .none)).trap?.message == "len: missing argument for x")
    }

    @Test func deepAndCyclicValuesTrapInsteadOfOverflowingTheStack() async throws {
        // Two distinct 2,000-deep lists: equality gives up at the nesting limit.
        let two = nestedList(into: 0, depth: 2_000) + nestedList(into: 1, depth: 2_000)
        #expect(try await show(two, .bin("eq", .local(0), .local(1))).contains("nested more than 1000 deep"))
        // The same list compares by identity, however deep.
        #expect(try await show(two, .bin("eq", .local(0), .local(0))) == "True")
        #expect(try await show(two, .bin("lt", .local(0), .local(1))).contains("nested more than 1000 deep"))
        // Two distinct self-containing lists.
        let cycles: [S] = [
            .set(0, .list([])), .eval(.method(.local(0), "append", .local(0))),
            .set(1, .list([])), .eval(.method(.local(1), "append", .local(1))),
        ]
        #expect(try await show(cycles, .bin("eq", .local(0), .local(1))).contains("nested more than 1000 deep"))
        // 900 deep is fine.
        let ok = nestedList(into: 0, depth: 900) + nestedList(into: 1, depth: 900)
        #expect(try await show(ok, .bin("eq", .local(0), .local(1))) == "True")
        // repr, equality and ordering iterate with explicit stacks, so depth costs no native stack.
        let repr = try await show(nestedList(into: 0, depth: 5_000), .local(0))
        #expect(repr == String(repeating: "[", count: 5_001) + String(repeating: "]", count: 5_001))
        // Tuples used as keys nest at most 100 deep (a HashKey is a recursive Swift value).
        let tuples: [S] = [
            .set(0, .tuple([])), .set(7, .int(0)),
            .raw(
                """
                block
                  loop
                    local.get 7
                    const.int 150
                    ge
                    br_if 1
                    local.get 0
                    tuple.new 1
                    local.set 0
                    local.get 7
                    const.int 1
                    add
                    local.set 7
                    br 0
                  end
                end
                """),
        ]
        #expect(try await show(tuples, .call("set", .list([.local(0)]))) ==
            "runtime-error: unhashable: a tuple nested more than 100 deep cannot be a key")
        #expect(try await show(tuples, .bin("eq", .local(0), .local(0))) == "True")
    }

    @Test func hashIsDeterministic() async throws {
        // Java's String.hashCode ("hello" is 99162322 in Java) and 32-bit FNV-1a for bytes.
        #expect(try await show(.call("hash", .s("hello"))) == "99162322")
        #expect(try await show(.call("hash", .s(""))) == "0")
        #expect(try await show(.call("hash", .s("😀"))) == "1772899")
        #expect(try await show(.call("hash", .bytes([]))) == "2166136261")
        #expect(try await show(.call("hash", .bytes(Array("a".utf8)))) == "3826002220")
        #expect(try await show(.call("hash", .list([]))) == "runtime-error: hash: got list, want string or bytes")
    }

    // MARK: builtins

    @Test func conversionBuiltins() async throws {
        #expect(try await show(.call("int", .s("-42"))) == "-42")
        #expect(try await show(.call("int", [.s("ff")], [("base", .i(16))])) == "255")
        #expect(try await show(.call("int", .s("0x1F"), .i(0))) == "31")
        #expect(try await show(.call("int", .s("0b101"), .i(0))) == "5")
        #expect(try await show(.call("int", .s("99999999999999999999"))) == "99999999999999999999")
        #expect(try await show(.call("int", .float(-3.9))) == "-3")
        #expect(try await show(.call("int", .float(1e20))) == "100000000000000000000")
        #expect(try await show(.call("int", .true)) == "1")
        #expect(try await show(.call("int", .s("12a"))) == "runtime-error: int: invalid literal with base 10: 12a")
        #expect(try await show(.call("int", .s("010"), .i(0))) == "runtime-error: int: invalid literal with base 0: 010")
        #expect(try await show(.call("int", .float(.nan))) == "runtime-error: int: cannot convert float NaN to integer")
        #expect(try await show(.call("float", .i(3))) == "3.0")
        #expect(try await show(.call("bool", .list([]))) == "False")
        #expect(try await show(.call("bool", .s("x"))) == "True")
        #expect(try await show(.call("abs", .float(-2.5))) == "2.5")
        #expect(try await show(.call("str", .float(2))) == "\"2.0\"")
        #expect(try await show(.call("repr", .s("q"))) == #""\"q\"""#)
        #expect(try await show(.call("type", .call("range", .i(1)))) == "\"range\"")
        #expect(try await show(.call("type", .none)) == "\"NoneType\"")
        #expect(try await show(.call("len", .s("héllo"))) == "6")
        #expect(try await show(.call("len", .dict([(.i(1), .i(1))]))) == "1")
        #expect(try await show(.call("len", .call("range", .i(0), .i(10), .i(3)))) == "4")
        #expect(try await show(.call("len", .i(1))) == "runtime-error: len: value of type int has no len")
    }

    @Test func collectionBuiltins() async throws {
        let r = E.call("range", .i(3))
        #expect(try await show(.call("list", r)) == "[0, 1, 2]")
        #expect(try await show(.call("tuple", .list([.i(1)]))) == "(1,)")
        #expect(try await show(.call("list")) == "[]")
        #expect(try await show(.call("dict", [.list([.tuple([.s("a"), .i(1)])])], [("b", .i(2))])) == "{\"a\": 1, \"b\": 2}")
        #expect(try await show(.call("dict", .list([.i(1)]))) == "runtime-error: dict: element #0 is not iterable (int)")
        #expect(try await show(.call("set", .s("ab"))) == "runtime-error: set: got string, want iterable")
        #expect(try await show(.call("min", .list([.i(3), .i(1), .i(2)]))) == "1")
        #expect(try await show(.call("max", .i(3), .i(7), .i(2))) == "7")
        #expect(try await show(.call("max", .list([]))) == "runtime-error: max: argument is an empty sequence")
        #expect(try await show(.call("min", [.list([.i(1)])], [("key", .none)])) == "1")
        #expect(try await show(.call("sorted", .list([.s("b"), .s("c"), .s("a")]))) == "[\"a\", \"b\", \"c\"]")
        #expect(try await show(.call("sorted", [.list([.i(2), .float(1.5), .i(3)])], [("reverse", .true)])) == "[3, 2, 1.5]")
        #expect(try await show(.call("sorted", [.list([.i(1)])], [("key", .call("len", .s("")))])) == "runtime-error: int is not callable")
        #expect(try await show(.call("sorted", .list([.i(1), .s("a")]))) == "runtime-error: string < int not implemented")
        #expect(try await show(.call("reversed", .list([.i(1), .i(2)]))) == "[2, 1]")
        #expect(try await show(.call("enumerate", [.list([.s("a"), .s("b")])], [("start", .i(1))])) == "[(1, \"a\"), (2, \"b\")]")
        #expect(try await show(.call("zip", .list([.i(1), .i(2), .i(3)]), .s("ab").asTuple)) == "[(1, \"a\"), (2, \"b\")]")
        #expect(try await show(.call("any", .list([.i(0), .s(""), .i(2)]))) == "True")
        #expect(try await show(.call("all", .list([.i(1), .list([])]))) == "False")
        #expect(try await show(.call("all", .list([]))) == "True")
        #expect(try await show(.call("range", .i(1), .i(2), .i(0))) == "runtime-error: range: step argument must not be zero")
        #expect(try await show(.call("list", .call("range", .bin("shl", .i(1), .i(62))))) .hasPrefix("out-of-memory"))
        #expect(try await show(.bin("in", .bin("shl", .i(1), .i(61)), .call("range", .bin("shl", .i(1), .i(62))))) == "True")
        #expect(try await show(.bin("in", .i(5), .call("range", .i(0), .i(10), .i(2)))) == "False")
        #expect(try await show(.index(.call("range", .i(10), .i(0), .i(-3)), .i(-1))) == "1")
        let wide = E.call("range", .un("neg", .bin("shl", .i(1), .i(62))), .bin("sub", .bin("shl", .i(1), .i(62)), .i(1)))
        #expect(try await show(.slice(wide, nil, nil, .i(-1))) == "range(4611686018427387902, -4611686018427387905, -1)")
        #expect(try await show(.call("len", .slice(wide, nil, nil, .i(-1)))) == "9223372036854775807")
        #expect(try await show(.call("range", .i(.min), .i(.max))).hasPrefix("runtime-error: range: too large"))
    }

    @Test func attributeBuiltins() async throws {
        #expect(try await show(.call("hasattr", .list([]), .s("append"))) == "True")
        #expect(try await show(.call("hasattr", .s(""), .s("append"))) == "False")
        #expect(try await show(.apply(.call("getattr", .s("a-b"), .s("split")), [.s("-")])) == "[\"a\", \"b\"]")
        #expect(try await show(.call("getattr", .i(1), .s("x"), .i(5))) == "5")
        #expect(try await show(.call("getattr", .i(1), .s("x"))) == "runtime-error: getattr: int has no .x field or method")
        #expect(try await show(.call("dir", .call("set"))).hasPrefix("[\"add\", \"clear\", \"difference\""))  // all of them: LibraryTests
        #expect(try await show(.call("repr", .attr(.s(""), "join"))) == "\"<built-in method join of string value>\"")
        #expect(try await show(.call("repr", .call("len", .s("")))) == "\"0\"")
    }

    @Test func printAndFail() async throws {
        let lines = Lines()
        let (out, _) = try await run(
            [.eval(.call("print", [.s("a"), .i(1), .list([.s("b")])], [("sep", .s("|"))])), .ret(.none)],
            printed: { lines.append($0) })
        #expect(out == .returned(.none))
        #expect(lines.all == ["a|1|[\"b\"]"])
        let failed = try await eval(.call("fail", .s("bad"), .i(7)))
        #expect(failed.trap?.reason == .fail)
        #expect(failed.trap?.message == "bad 7")
    }

    @Test func stringMethods() async throws {
        #expect(try await show(.method(.s(", "), "join", .list([.s("a"), .s("b")]))) == "\"a, b\"")
        #expect(try await show(.method(.s(""), "join", .list([.i(1)]))) == "runtime-error: join: in list, want string, got int")
        #expect(try await show(.method(.s(" a  b \n"), "split")) == "[\"a\", \"b\"]")
        #expect(try await show(.method(.s("a,b,,c"), "split", .s(","))) == "[\"a\", \"b\", \"\", \"c\"]")
        #expect(try await show(.method(.s("a,b,c"), "split", .s(","), .i(1))) == "[\"a\", \"b,c\"]")
        #expect(try await show(.method(.s("  x y  "), "split", .none, .i(1))) == "[\"x\", \"y  \"]")
        #expect(try await show(.method(.s("a"), "split", .s(""))) == "runtime-error: split: empty separator")
        #expect(try await show(.method(.s(" \t x \n"), "strip")) == "\"x\"")
        #expect(try await show(.method(.s("  x "), "lstrip")) == "\"x \"")
        #expect(try await show(.method(.s("  x "), "rstrip")) == "\"  x\"")
        #expect(try await show(.method(.s("xxhixy"), "strip", .s("xy"))) == "\"hi\"")
        #expect(try await show(.method(.s("éaé"), "strip", .s("é"))) == "\"a\"")
        #expect(try await show(.method(.s("hello"), "startswith", .s("he"))) == "True")
        #expect(try await show(.method(.s("hello"), "startswith", .tuple([.s("x"), .s("hel")]))) == "True")
        #expect(try await show(.method(.s("hello"), "endswith", .s("lo"))) == "True")
        #expect(try await show(.method(.s("hello"), "endswith", .s("hello!"))) == "False")
        #expect(try await show(.method(.s("hello"), "find", .s("l"))) == "2")
        #expect(try await show(.method(.s("hello"), "find", .s("l"), .i(3))) == "3")
        #expect(try await show(.method(.s("hello"), "find", .s("z"))) == "-1")
        #expect(try await show(.method(.s("aaa"), "replace", .s("a"), .s("bb"))) == "\"bbbbbb\"")
        #expect(try await show(.method(.s("aaa"), "replace", .s("a"), .s(""), .i(2))) == "\"a\"")
        #expect(try await show(.method(.s("ab"), "replace", .s(""), .s("-"))) == "\"-a-b-\"")
        #expect(try await show(.method(.s("Héllo"), "upper")) == "\"HÉLLO\"")
        #expect(try await show(.method(.s("HÉLLO"), "lower")) == "\"héllo\"")
    }

    // MARK: metering

    @Test func dynamicFuelIsExact() async throws {
        // const (1) + const.int (1) + mul (1) + return (1), then 800 bytes built / 8 = 100.
        let (out, sb) = try await run([.ret(.bin("mul", .s("abcdefgh"), .int(100)))])
        #expect(out.value == .string(String(repeating: "abcdefgh", count: 100)))
        #expect(sb.stats.fuel == 104)
        // sorted: builtin 1 + 16 constants + list.new (2 + 16) + call 5 + return 1 = 41 static;
        // dynamic 16 elements + 16·⌈log2 16⌉ = 64 comparisons' worth.
        let items = (0..<16).map { E.int(Int64(($0 * 7) % 16)) }
        let (sorted, sb2) = try await run([.ret(.call("sorted", .list(items)))])
        #expect(sorted.value == .list((0..<16).map { .int($0) }))
        #expect(sb2.stats.fuel == 41 + 16 + 64)
    }

    @Test func outOfFuelInsideAnOperationResumesAtTheSamePrice() async throws {
        // Running out during `sorted`'s charge leaves nothing half done; resuming finishes with
        // exactly the fuel one big budget would have used.
        let items = (0..<16).map { E.int(Int64(($0 * 7) % 16)) }
        let body: [S] = [.ret(.call("sorted", .list(items)))]
        let (first, sb) = try await run(body, budget: Budget(fuel: 60))
        #expect(first.trap?.reason == .outOfFuel)
        let resumed = await sb.resume(addingFuel: 1_000)
        #expect(resumed.value == .list((0..<16).map { .int($0) }))
        #expect(sb.stats.fuel == 41 + 16 + 64)
    }

    @Test func builtinsSurviveCollectionsWhileTheyBuild() async throws {
        // A 380 KB garbage string pushes the heap near its collection threshold (the 400 KB
        // limit: below `Heap.minimumThreshold`), so the reservations inside zip/dict/items
        // collect it while their results are being built.
        let body: [S] = [
            .set(0, .bin("mul", .s("x"), .int(380_000))), .set(0, .none),
            .set(1, .call("dict", .call("zip", .call("range", .i(500)), .call("range", .i(500))))),
            .set(2, .method(.local(1), "items")),
        ]
        let (out, sb) = try await run(body + [.ret(.tuple([.call("len", .local(2)), .index(.local(2), .i(499))]))], budget: Budget(memory: 400_000))
        #expect(out.value == .tuple([.int(500), .tuple([.int(499), .int(499)])]))
        #expect(sb.stats.collections >= 1)
    }

    @Test func memoryAccountingFollowsMutations() async throws {
        // Appending then popping returns the live bytes to where they were.
        let text = """
            .const string "append"
            .const string "pop"
            .const string "clear"
            .global "l"
            .export func "grow" 1
            .export func "shrink" 2
            .start 0
            .func "main"
              list.new 0
              global.set 0
              const.none
            end
            .func "grow"
              global.get 0
              const.int 1
              call.attr 0 1 0
            end
            .func "shrink"
              global.get 0
              call.attr 2 0 0
            end
            """
        let vm = try ValidatedModule.validate(try Assembler.assemble(text))
        let sb = try Sandbox(module: vm)
        _ = await sb.initialize(freeze: false)
        let before = sb.liveMemory
        for _ in 0..<10 { _ = await sb.call("grow") }
        #expect(sb.liveMemory == before + 10 * MemoryCost.valueSlot)
        _ = await sb.call("shrink")
        #expect(sb.liveMemory == before)
    }
}

extension E {
    /// A string's characters as a tuple of one-character strings (strings are not iterable).
    var asTuple: E {
        guard case .str(let s) = self else { return self }
        return .tuple(s.map { .str(String($0)) })
    }
}

/// Collects printed lines across the sandbox's print handler.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}
