/// Starlark name resolution (spec "Name binding and variables"), producing a `ResolvedFile`.
///
/// Scoping: a name bound anywhere in a function body (assignment, `for`, `def`, parameter) is
/// local to the whole function; a name bound at top level is a module global; comprehension
/// variables live in a block of their own inside the enclosing function (or top-level code);
/// names bound by `load` are constant and visible in the whole file. Other names are looked up
/// in the enclosing functions (becoming free variables of the closure and cells of the function
/// that owns them), then the module, then the predeclared and universal names.
///
/// Corral's dialect: top-level `if`/`for`/`while`, `while` anywhere and reassigning globals are
/// allowed (fuel bounds the work, not the grammar); a name bound by `load` may not be bound
/// again at top level, by another load or otherwise.
///
/// Bindings are collected in one walk of the tree; uses are resolved after it, when every block
/// is complete, so forward references to globals and to locals bound later are fine (using one
/// before it is assigned is a run-time error). All errors are collected, in source order.
struct Resolver {
    /// A lexical block: a function body, a comprehension, or the module.
    struct Block {
        var bindings: [String: Int] = [:]
        /// Index into `scopes` of the function whose frame holds this block's locals.
        var function: Int
        var parent: Int?
        var isFunctionBody = false
        var isModule = false
    }

    /// A resolution before cells are known.
    enum Provisional {
        case local(function: Int, slot: Int)
        case free(Int)
        case global(Int)
        case loaded(Int)
        case predeclared(String)
        case universal(String)
    }

    let source: SourceText
    let file: SourceFile
    let predeclared: Set<String>
    var errors: [CompileError] = []
    var blocks: [Block] = []
    /// By function id; the last one is the top-level code.
    var scopes: [FunctionScope] = []
    var freeByName: [[String: Int]] = []
    var current = 0
    var loopDepth = 0
    var ifDepth = 0
    var functionDepth = 0
    var globals: [Variable] = []
    var globalIndex: [String: Int] = [:]
    var loads: [Load] = []
    var loadedNames: [LoadedName] = []
    var loadedIndex: [String: Int] = [:]
    var uses: [(Identifier, block: Int)] = []
    var provisional: [Provisional?]

    var toplevel: Int { file.functionCount }

    init(_ file: SourceFile, source: SourceText, predeclared: Set<String>) {
        self.file = file
        self.source = source
        self.predeclared = predeclared
        provisional = Array(repeating: nil, count: file.identifierCount)
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        let empty = FunctionScope(
            name: "", position: start, parameterCount: 0, positionalCount: 0, hasVarargs: false, hasKwargs: false,
            locals: [], freeVariables: [])
        scopes = Array(repeating: empty, count: file.functionCount + 1)
        scopes[toplevel].name = "<toplevel>"
        freeByName = Array(repeating: [:], count: file.functionCount + 1)
        blocks = [Block(function: toplevel, parent: nil, isModule: true)]
    }

    /// Resolves `file`: the result, or every error found (sorted by position).
    static func resolve(_ file: SourceFile, source: SourceText, predeclared: Set<String>) -> (ResolvedFile?, [CompileError]) {
        var r = Resolver(file, source: source, predeclared: predeclared)
        r.statements(file.statements)
        return r.finish()
    }

    mutating func error(_ message: String, at position: SourcePosition) {
        errors.append(source.error(.resolve, message, at: position))
    }

    // MARK: Binding

    /// Binds `id` in the current block. Returns false if the block already bound the name.
    @discardableResult
    mutating func bind(_ id: Identifier) -> Bool {
        if blocks[current].isModule {
            if let l = loadedIndex[id.name] {
                error("cannot reassign \(id.name): it is bound by the load statement at \(loadedNames[l].position)", at: id.position)
                provisional[id.id] = .loaded(l)
                return false
            }
            uses.append((id, current))
            if globalIndex[id.name] != nil { return false }
            guard globals.count < CompileLimits.globals else {
                error("too many global variables (the limit is \(CompileLimits.globals))", at: id.position)
                return true
            }
            globalIndex[id.name] = globals.count
            globals.append(Variable(name: id.name, position: id.position))
            return true
        }
        uses.append((id, current))
        if blocks[current].bindings[id.name] != nil { return false }
        let f = blocks[current].function
        guard scopes[f].locals.count < CompileLimits.locals else {
            error("too many local variables in \(scopes[f].name) (the limit is \(CompileLimits.locals))", at: id.position)
            return true
        }
        blocks[current].bindings[id.name] = scopes[f].locals.count
        scopes[f].locals.append(FunctionScope.Local(name: id.name, position: id.position, isCell: false))
        return true
    }

    mutating func use(_ id: Identifier) {
        uses.append((id, current))
    }

    mutating func pushBlock(function: Int, isFunctionBody: Bool) {
        blocks.append(Block(function: function, parent: current, isFunctionBody: isFunctionBody))
        current = blocks.count - 1
    }

