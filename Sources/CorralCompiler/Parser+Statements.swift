/// Statements: compound statements with their indented suites, and simple statements.
extension Parser {
    mutating func parseStatement(into statements: inout [Statement]) throws(CompileError) {
        switch tok.kind {
        case .kwDef: statements.append(try parseDef())
        case .kwIf: statements.append(try parseIf())
        case .kwFor: statements.append(try parseFor())
        case .kwWhile: statements.append(try parseWhile())
        case .indent: throw error("unexpected indentation", at: tok.position)
        default: try parseSimpleStatements(into: &statements)
        }
    }

    /// `simple (';' simple)* [';'] NEWLINE`
    mutating func parseSimpleStatements(into statements: inout [Statement]) throws(CompileError) {
        while true {
            statements.append(try parseSmallStatement())
            guard tok.kind == .semicolon else { break }
            try advance()
            if tok.kind == .newline || tok.kind == .eof { break }
        }
        if tok.kind != .eof { try expect(.newline) }
    }

    mutating func parseSmallStatement() throws(CompileError) -> Statement {
        let start = tok.position
        switch tok.kind {
        case .kwReturn:
            try advance()
            var value: Expression?
            if tok.kind != .newline && tok.kind != .eof && tok.kind != .semicolon {
                value = try parseExpression()
            }
            return Statement(kind: .return(value), position: start)
        case .kwBreak:
            try advance()
            return Statement(kind: .break, position: start)
        case .kwContinue:
            try advance()
            return Statement(kind: .continue, position: start)
        case .kwPass:
            try advance()
            return Statement(kind: .pass, position: start)
        case .kwLoad:
            return try parseLoad()
        default:
            break
        }
        let target = try parseExpression()
        if tok.kind == .equal {
            try advance()
            let value = try parseExpression()
            return Statement(kind: .assign(target: target, value: value), position: start)
        }
        if let op = Parser.augmentedOperators[tok.kind] {
            try advance()
            let value = try parseExpression()
            return Statement(kind: .augmentedAssign(target: target, op: op, value: value), position: start)
        }
        return Statement(kind: .expression(target), position: start)
    }

    static let augmentedOperators: [TokenKind: BinaryOperator] = [
        .plusEqual: .add, .minusEqual: .subtract, .starEqual: .multiply, .slashEqual: .divide,
        .slashSlashEqual: .floorDivide, .percentEqual: .modulo, .ampEqual: .bitAnd, .pipeEqual: .bitOr,
        .caretEqual: .bitXor, .lessLessEqual: .shiftLeft, .greaterGreaterEqual: .shiftRight,
    ]

    /// What follows a ':': an indented block, or simple statements on the same line.
    mutating func parseSuite() throws(CompileError) -> [Statement] {
        var body: [Statement] = []
        guard tok.kind == .newline else {
            try parseSimpleStatements(into: &body)
            return body
        }
        try advance()
        guard tok.kind == .indent else { throw unexpected("an indented block") }
        try advance()
        try enter()
        while tok.kind != .outdent && tok.kind != .eof {
            try parseStatement(into: &body)
        }
        leave()
        if tok.kind == .outdent { try advance() }
        return body
    }

    mutating func parseDef() throws(CompileError) -> Statement {
        let start = try advance().position
        let name = try parseIdentifier("a function name after 'def'")
        try expect(.leftParen)
        let parameters = try parseParameters(closer: .rightParen)
        try expect(.rightParen)
        try expect(.colon)
        let id = makeFunctionID()
        let body = try parseSuite()
        let function = Function(id: id, name: name.name, isLambda: false, position: start, parameters: parameters, body: body)
        return Statement(kind: .def(name, function), position: start)
    }

    /// Parameters up to `closer` (')' for def, ':' for lambda). Their order and uniqueness are
    /// checked by the resolver, as in the Go implementation, so the messages can be specific.
    mutating func parseParameters(closer: TokenKind) throws(CompileError) -> [Parameter] {
        var parameters: [Parameter] = []
        while tok.kind != closer && tok.kind != .eof {
            if !parameters.isEmpty {
                try expect(.comma, "',' or \(closer.display)")
                if tok.kind == closer { break }
            }
            let start = tok.position
            switch tok.kind {
            case .star:
                try advance()
                let name = tok.kind == .identifier ? try parseIdentifier() : nil
                parameters.append(Parameter(kind: .star(name), position: start))
            case .starStar:
                try advance()
                parameters.append(Parameter(kind: .starStar(try parseIdentifier("a name after '**'")), position: start))
            default:
                let name = try parseIdentifier("a parameter name")
                if tok.kind == .equal {
                    try advance()
                    parameters.append(Parameter(kind: .optional(name, default: try parseTest()), position: start))
                } else {
                    parameters.append(Parameter(kind: .required(name), position: start))
                }
            }
            guard parameters.count <= CompileLimits.parameters + 2 else {
                throw error("too many parameters (the limit is \(CompileLimits.parameters))", at: start)
            }
        }
        return parameters
    }

