import Testing

@testable import CorralCompiler

/// Compact token stream: `x 1 "s" NL INDENT …`, EOF left out.
func tokens(_ text: String) throws -> String {
    try Lexer.tokenize(text).dropLast().map { t -> String in
        switch t.kind {
        case .identifier: return t.name
        case .int, .float:
            if case .int(let n) = t.value { return "int:\(n)" }
            if case .float(let f) = t.value { return "float:\(f)" }
            return "?"
        case .string, .bytes:
            guard case .text(let b) = t.value else { return "?" }
            return (t.kind == .bytes ? "b" : "") + quote(b)
        case .newline: return "NL"
        case .indent: return "INDENT"
        case .outdent: return "OUTDENT"
        default: return t.kind.spelling
        }
    }.joined(separator: " ")
}

/// The message of the lexer error for `text`, with its line:column.
func lexError(_ text: String) -> String {
    do {
        _ = try Lexer.tokenize(text)
        return "no error"
    } catch {
        return "\(error.line):\(error.column): \(error.message)"
    }
}

@Suite struct LexerTests {
    @Test func punctuationAndKeywords() throws {
        #expect(
            try tokens("+ - * / // % ** ~ & | ^ << >> . , = ; : < > >= <= == !=")
                == "+ - * / // % ** ~ & | ^ << >> . , = ; : < > >= <= == != NL")
        #expect(try tokens("+= -= *= /= //= %= &= |= ^= <<= >>=") == "+= -= *= /= //= %= &= |= ^= <<= >>= NL")
        #expect(try tokens("( [ { } ] )") == "( [ { } ] ) NL")
        #expect(
            try tokens("and break continue def elif else for if in lambda load not or pass return while")
                == "and break continue def elif else for if in lambda load not or pass return while NL")
        #expect(try tokens("a<<=b>>c//d") == "a <<= b >> c // d NL")
    }

    @Test func identifiers() throws {
        #expect(try tokens("_x x1 None True assert") == "_x x1 None True assert NL")
        #expect(try tokens("héllo 世界") == "héllo 世界 NL")
        #expect(lexError("a is b") == "1:3: 'is' is not a Starlark operator (use == to compare values)")
        #expect(lexError("class = 1") == "1:1: 'class' is a reserved word and cannot be used as an identifier")
        for word in ["as", "async", "await", "del", "except", "finally", "from", "global", "import", "nonlocal", "raise", "try", "with", "yield"] {
            #expect(lexError(word).contains("reserved word"), "\(word)")
        }
        #expect(lexError("a ! b") == "1:3: unexpected character '!' (use 'not' for negation)")
        #expect(lexError("a $ b") == "1:3: unexpected character '$' (U+0024)")
        #expect(lexError(String(repeating: "a", count: 1025)).contains("longer than 1024 bytes"))
    }

    @Test func integers() throws {
        #expect(try tokens("0 123 0x7f 0X7F 0o755 0O17 0b101 0B1 00") == "int:0 int:123 int:127 int:127 int:493 int:15 int:5 int:1 int:0 NL")
        #expect(try tokens("9223372036854775807") == "int:9223372036854775807 NL")
        // 2^63 no longer fits: little-endian magnitude bytes.
        let big = try Lexer.tokenize("9223372036854775808")[0]
        #expect(big.value == .int(.big(magnitude: [0, 0, 0, 0, 0, 0, 0, 0x80])))
        let hexBig = try Lexer.tokenize("0x1_".replacingUnderscore("0000000000000000"))[0]
        #expect(hexBig.value == .int(.big(magnitude: [0, 0, 0, 0, 0, 0, 0, 0, 1])))
        #expect(IntLiteral.big(magnitude: [0, 0, 0, 0, 0, 0, 0, 0, 1]).description == "0x10000000000000000")
        // 10^30 = 0xc9f2c9cd04674edea40000000
        let decimal = try Lexer.tokenize("1000000000000000000000000000000")[0]
        #expect(decimal.value == .int(.big(magnitude: [0, 0, 0, 0x40, 0xea, 0xed, 0x74, 0x46, 0xd0, 0x9c, 0x2c, 0x9f, 0x0c])))
        #expect(lexError("0755") == "1:1: invalid int literal: leading zeros are not allowed (write 0o755 for octal)")
        #expect(lexError("0x") == "1:1: invalid hexadecimal literal: no digits after the prefix")
        #expect(lexError("0o8") == "1:1: invalid octal literal: no digits after the prefix")
        #expect(lexError("0b2") == "1:1: invalid binary literal: no digits after the prefix")
        #expect(lexError("12abc") == "1:1: invalid int literal: unexpected 'a' after the number")
        #expect(lexError(String(repeating: "9", count: 10_001)) == "1:1: int literal has more than 10000 digits")
        if case .int(.big(let m)) = try Lexer.tokenize(String(repeating: "9", count: 10_000))[0].value {
            #expect(m.count == 4153)
        } else {
            Issue.record("expected a big int")
        }
    }

    @Test func floats() throws {
        #expect(try tokens("0.0 0. .0 1e10 1e+10 1e-10 1.1e10 1.5E-3 1.e2") == "float:0.0 float:0.0 float:0.0 float:10000000000.0 float:10000000000.0 float:1e-10 float:11000000000.0 float:0.0015 float:100.0 NL")
        #expect(try tokens("x.y 1..__") == "x . y float:1.0 . __ NL")
        #expect(lexError("1e") == "1:1: invalid float literal: the exponent has no digits")
        #expect(lexError("1e+") == "1:1: invalid float literal: the exponent has no digits")
        #expect(lexError("1e400") == "1:1: float literal is too large to be a finite float")
    }

    @Test func strings() throws {
        #expect(try tokens(#"'a' "b" '''c''' """d""" 'it"s' "it's""#) == #""a" "b" "c" "d" "it\"s" "it's" NL"#)
        #expect(try tokens("'''a\nb''' \"\"\"x\"y\"\"z\"\"\"") == #""a\nb" "x\"y\"\"z" NL"#)
        #expect(try tokens(#"r'a\nb' r"\"" r'\\'"#) == #""a\\nb" "\\\"" "\\\\" NL"#)
        #expect(try tokens("r'a\\\nb'") == #""a\\\nb" NL"#)
        #expect(try tokens("'a\\\nb'") == #""ab" NL"#)
        #expect(try tokens("'''a\r\nb'''") == #""a\nb" NL"#)
    }

    @Test func escapes() throws {
        #expect(try tokens(#""\a\b\f\n\r\t\v\\\'\"""#) == #""\x07\x08\x0c\n\r\t\x0b\\'\"" NL"#)
        #expect(try tokens(#""\0 \12 \101 \1234 \377""#) == #""\x00 \n A S4 \xff" NL"#)
        #expect(try tokens(#""\x41\x7a\xff""#) == #""Az\xff" NL"#)
        #expect(try tokens(#""\u0041\u00e9\U0001F600""#) == #""A\xc3\xa9\xf0\x9f\x98\x80" NL"#)
        #expect(lexError(#""\q""#) == #"1:2: invalid escape sequence \q (write \\ for a backslash)"#)
        #expect(lexError(#""\x4""#) == "1:2: invalid escape sequence: \\x must be followed by exactly two hexadecimal digits")
        #expect(lexError(#""\x-0""#) == "1:2: invalid escape sequence: \\x must be followed by exactly two hexadecimal digits")
        #expect(lexError(#""\400""#) == "1:2: invalid escape sequence \\400: octal value above \\377")
        #expect(lexError(#""\u12""#) == "1:2: invalid escape sequence: \\u must be followed by exactly 4 hexadecimal digits")
        #expect(lexError(#""\uD800""#) == "1:2: invalid escape sequence: U+D800 is not a valid Unicode code point")
        #expect(lexError(#""\U00110000""#) == "1:2: invalid escape sequence: U+110000 is not a valid Unicode code point")
    }

    @Test func bytesLiterals() throws {
        #expect(try tokens(#"b"abc" b'\xff\377' b'''x''' rb"\n" br'\q' b"é""#) == #"b"abc" b"\xff\xff" b"x" b"\\n" b"\\q" b"\xc3\xa9" NL"#)
        #expect(try tokens(#"b"\u00e9""#) == #"b"\xc3\xa9" NL"#)
        #expect(try tokens("r b rb br") == "r b rb br NL")
    }

    @Test func unterminatedStrings() {
        #expect(lexError("x = 'abc") == "1:5: unterminated string literal")
        #expect(lexError("x = 'abc\ny'") == "1:9: unexpected newline in string literal (use \\n, or a triple-quoted literal)")
        #expect(lexError("raw = r'a\nb'") == "1:10: unexpected newline in string literal (use \\n, or a triple-quoted literal)")
        #expect(lexError("x = '''abc") == "1:5: unterminated string literal")
        #expect(lexError("x = b'abc") == "1:5: unterminated bytes literal")
    }

    @Test func indentation() throws {
        #expect(try tokens("if x:\n  y\n  z\nw\n") == "if x : NL INDENT y NL z NL OUTDENT w NL")
        #expect(try tokens("if x:\n  if y:\n    z\n") == "if x : NL INDENT if y : NL INDENT z NL OUTDENT OUTDENT")
        // No final newline: NEWLINE and the OUTDENTs are still produced.
        #expect(try tokens("if x:\n  y") == "if x : NL INDENT y NL OUTDENT")
        // Blank lines and comment lines do not affect indentation.
        #expect(try tokens("if x:\n\n  y\n# c\n      # d\n  z\n") == "if x : NL INDENT y NL z NL OUTDENT")
        // A tab advances to the next multiple of 8; 8 spaces match one tab.
        #expect(try tokens("if x:\n\ty\n        z\n") == "if x : NL INDENT y NL z NL OUTDENT")
        #expect(try tokens("if x:\n  \ty\n") == "if x : NL INDENT y NL OUTDENT")
        #expect(lexError("if x:\n    y\n  z\n") == "3:3: unindent does not match any outer indentation level")
        // Windows line endings.
        #expect(try tokens("if x:\r\n  y\r\n") == "if x : NL INDENT y NL OUTDENT")
    }

    @Test func lineJoining() throws {
        #expect(try tokens("f(a,\n  b)\nc") == "f ( a , b ) NL c NL")
        #expect(try tokens("[1,\n\n# comment\n     2]") == "[ int:1 , int:2 ] NL")
        #expect(try tokens("x = 1 + \\\n  2") == "x = int:1 + int:2 NL")
        #expect(lexError("x = 1 \\ 2") == "1:7: stray backslash in program (a backslash may only end a line)")
        #expect(try tokens("x # comment\ny") == "x NL y NL")
        #expect(try tokens("") == "")
        #expect(try tokens("\n\n# only a comment\n") == "")
    }

    @Test func positions() throws {
        let t = try Lexer.tokenize("x = 'é'  + y\n  ")
        #expect(t.map(\.position.description) == ["1:1", "1:3", "1:5", "1:10", "1:12", "1:13", "2:3"])
        #expect(t[3].position.offset == 10)
    }

    @Test func bracketLimit() {
        #expect(lexError(String(repeating: "(", count: 100_000)) == "1:201: too many nested brackets (the limit is 200)")
        var deep = ""
        for i in 0..<300 { deep += String(repeating: " ", count: i) + "if x:\n" }
        #expect(lexError(deep) == "202:202: too many levels of indentation (the limit is 200)")
    }
}

extension String {
    fileprivate func replacingUnderscore(_ with: String) -> String {
        var out = ""
        for c in self { out += c == "_" ? with : String(c) }
        return out
    }
}