    /// An assignment target: identifiers are bound, index and dot operands are evaluated.
    mutating func assign(_ target: Expression, augmented: Bool) {
        switch target.kind {
        case .identifier(let id): bind(id)
        case .index(let x, let i):
            expression(x)
            expression(i)
        case .dot(let x, _): expression(x)
        case .tuple(let items), .list(let items):
            let what = if case .tuple = target.kind { "tuple" } else { "list" }
            if augmented {
                error("cannot use a \(what) expression in an augmented assignment", at: target.position)
                return
            }
            for item in items { assign(item, augmented: false) }
        default:
            error("cannot assign to \(Resolver.describe(target))", at: target.position)
        }
    }

    static func describe(_ e: Expression) -> String {
        switch e.kind {
        case .int, .float, .string, .bytes: "a literal"
        case .dict: "a dict expression"
        case .comprehension: "a comprehension"
        case .unary, .binary: "an operator expression"
        case .conditional: "a conditional expression"
        case .call: "a function call"
        case .slice: "a slice"
        case .lambda: "a lambda"
        case .identifier, .list, .tuple, .index, .dot: "this expression"
        }
    }

    // MARK: Statements

    mutating func statements(_ list: [Statement]) {
        for s in list { statement(s) }
    }

    mutating func statement(_ s: Statement) {
        switch s.kind {
        case .expression(let e): expression(e)
        case .assign(let target, let value):
            expression(value)
            assign(target, augmented: false)
        case .augmentedAssign(let target, _, let value):
            expression(value)
            assign(target, augmented: true)
        case .def(let name, let f):
            bind(name)
            function(f)
        case .if(let st):
            for branch in st.branches {
                expression(branch.condition)
                ifDepth += 1
                statements(branch.body)
                ifDepth -= 1
            }
            if let otherwise = st.otherwise {
                ifDepth += 1
                statements(otherwise)
                ifDepth -= 1
            }
        case .for(let variables, let iterable, let body):
            expression(iterable)
            assign(variables, augmented: false)
            loopDepth += 1
            statements(body)
            loopDepth -= 1
        case .while(let condition, let body):
            expression(condition)
            loopDepth += 1
            statements(body)
            loopDepth -= 1
        case .break, .continue:
            if loopDepth == 0 {
                let word = if case .break = s.kind { "break" } else { "continue" }
                error("\(word) not in a loop", at: s.position)
            }
        case .pass: break
        case .return(let value):
            if functionDepth == 0 { error("return statement not within a function", at: s.position) }
            if let value { expression(value) }
        case .load(let load): self.load(load, at: s.position)
        }
    }

    mutating func load(_ load: LoadStatement, at position: SourcePosition) {
        if functionDepth > 0 {
            error("load statement within a function", at: position)
            return
        }
        if loopDepth > 0 {
            error("load statement within a loop", at: position)
            return
        }
        if ifDepth > 0 {
            error("load statement within a conditional", at: position)
            return
        }
        let module = LoadModule(load.module) ?? .file(path: load.module)
        if LoadModule(load.module) == nil { error(LoadModule.explain(load.module), at: load.modulePosition) }
        let first = loadedNames.count
        for b in load.bindings {
            let exported = b.exported.name
            if exported.isEmpty {
                error("load: empty name", at: b.exported.position)
            } else if exported.hasPrefix("_") {
                error("load: names with leading underscores are not exported: \(exported)", at: b.exported.position)
            }
            let local = b.local.name
            if !Resolver.isValidName(local) {
                if !exported.isEmpty { error("load: \"\(local)\" is not a valid name", at: b.local.position) }
                continue
            }
            if let previous = loadedIndex[local] {
                error("cannot load \(local) again: it is already bound by the load statement at \(loadedNames[previous].position)", at: b.local.position)
                continue
            }
            if let g = globalIndex[local] {
                error("cannot load \(local): it is already a global variable, bound at \(globals[g].position)", at: b.local.position)
                continue
            }
            loadedIndex[local] = loadedNames.count
            provisional[b.local.id] = .loaded(loadedNames.count)
            loadedNames.append(LoadedName(local: local, exported: exported, module: module, position: b.local.position))
        }
        loads.append(Load(module: module, position: position, names: first..<loadedNames.count))
    }