    mutating func parseIf() throws(CompileError) -> Statement {
        let start = tok.position
        var branches: [IfStatement.Branch] = []
        repeat {
            let position = try advance().position  // 'if' or 'elif'
            let condition = try parseTest()
            try expect(.colon)
            branches.append(IfStatement.Branch(condition: condition, body: try parseSuite(), position: position))
        } while tok.kind == .kwElif
        var otherwise: [Statement]?
        if tok.kind == .kwElse {
            try advance()
            try expect(.colon)
            otherwise = try parseSuite()
        }
        return Statement(kind: .if(IfStatement(branches: branches, otherwise: otherwise)), position: start)
    }

    mutating func parseFor() throws(CompileError) -> Statement {
        let start = try advance().position
        let variables = try parseLoopVariables()
        try expect(.kwIn)
        let iterable = try parseExpression()
        try expect(.colon)
        return Statement(kind: .for(variables: variables, iterable: iterable, body: try parseSuite()), position: start)
    }

    mutating func parseWhile() throws(CompileError) -> Statement {
        let start = try advance().position
        let condition = try parseTest()
        try expect(.colon)
        return Statement(kind: .while(condition: condition, body: try parseSuite()), position: start)
    }

    /// `load("module", "name", local="name", …)`
    mutating func parseLoad() throws(CompileError) -> Statement {
        let start = try advance().position
        let open = try expect(.leftParen)
        guard tok.kind == .string, case .text(let moduleBytes) = tok.value else {
            throw error("the first operand of a load statement must be a string literal (the module name)", at: tok.position)
        }
        let modulePosition = try advance().position
        var bindings: [LoadStatement.Binding] = []
        while tok.kind != .rightParen {
            try expect(.comma, "',' or ')'")
            if tok.kind == .rightParen { break }
            switch tok.kind {
            case .string:
                let t = try advance()
                let name = loadName(t)
                bindings.append(.init(local: makeIdentifier(name.name, at: name.position), exported: name))
            case .identifier:
                let local = try parseIdentifier()
                guard tok.kind == .equal else {
                    throw error("load operand must be \"\(local.name)\" or \(local.name)=\"originalname\"", at: tok.position)
                }
                try advance()
                guard tok.kind == .string else {
                    throw error("the original name of a loaded symbol must be quoted: \(local.name)=\"originalname\"", at: tok.position)
                }
                bindings.append(.init(local: local, exported: loadName(try advance())))
            default:
                throw error("load operand must be \"name\" or localname=\"name\", not \(tok.display)", at: tok.position)
            }
        }
        try advance()
        guard !bindings.isEmpty else { throw error("a load statement must import at least one name", at: open.position) }
        let module = String(decoding: moduleBytes, as: UTF8.self)
        return Statement(kind: .load(LoadStatement(module: module, modulePosition: modulePosition, bindings: bindings)), position: start)
    }

    /// The name in a string token of a load statement, positioned after the opening quote.
    private func loadName(_ t: Token) -> Name {
        guard case .text(let bytes) = t.value else { return Name(name: "", position: t.position) }
        var position = t.position
        position.column += 1
        position.offset += 1
        return Name(name: String(decoding: bytes, as: UTF8.self), position: position)
    }

    /// Loop variables of `for` (statement or clause): suffixed primaries separated by commas,
    /// not a full expression, so that the `in` is left alone.
    mutating func parseLoopVariables() throws(CompileError) -> Expression {
        let first = try parsePostfix()
        guard tok.kind == .comma else { return first }
        var list = [first]
        while tok.kind == .comma {
            try advance()
            if tok.kind == .kwIn { break }
            list.append(try parsePostfix())
        }
        return Expression(kind: .tuple(list), position: first.position)
    }
}
