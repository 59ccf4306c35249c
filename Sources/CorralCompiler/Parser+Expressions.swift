/// Expressions, from tuples down to primaries.
///
/// Precedence, loosest first (as in the Go implementation): lambda, conditional, `or`, `and`,
/// `not`, comparisons (`== != < > <= >= in not in`, non-associative), `|`, `^`, `&`,
/// `<< >>`, `+ -`, `* / // %`, unary `+ - ~`, then suffixes `.name`, `[…]`, `(…)`.
extension Parser {
    /// `test (',' test)*`: a tuple when there is a comma. A trailing comma is allowed only
    /// inside parentheses.
    mutating func parseExpression(inParens: Bool = false) throws(CompileError) -> Expression {
        let first = try parseTest()
        guard tok.kind == .comma else { return first }
        var list = [first]
        while tok.kind == .comma {
            let comma = try advance()
            if Parser.terminatesList(tok.kind) {
                guard inParens else { throw error("unparenthesized tuple with trailing comma", at: comma.position) }
                break
            }
            list.append(try parseTest())
            try checkCount(list.count, "tuple")
        }
        return Expression(kind: .tuple(list), position: first.position)
    }

    static func terminatesList(_ kind: TokenKind) -> Bool {
        switch kind {
        case .eof, .newline, .equal, .rightBrace, .rightBracket, .rightParen, .semicolon: true
        default: false
        }
    }

    func checkCount(_ count: Int, _ what: String) throws(CompileError) {
        guard count <= CompileLimits.literalElements else {
            throw error("too many elements in \(what) literal (the limit is \(CompileLimits.literalElements))", at: tok.position)
        }
    }

    /// A lambda, or an `or`-level expression with an optional `if … else …`.
    mutating func parseTest() throws(CompileError) -> Expression {
        if tok.kind == .kwLambda { return try parseLambda(allowConditional: true) }
        let then = try parseLevel(0)
        guard tok.kind == .kwIf else { return then }
        try enter()
        let ifToken = try advance()
        let condition = try parseLevel(0)
        guard tok.kind == .kwElse else {
            throw error("conditional expression without else clause", at: ifToken.position)
        }
        try advance()
        let otherwise = try parseTest()
        leave()
        return Expression(kind: .conditional(condition: condition, then: then, otherwise: otherwise), position: then.position)
    }

    /// A test without a conditional (comprehension `if` clauses and lambda bodies inside them).
    mutating func parseTestNoConditional() throws(CompileError) -> Expression {
        if tok.kind == .kwLambda { return try parseLambda(allowConditional: false) }
        return try parseLevel(0)
    }

    mutating func parseLambda(allowConditional: Bool) throws(CompileError) -> Expression {
        try enter()
        let start = try advance().position
        let parameters = try parseParameters(closer: .colon)
        try expect(.colon)
        let id = makeFunctionID()
        let body = allowConditional ? try parseTest() : try parseTestNoConditional()
        leave()
        let function = Function(
            id: id, name: "lambda", isLambda: true, position: start, parameters: parameters,
            body: [Statement(kind: .return(body), position: body.position)])
        return Expression(kind: .lambda(function), position: start)
    }

    /// Binary operators and their precedence level (0 loosest); level 2 is unary `not`.
    static let binaryOperators: [TokenKind: (op: BinaryOperator, level: Int)] = [
        .kwOr: (.or, 0), .kwAnd: (.and, 1),
        .equalEqual: (.equal, 3), .notEqual: (.notEqual, 3), .less: (.less, 3), .greater: (.greater, 3),
        .lessEqual: (.lessEqual, 3), .greaterEqual: (.greaterEqual, 3), .kwIn: (.in, 3),
        .pipe: (.bitOr, 4), .caret: (.bitXor, 5), .amp: (.bitAnd, 6),
        .lessLess: (.shiftLeft, 7), .greaterGreater: (.shiftRight, 7),
        .plus: (.add, 8), .minus: (.subtract, 8),
        .star: (.multiply, 9), .slash: (.divide, 9), .slashSlash: (.floorDivide, 9), .percent: (.modulo, 9),
    ]
    static let notLevel = 2
    static let comparisonLevel = 3

    /// One run of operators of a single precedence level being built by `parseLevel`.
    private struct Run {
        var level: Int
        var first: Expression
        var terms: [BinaryTerm]
        /// The operator of the term whose operand is still being parsed.
        var pendingOp: BinaryOperator
        var pendingPosition: SourcePosition

        mutating func attach(_ operand: Expression) {
            terms.append(BinaryTerm(op: pendingOp, operand: operand, position: pendingPosition))
        }

        var expression: Expression { Expression(kind: .binary(first, terms), position: first.position) }
    }

