import Testing

@testable import CorralBytecode

/// A hand-written module that uses every directive, every immediate shape and every
/// constant kind, shared with the binary tests.
enum Sample {
    static let text = #"""
        ; Every directive, every immediate shape, every constant kind.
        .const int 42
        .const int -9223372036854775808
        .const bigint 18446744073709551616            ; 2^64
        .const bigint -340282366920938463463374607431768211457  ; -(2^128 + 1)
        .const float -0.0
        .const float nan:0xfff8000000000123          ; negative NaN with a payload
        .const float inf
        .const float 0.1
        .const string "say \"hi\";\n\ttab\\ \xff\xFE"  ; invalid UTF-8 on purpose
        .const bytes ""
        .const string "upper"
        .import "http" "get"
        .global "counter"
        .export func "fib" 0
        .export global "counter" 0
        .start 1

        .func "fib"
        .kwargs                         ; header directives in any order
        .param "n"
        .param "memo" default
        .positional 1
        .varargs
        .locals 6
        .free 2
          .line 3 5
          local.get 0
          const.int 2
          lt
          if result
            local.get 0
          else
            local.get 0
            const.int -1
            add
            func.make 0
            swap
            call 1 0
          end
          return
        end
        .line 9 1                       ; after the last instruction

        .func "main"
        	block	; tabs separate tokens too
            loop result
              br_if 1
              br 0
              iter.next 0
            end
          end
          import.get 0
          const 9
          call 1 2 *args **kwargs
          call 0 0 **kwargs
          builtin 10
          call.attr 10 0 1 *args
          global.set 0
          const.none
          return
        end

        .debug file "fib.star"
        .debug locals 0 "n" "memo" "" "args" "kwargs"
        .debug locals 2 "x"             ; function 1 has no names
        .debug source 1 "lib/util.star" ; function 0 is from fib.star
        .custom "producer" "corral \x00\x01"
        .custom "empty" ""
        """#

    static let module: Module = {
        var m = Module()
        m.constants = [
            .int(42), .int(.min),
            .bigInt(negative: false, magnitude: [0, 0, 0, 0, 0, 0, 0, 0, 1]),
            .bigInt(negative: true, magnitude: [1] + Array(repeating: 0, count: 15) + [1]),
            .float(-0.0), .float(Double(bitPattern: 0xFFF8_0000_0000_0123)), .float(.infinity), .float(0.1),
            .string(Array("say \"hi\";\n\ttab\\ ".utf8) + [0xFF, 0xFE]), .bytes([]), .string(Array("upper".utf8)),
        ]
        m.imports = [Import(module: "http", name: "get")]
        m.globals = [Global(name: "counter")]
        m.exports = [Export(name: "fib", kind: .function, index: 0), Export(name: "counter", kind: .global, index: 0)]
        m.start = 1
        m.functions = [
            Function(
                name: "fib", params: [Param(name: "n"), Param(name: "memo", hasDefault: true)], positionalCount: 1,
                hasVarargs: true, hasKwargs: true, localCount: 6, freeCount: 2,
                code: [
                    Instruction(.localGet), Instruction(.constInt, int: 2), Instruction(.lt), Instruction(.if, a: 1),
                    Instruction(.localGet), Instruction(.else), Instruction(.localGet), Instruction(.constInt, int: -1),
                    Instruction(.add), Instruction(.funcMake), Instruction(.swap), Instruction(.call, a: 1),
                    Instruction(.end), Instruction(.return), Instruction(.end),
                ],
                lines: [LineEntry(pc: 0, line: 3, column: 5), LineEntry(pc: 15, line: 9, column: 1)]),
            Function(
                name: "main",
                code: [
                    Instruction(.block), Instruction(.loop, a: 1), Instruction(.brIf, a: 1), Instruction(.br),
                    Instruction(.iterNext), Instruction(.end), Instruction(.end), Instruction(.importGet),
                    Instruction(.const, a: 9), Instruction(.call, a: 1, b: 2, c: 3), Instruction(.call, c: 2),
                    Instruction(.builtin, a: 10), Instruction(.callAttr, a: 0, b: 1, c: 1, name: 10),
                    Instruction(.globalSet), Instruction(.constNone), Instruction(.return), Instruction(.end),
                ]),
        ]
        m.debug = DebugInfo(file: "fib.star", localNames: [["n", "memo", "", "args", "kwargs"], [], ["x"]], functionFiles: ["", "lib/util.star"])
        m.customSections = [CustomSection(name: "producer", bytes: Array("corral ".utf8) + [0, 1]), CustomSection(name: "empty", bytes: [])]
        return m
    }()

    /// What the disassembler writes for `module`: pinned, so format changes are deliberate.
    static let disassembly = #"""
        .const int 42 ; #0
        .const int -9223372036854775808 ; #1
        .const bigint 18446744073709551616 ; #2
        .const bigint -340282366920938463463374607431768211457 ; #3
        .const float -0.0 ; #4
        .const float nan:0xfff8000000000123 ; #5
        .const float inf ; #6
        .const float 0.1 ; #7
        .const string "say \"hi\";\n\ttab\\ \xff\xfe" ; #8
        .const bytes "" ; #9
        .const string "upper" ; #10
        .import "http" "get" ; #0
        .global "counter" ; #0
        .export func "fib" 0
        .export global "counter" 0
        .start 1