    /// Whether `name` can be a variable: an identifier that is not a keyword or reserved word.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isIdentifierStart(first),
            name.unicodeScalars.allSatisfy(isIdentifierContinue)
        else { return false }
        return TokenKind.keywords[name] == nil && !TokenKind.reserved.contains(name)
    }

    // MARK: Functions

    /// A def or lambda: defaults in the enclosing scope, then parameters and body in a new one.
    mutating func function(_ f: Function) {
        for p in f.parameters {
            if case .optional(_, let value) = p.kind { expression(value) }
        }
        scopes[f.id].name = f.name
        scopes[f.id].position = f.position
        let outer = current
        let savedLoops = loopDepth
        let savedIfs = ifDepth
        pushBlock(function: f.id, isFunctionBody: true)
        loopDepth = 0
        ifDepth = 0
        functionDepth += 1
        parameters(f)
        statements(f.body)
        functionDepth -= 1
        loopDepth = savedLoops
        ifDepth = savedIfs
        current = outer
    }

    /// Checks the order of parameters and binds them in frame order: named parameters, then
    /// `*args`, then `**kwargs` (the checks and messages are the Go implementation's).
    mutating func parameters(_ f: Function) {
        var seenOptional = false
        var star: Parameter?
        var starStar: Identifier?
        var keywordOnly = 0
        var named = 0
        var positional = 0
        for p in f.parameters {
            switch p.kind {
            case .required(let id), .optional(let id, _):
                let isOptional = if case .optional = p.kind { true } else { false }
                if starStar != nil {
                    error("parameter may not follow **kwargs", at: p.position)
                } else if star != nil {
                    keywordOnly += 1
                } else if seenOptional && !isOptional {
                    error("required parameter may not follow optional", at: p.position)
                }
                if isOptional { seenOptional = true }
                if star == nil { positional += 1 }
                named += 1
                if !bind(id) { error("duplicate parameter: \(id.name)", at: id.position) }
            case .star:
                if starStar != nil {
                    error("* parameter may not follow **kwargs", at: p.position)
                } else if star != nil {
                    error("multiple * parameters not allowed", at: p.position)
                } else {
                    star = p
                }
            case .starStar(let id):
                if starStar != nil { error("multiple ** parameters not allowed", at: p.position) }
                starStar = id
            }
        }
        if named > CompileLimits.parameters {
            error("too many parameters (the limit is \(CompileLimits.parameters))", at: f.position)
        }
        scopes[f.id].parameterCount = named
        scopes[f.id].positionalCount = positional
        if let star, case .star(let id) = star.kind {
            if let id {
                if !bind(id) { error("duplicate parameter: \(id.name)", at: id.position) }
                scopes[f.id].hasVarargs = true
            } else if keywordOnly == 0 {
                error("bare * must be followed by keyword-only parameters", at: star.position)
            }
        }
        if let starStar {
            if !bind(starStar) { error("duplicate parameter: \(starStar.name)", at: starStar.position) }
            scopes[f.id].hasKwargs = true
        }
    }

    // MARK: Expressions

    mutating func expression(_ e: Expression) {
        switch e.kind {
        case .identifier(let id): use(id)
        case .int, .float, .string, .bytes: break
        case .list(let items), .tuple(let items):
            for item in items { expression(item) }
        case .dict(let entries):
            for entry in entries {
                expression(entry.key)
                expression(entry.value)
            }
        case .comprehension(let c): comprehension(c)
        case .unary(_, let x): expression(x)
        case .binary(let first, let terms):
            expression(first)
            for term in terms { expression(term.operand) }
        case .conditional(let condition, let then, let otherwise):
            expression(condition)
            expression(then)
            expression(otherwise)
        case .call(let f, let arguments): call(f, arguments)
        case .dot(let x, _): expression(x)
        case .index(let x, let i):
            expression(x)
            expression(i)
        case .slice(let x, let start, let end, let step):
            expression(x)
            for part in [start, end, step] {
                if let part { expression(part) }
            }
        case .lambda(let f): function(f)
        }
    }

    /// The first `for`'s iterable is evaluated outside the comprehension; the rest inside its
    /// own block.
    mutating func comprehension(_ c: Comprehension) {
        guard case .for(let variables, let iterable, _) = c.clauses.first else { return }
        expression(iterable)
        let outer = current
        pushBlock(function: blocks[current].function, isFunctionBody: false)
        assign(variables, augmented: false)
        for clause in c.clauses.dropFirst() {
            switch clause {
            case .if(let condition, _): expression(condition)
            case .for(let variables, let iterable, _):
                assign(variables, augmented: false)
                expression(iterable)
            }
        }
        switch c.body {
        case .list(let e): expression(e)
        case .dict(let k, let v):
            expression(k)
            expression(v)
        }
        current = outer
    }

    /// Argument order: positional, named, `*args`, `**kwargs` (the order the `call`
    /// instruction takes them in); named arguments unique.
    mutating func call(_ f: Expression, _ arguments: [Argument]) {
        expression(f)
        var seenStar = false
        var seenStarStar = false
        var names: Set<String> = []
        for a in arguments {
            switch a.kind {
            case .starStar(let x):
                if seenStarStar { error("multiple **kwargs not allowed", at: a.position) }
                seenStarStar = true
                expression(x)
            case .star(let x):
                if seenStarStar {
                    error("*args may not follow **kwargs", at: a.position)
                } else if seenStar {
                    error("multiple *args not allowed", at: a.position)
                }
                seenStar = true
                expression(x)
            case .named(let name, let x):
                if seenStarStar {
                    error("keyword argument may not follow **kwargs", at: a.position)
                } else if seenStar {
                    error("keyword argument may not follow *args", at: a.position)
                }
                if !names.insert(name.name).inserted {
                    error("keyword argument \(name.name) repeated", at: name.position)
                }
                expression(x)
            case .positional(let x):
                if seenStar {
                    error("positional argument may not follow *args", at: a.position)
                } else if seenStarStar {
                    error("positional argument may not follow **kwargs", at: a.position)
                } else if !names.isEmpty {
                    error("positional argument may not follow named", at: a.position)
                }
                expression(x)
            }
        }
    }
}