    /// An expression of binary operators of precedence `minLevel` and tighter, by operator
    /// precedence with an explicit stack of runs: one run per level between the loosest and
    /// tightest operator seen, and a loop over operands. So neither long runs (`a + b + …`) nor
    /// the number of precedence levels cost native stack; only `not` recurses (and nests).
    mutating func parseLevel(_ minLevel: Int) throws(CompileError) -> Expression {
        var stack: [Run] = []
        var operand = try parseOperand(allowNot: minLevel <= Parser.notLevel)
        while true {
            let position = tok.position
            let op: BinaryOperator
            let level: Int
            if tok.kind == .kwNot && minLevel <= Parser.comparisonLevel {
                try advance()
                guard tok.kind == .kwIn else { throw unexpected("'in' after 'not'") }
                (op, level) = (.notIn, Parser.comparisonLevel)
            } else if let found = Parser.binaryOperators[tok.kind], found.level >= minLevel {
                (op, level) = found
            } else {
                break
            }
            // Look at the top run's fields only: binding the whole run would share its terms
            // array and make every append below copy it.
            while let topLevel = stack.last?.level, topLevel > level {
                stack[stack.count - 1].attach(operand)
                operand = stack.removeLast().expression
            }
            if stack.last?.level == level {
                if level == Parser.comparisonLevel {
                    throw error("\(stack[stack.count - 1].pendingOp.rawValue) does not associate with \(op.rawValue) (use parentheses)", at: position)
                }
                stack[stack.count - 1].attach(operand)
                stack[stack.count - 1].pendingOp = op
                stack[stack.count - 1].pendingPosition = position
            } else {
                stack.append(Run(level: level, first: operand, terms: [], pendingOp: op, pendingPosition: position))
            }
            try advance()
            operand = try parseOperand(allowNot: level < Parser.notLevel)
        }
        while !stack.isEmpty {
            stack[stack.count - 1].attach(operand)
            operand = stack.removeLast().expression
        }
        return operand
    }

    /// An operand of a binary operator: `not x` (where allowed: `a == not b` is not Starlark),
    /// or a suffixed primary.
    mutating func parseOperand(allowNot: Bool) throws(CompileError) -> Expression {
        guard tok.kind == .kwNot else { return try parsePostfix() }
        guard allowNot else { throw unexpected("expression") }
        try enter()
        let start = try advance().position
        let operand = try parseLevel(Parser.notLevel)
        leave()
        return Expression(kind: .unary(.not, operand), position: start)
    }

    /// A primary followed by any number of `.name`, `[…]` and `(…)` suffixes. Each suffix is a
    /// level of nesting in the tree, so each counts against the nesting limit.
    mutating func parsePostfix() throws(CompileError) -> Expression {
        var x = try parsePrimary()
        let outer = depth
        defer { depth = outer }
        while true {
            switch tok.kind {
            case .dot:
                try enter()
                try advance()
                guard tok.kind == .identifier else { throw unexpected("an attribute name after '.'") }
                let t = try advance()
                x = Expression(kind: .dot(x, Name(name: t.name, position: t.position)), position: x.position)
            case .leftBracket:
                try enter()
                x = try parseIndexSuffix(x)
            case .leftParen:
                try enter()
                x = try parseCallSuffix(x)
            default:
                return x
            }
        }
    }

    /// `x[i]`, or a slice `x[a:b:c]` with any part omitted.
    mutating func parseIndexSuffix(_ x: Expression) throws(CompileError) -> Expression {
        try advance()  // '['
        var start: Expression?
        if tok.kind != .colon {
            let index = try parseExpression()
            if tok.kind == .rightBracket {
                try advance()
                return Expression(kind: .index(x, index), position: x.position)
            }
            start = index
        }
        var end: Expression?
        var step: Expression?
        if tok.kind == .colon {
            try advance()
            if tok.kind != .colon && tok.kind != .rightBracket { end = try parseTest() }
        } else {
            throw unexpected("':' or ']'")
        }
        if tok.kind == .colon {
            try advance()
            if tok.kind != .rightBracket { step = try parseTest() }
        }
        try expect(.rightBracket)
        return Expression(kind: .slice(x, start: start, end: end, step: step), position: x.position)
    }