        .func "fib" ; #0
        .param "n"
        .param "memo" default
        .positional 1
        .varargs
        .kwargs
        .locals 6
        .free 2
          .line 3 5
          local.get 0 ; n
          const.int 2
          lt
          if result
            local.get 0 ; n
          else
            local.get 0 ; n
            const.int -1
            add
            func.make 0 ; fib
            swap
            call 1 0
          end
          return
        end
        .line 9 1

        .func "main" ; #1
          block
            loop result
              br_if 1
              br 0
              iter.next 0
            end
          end
          import.get 0 ; http.get
          const 9 ; b""
          call 1 2 *args **kwargs
          call 0 0 **kwargs
          builtin 10 ; upper
          call.attr 10 0 1 *args ; upper
          global.set 0 ; counter
          const.none
          return
        end

        .debug file "fib.star"
        .debug locals 0 "n" "memo" "" "args" "kwargs"
        .debug locals 1
        .debug locals 2 "x"
        .debug source 0 ""
        .debug source 1 "lib/util.star"

        .custom "producer" "corral \x00\x01"
        .custom "empty" ""
        """#
}

@Suite struct TextFormTests {
    @Test func sampleAssembles() throws {
        #expect(try Assembler.assemble(Sample.text) == Sample.module)
    }

    @Test func sampleDisassembles() throws {
        #expect(Disassembler.disassemble(Sample.module) == Sample.disassembly + "\n")
    }

    @Test func sampleRoundTripsExactly() throws {
        let text = Disassembler.disassemble(Sample.module)
        let back = try Assembler.assemble(text)
        #expect(back == Sample.module)
        #expect(Disassembler.disassemble(back) == text)
    }

    @Test func emptyTextIsEmptyModule() throws {
        #expect(try Assembler.assemble("") == Module())
        #expect(try Assembler.assemble("\n ; nothing\r\n\t\n") == Module())
        #expect(Disassembler.disassemble(Module()) == "")
    }

    @Test func floatForms() throws {
        func float(_ text: String) throws -> UInt64? {
            let m = try Assembler.assemble(".const float \(text)")
            guard case .float(let d) = m.constants.first else { return nil }
            return d.bitPattern
        }
        #expect(try float("nan") == Double.nan.bitPattern)
        #expect(try float("nan:0x7ff0000000000001") == 0x7FF0_0000_0000_0001)
        #expect(try float("-inf") == (-Double.infinity).bitPattern)
        #expect(try float("5e-324") == Double.leastNonzeroMagnitude.bitPattern)
        #expect(try float("1e+100") == (1e100).bitPattern)
        #expect(try float("-0.0") == (-0.0).bitPattern)
        #expect(TextForm.float(-Double.nan) == "nan:0xfff8000000000000")
        #expect(TextForm.float(1e100) == "1e+100")
    }

    @Test func bigIntDecimalConversion() {
        let cases: [(String, [UInt8])] = [
            ("1", [1]), ("255", [255]), ("256", [0, 1]), ("4294967296", [0, 0, 0, 0, 1]),
            ("1000000000", [0x00, 0xCA, 0x9A, 0x3B]), ("18446744073709551615", Array(repeating: 0xFF, count: 8)),
            ("340282366920938463463374607431768211456", Array(repeating: 0, count: 16) + [1]),
        ]
        for (decimal, magnitude) in cases {
            #expect(TextForm.magnitude(fromDecimal: Array(decimal.utf8)) == magnitude, "\(decimal)")
            #expect(TextForm.decimal(fromMagnitude: magnitude) == decimal)
        }
        #expect(TextForm.decimal(fromMagnitude: []) == "0")
        #expect(TextForm.decimal(fromMagnitude: [7, 0, 0]) == "7")
        var gen = RandomModule(seed: 7)
        for _ in 0..<300 {
            var magnitude = (0..<gen.int(1...(gen.oneIn(10) ? 2000 : 40))).map { _ in UInt8(truncatingIfNeeded: gen.rng.next()) }
            magnitude[magnitude.count - 1] |= 1
            let decimal = TextForm.decimal(fromMagnitude: magnitude)
            #expect(TextForm.magnitude(fromDecimal: Array(decimal.utf8)) == magnitude)
        }
    }

    @Test func debugLocalsFillGapsAndNeedFile() throws {
        let m = try Assembler.assemble(".debug locals 2 \"x\"\n.debug file \"a.star\"")
        #expect(m.debug == DebugInfo(file: "a.star", localNames: [[], [], ["x"]]))
        #expect(try Assembler.assemble(".debug file \"a.star\"").debug == DebugInfo(file: "a.star"))
    }

    @Test func utf8TextInsideStrings() throws {
        let m = try Assembler.assemble(".global \"café ☕\"")
        #expect(m.globals == [Global(name: "café ☕")])
        #expect(Disassembler.disassemble(m) == ".global \"caf\\xc3\\xa9 \\xe2\\x98\\x95\" ; #0\n")
    }

    /// A malformed line, and exactly where and why the assembler refuses it.
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int
        var column: Int
        var message: String
        init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
            self.text = text
            self.line = line
            self.column = column
            self.message = message
        }
        var testDescription: String { message }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(".bogus", 1, 1, "unknown directive '.bogus'"),
        ErrorCase(".func \"f\"\n  frob", 2, 3, "unknown mnemonic 'frob'"),
        ErrorCase("nop", 1, 1, "instruction 'nop' outside a function"),
        ErrorCase(".func \"f\"\n  nop\n.const int 1\n  nop", 4, 3, "instruction 'nop' outside a function"),
        ErrorCase(".func \"f\"\n  local.get", 2, 12, "missing local index after 'local.get'"),
        ErrorCase(".func \"f\"\n  local.get 4294967296", 2, 13, "local index '4294967296' is out of range (0 to 4294967295)"),
        ErrorCase(".func \"f\"\n  local.get -1", 2, 13, "local index '-1' is out of range (0 to 4294967295)"),
        ErrorCase(".func \"f\"\n  local.get x", 2, 13, "expected local index (an unsigned decimal), found 'x'"),
        ErrorCase(".func \"f\"\n  local.get \"x\"", 2, 13, "expected local index, found the string \"x\""),
        ErrorCase(".func \"f\"\n  const.int 9223372036854775808", 2, 13, "integer '9223372036854775808' is out of range for a 64-bit integer"),
        ErrorCase(".const int -9223372036854775809", 1, 12, "int constant '-9223372036854775809' is out of range for a 64-bit integer"),
        ErrorCase(".func \"f\"\n  const.int -", 2, 13, "expected integer (a decimal integer), found '-'"),
        ErrorCase(".func \"f\"\n  nop 1", 2, 7, "unexpected operand '1' for 'nop'"),
        ErrorCase(".func \"f\"\n  block results", 2, 9, "unexpected operand 'results' for 'block'"),
        ErrorCase(".func \"f\"\n  call 1", 2, 9, "missing named argument count after 'call'"),
        ErrorCase(".func \"f\"\n  call 1 0 **kwargs *args", 2, 21, "unexpected operand '*args' for 'call'"),
        ErrorCase(".const int 1 2", 1, 14, "unexpected operand '2' for '.const'"),
        ErrorCase(".const string \"a\\qb\"", 1, 17, "unknown escape \\q (use \\\\ \\\" \\n \\t \\r or \\xHH)"),
        ErrorCase(".const string \"abc", 1, 15, "unterminated string"),
        ErrorCase(".const string \"abc\\\"", 1, 15, "unterminated string"),
        ErrorCase(".const string \"\\x4\"", 1, 16, "\\x must be followed by two hex digits"),
        ErrorCase(".const complex 1", 1, 8, "unknown constant kind 'complex' (expected int, bigint, float, string or bytes)"),
        ErrorCase(".const float nan:0x0000000000000000", 1, 14, "invalid float 'nan:0x0000000000000000' (expected a decimal, inf, -inf, nan or nan:0x and 16 hex digits of a NaN)"),
        ErrorCase(".const float 1\\x00", 1, 14, "invalid float '1\\\\x00' (expected a decimal, inf, -inf, nan or nan:0x and 16 hex digits of a NaN)"),
        ErrorCase(".const bigint -0", 1, 15, "a bigint constant cannot be zero (use .const int 0)"),
        ErrorCase(".const bigint 12a", 1, 15, "expected bigint constant (a decimal integer), found '12a'"),
        ErrorCase(".func \"\\xff\"", 1, 7, "function name is not valid UTF-8"),
        ErrorCase(".func f", 1, 7, "expected function name as a quoted string, found 'f'"),
        ErrorCase(".export func \"x\"", 1, 17, "missing export index after '.export'"),
        ErrorCase(".export table \"x\" 0", 1, 9, "unknown export kind 'table' (expected func or global)"),
        ErrorCase(".start 1\n.start 2", 2, 1, "repeated .start"),
        ErrorCase(".custom \"debug\" \"\"", 1, 9, "the custom section name \"debug\" is reserved: use .debug file and .debug locals"),
        ErrorCase(".param \"x\"", 1, 1, ".param outside a function"),
        ErrorCase(".func \"f\"\n  nop\n.param \"x\"", 3, 1, ".param must come before the function's first instruction"),
        ErrorCase(".func \"f\"\n.varargs\n.varargs", 3, 1, "repeated .varargs"),
        ErrorCase(".func \"f\"\n.locals 1\n.locals 1", 3, 1, "repeated .locals"),
        ErrorCase(".line 1 2", 1, 1, ".line outside a function"),
        ErrorCase("\n.debug locals 0 \"x\"", 2, 1, ".debug locals needs a .debug file"),
        ErrorCase(".debug file \"a\"\n.debug file \"b\"", 2, 1, "repeated .debug file"),
        ErrorCase(".debug file \"a\"\n.debug locals 3\n.debug locals 2", 3, 15, "debug locals of function 2 come after those of function 3"),
        ErrorCase(".debug locals 100000", 1, 15, "function index 100000 is over the limit of 100000"),
        ErrorCase(".debug lines", 1, 8, "unknown debug entry 'lines' (expected file, locals or source)"),
        ErrorCase(".debug source 0 \"a.star\"", 1, 1, ".debug source needs a .debug file before it"),
        ErrorCase(".debug file \"m.star\"\n.debug source 1 \"a\"\n.debug source 0 \"b\"", 3, 15, "debug source of function 0 comes after that of function 1"),
        ErrorCase("\"str\"", 1, 1, "expected a directive or an instruction, found the string \"str\""),
        ErrorCase("; comment\n\n.func \"f\"\n\tnop\n\tfrob ; why", 5, 2, "unknown mnemonic 'frob'"),
        ErrorCase(".func \"f\"\r\n  frob\r\n", 2, 3, "unknown mnemonic 'frob'"),
    ]

    @Test(arguments: errorCases)
    func errorsSayWhereAndWhy(_ c: ErrorCase) {
        #expect(throws: AssembleError(file: "t.cas", line: c.line, column: c.column, c.message)) {
            try Assembler.assemble(c.text, file: "t.cas")
        }
    }

    @Test func errorDescriptionIsFileLineColumn() {
        #expect(AssembleError(file: "x.cas", line: 2, column: 3, "boom").description == "x.cas:2:3: boom")
        do {
            _ = try Assembler.assemble("\n  .nope", file: "agents/a.cas")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "agents/a.cas:2:3: unknown directive '.nope'")
        }
    }

    /// Random edits of valid text either assemble or fail with a position; nothing traps.
    @Test func mutatedTextNeverCrashes() {
        var gen = RandomModule(seed: 99)
        let pieces: [[UInt8]] = [
            [0x22], [0x5C], [0x3B], [0x20], [0x0A], [0x2E], Array("x".utf8), Array("99999999999999999999".utf8),
            Array("-".utf8), Array("\\x".utf8), [0xFF], Array(".func".utf8), Array("end".utf8), [0x00],
        ]
        for _ in 0..<300 {
            var text = Array(Disassembler.disassemble(gen.module()).utf8)
            for _ in 0..<gen.int(1...4) where !text.isEmpty {
                let at = gen.int(0...text.count - 1)
                switch gen.int(0...2) {
                case 0: text.remove(at: at)
                case 1: text.insert(contentsOf: pieces[gen.int(0...pieces.count - 1)], at: at)
                default: text[at] = UInt8(truncatingIfNeeded: gen.rng.next())
                }
            }
            do {
                _ = try Assembler.assemble(String(decoding: text, as: UTF8.self))
            } catch {
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }
}