    /// `f(args)`: positional, `name=value`, `*iterable`, `**dict`. Their order is checked by the
    /// resolver.
    mutating func parseCallSuffix(_ function: Expression) throws(CompileError) -> Expression {
        try advance()  // '('
        var arguments: [Argument] = []
        var positional = 0
        var named = 0
        while tok.kind != .rightParen {
            if !arguments.isEmpty {
                try expect(.comma, "',' or ')'")
                if tok.kind == .rightParen { break }
            }
            let start = tok.position
            switch tok.kind {
            case .star:
                try advance()
                arguments.append(Argument(kind: .star(try parseTest()), position: start))
            case .starStar:
                try advance()
                arguments.append(Argument(kind: .starStar(try parseTest()), position: start))
            default:
                let value = try parseTest()
                if tok.kind == .equal {
                    guard case .identifier(let id) = value.kind else {
                        throw error("keyword argument must have the form name=value", at: tok.position)
                    }
                    try advance()
                    // The name is not a variable: take back the id just handed out for it.
                    if id.id == identifierCount - 1 { identifierCount -= 1 }
                    arguments.append(Argument(kind: .named(Name(name: id.name, position: id.position), try parseTest()), position: start))
                    named += 1
                } else {
                    arguments.append(Argument(kind: .positional(value), position: start))
                    positional += 1
                }
            }
            guard positional <= CompileLimits.callArguments && named <= CompileLimits.callArguments else {
                throw error("too many \(positional > CompileLimits.callArguments ? "positional" : "named") arguments in call (the limit is \(CompileLimits.callArguments))", at: start)
            }
        }
        try advance()
        return Expression(kind: .call(function, arguments), position: function.position)
    }

    mutating func parsePrimary() throws(CompileError) -> Expression {
        let start = tok.position
        switch tok.kind {
        case .identifier:
            return Expression(kind: .identifier(try parseIdentifier()), position: start)
        case .int, .float, .string, .bytes:
            let t = try advance()
            switch t.value {
            case .int(let n): return Expression(kind: .int(n), position: start)
            case .float(let f): return Expression(kind: .float(f), position: start)
            case .text(let bytes): return Expression(kind: t.kind == .bytes ? .bytes(bytes) : .string(bytes), position: start)
            case .none, .name: throw error("malformed literal", at: start)
            }
        case .leftBracket:
            return try parseList()
        case .leftBrace:
            return try parseDict()
        case .leftParen:
            try enter()
            try advance()
            if tok.kind == .rightParen {
                try advance()
                leave()
                return Expression(kind: .tuple([]), position: start)
            }
            var inner = try parseExpression(inParens: true)
            try expect(.rightParen, "')'")
            leave()
            if case .tuple = inner.kind { inner.position = start }
            return inner
        case .minus, .plus, .tilde:
            try enter()
            let op: UnaryOperator = tok.kind == .minus ? .minus : tok.kind == .plus ? .plus : .invert
            try advance()
            let operand = try parsePostfix()
            leave()
            return Expression(kind: .unary(op, operand), position: start)
        default:
            throw unexpected("expression")
        }
    }

    mutating func parseList() throws(CompileError) -> Expression {
        let start = tok.position
        try enter()
        try advance()  // '['
        defer { leave() }
        if tok.kind == .rightBracket {
            try advance()
            return Expression(kind: .list([]), position: start)
        }
        let first = try parseTest()
        if tok.kind == .kwFor {
            return Expression(kind: .comprehension(try parseComprehension(.list(first), closer: .rightBracket)), position: start)
        }
        var list = [first]
        while tok.kind == .comma {
            try advance()
            if tok.kind == .rightBracket { break }
            list.append(try parseTest())
            try checkCount(list.count, "list")
        }
        try expect(.rightBracket, "',' or ']'")
        return Expression(kind: .list(list), position: start)
    }

    mutating func parseDict() throws(CompileError) -> Expression {
        let start = tok.position
        try enter()
        try advance()  // '{'
        defer { leave() }
        var entries: [DictEntry] = []
        while tok.kind != .rightBrace {
            if !entries.isEmpty {
                try expect(.comma, "',' or '}'")
                if tok.kind == .rightBrace { break }
            }
            let key = try parseTest()
            try expect(.colon, "':'")
            let value = try parseTest()
            if entries.isEmpty && tok.kind == .kwFor {
                let comprehension = try parseComprehension(.dict(key: key, value: value), closer: .rightBrace)
                return Expression(kind: .comprehension(comprehension), position: start)
            }
            entries.append(DictEntry(key: key, value: value, position: key.position))
            try checkCount(entries.count, "dict")
        }
        try advance()
        return Expression(kind: .dict(entries), position: start)
    }

    /// The `for … in …` and `if …` clauses after a comprehension's body, and the closer.
    mutating func parseComprehension(_ body: Comprehension.Body, closer: TokenKind) throws(CompileError) -> Comprehension {
        var clauses: [Comprehension.Clause] = []
        while tok.kind != closer {
            let start = tok.position
            if tok.kind == .kwFor {
                try advance()
                let variables = try parseLoopVariables()
                try expect(.kwIn)
                let iterable = try parseLevel(0)
                clauses.append(.for(variables: variables, iterable: iterable, position: start))
            } else if tok.kind == .kwIf {
                try advance()
                clauses.append(.if(try parseTestNoConditional(), position: start))
            } else {
                throw unexpected("\(closer.display), 'for' or 'if'")
            }
        }
        try advance()
        return Comprehension(body: body, clauses: clauses)
    }
}
