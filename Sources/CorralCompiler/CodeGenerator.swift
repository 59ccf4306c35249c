import CorralBytecode

/// Turns resolved Starlark files into one Corral module.
///
/// Each file's top level becomes a function and each `def`/`lambda` a function; module
/// variables become globals (a loaded file's under `path:name`). The root file's top level is
/// the module's start function; it first runs the top level of every file it loads, directly
/// or not, once each, dependencies first. Names loaded from a file read that file's global;
/// names loaded from a capability module (`@http`) are imports.
///
/// How Starlark maps onto the bytecode (bytecode/SPEC.md):
/// - Variables: `Binding` says which of `local.*`, `cell.*`, `free.get`, `global.*`,
///   `import.get` or `builtin` reaches a name. A function `cell.make`s its captured locals on
///   entry; `func.make` receives defaults, then cells (`local.get` of its own, `free.cell` of
///   ones it captured itself).
/// - `for` keeps its iterator on the operand stack: `iter.begin; block; loop; iter.next 1;
///   …; br 0; end; end; iter.end`. `break` leaves the block, `continue` repeats the loop, and
///   `return` inside loops ends their iterators first so their sequences unlock (a loop with a
///   `return` in it keeps a copy of its iterator in a hidden local for that).
/// - Comprehensions build their result in a hidden local and nest one such loop per `for`.
/// - `and`/`or` are `block result; x; dup; br_if|br_unless 0; drop; y; end`.
struct CodeGenerator {
    var builder = ModuleBuilder()

    // The file being generated.
    var file: ResolvedFile
    var source: SourceText
    /// Module global index of the file's global 0.
    var globalBase = 0
    /// Module function index of the file's `Function.id` 0.
    var functionBase = 0
    /// For names loaded from files: the module global each reads (by `Binding.loaded` index).
    var loadedGlobals: [Int: UInt32] = [:]

    // The function being generated.
    var f = FunctionBuilder(localCount: 0)
    var scope: FunctionScope

    init(file: ResolvedFile, source: SourceText) {
        self.file = file
        self.source = source
        self.scope = file.toplevel
    }

    func error(_ message: String, at position: SourcePosition) -> CompileError {
        CompileError(
            kind: .resolve, message: message, file: source.file, line: position.line, column: position.column,
            sourceLine: source.lineText(containing: position.offset))
    }

    // MARK: functions

    /// Generates a file's top-level code into function `index`; `prologue` runs first (the
    /// start function calls the top levels of loaded files there).
    mutating func generateToplevel(into index: Int, name: String, prologue: [UInt32]) throws(CompileError) {
        f = FunctionBuilder(localCount: file.toplevel.locals.count)
        scope = file.toplevel
        for k in prologue {
            f.emit(.funcMake, a: k)
            f.emit(.call, a: 0, b: 0)
            f.emit(.drop)
        }
        for c in scope.cells { f.emit(.cellMake, a: UInt32(c)) }
        try statements(file.syntax.statements)
        finish(into: index, name: name, parameters: [])
    }

    /// Generates a `def` or `lambda` body into its module function, then pushes the function
    /// value in the enclosing code: defaults, cells, `func.make`.
    mutating func function(_ fn: Function) throws(CompileError) {
        // Defaults are evaluated where the function is defined, in parameter order.
        for p in fn.parameters {
            if case .optional(_, let value) = p.kind { try expression(value) }
        }
        let inner = file.functions[fn.id]
        for v in inner.freeVariables {
            switch v.outer {
            case .cell(let slot): f.emit(.localGet, a: UInt32(slot))
            case .free(let i): f.emit(.freeCell, a: UInt32(i))
            default: throw error("internal: free variable \(v.name) is captured from \(v.outer)", at: v.position)
            }
        }
        let index = functionBase + fn.id
        let (savedF, savedScope) = (f, scope)
        f = FunctionBuilder(localCount: inner.locals.count)
        scope = inner
        f.at(fn.position)
        for c in inner.cells { f.emit(.cellMake, a: UInt32(c)) }
        try statements(fn.body)
        finish(into: index, name: fn.name, parameters: fn.parameters)
        (f, scope) = (savedF, savedScope)
        f.emit(.funcMake, a: UInt32(index))
    }

    /// Ends the current function (an implicit `return None`) and stores it in the module.
    private mutating func finish(into index: Int, name: String, parameters: [Parameter]) {
        f.emit(.constNone)
        f.code.append(Instruction(.end))
        var params: [Param] = []
        for p in parameters {
            switch p.kind {
            case .required(let id): params.append(Param(name: id.name))
            case .optional(let id, _): params.append(Param(name: id.name, hasDefault: true))
            case .star, .starStar: break
            }
        }
        builder.module.functions[index] = CorralBytecode.Function(
            name: name, params: params, positionalCount: UInt32(scope.positionalCount), hasVarargs: scope.hasVarargs,
            hasKwargs: scope.hasKwargs, localCount: UInt32(f.localCount), freeCount: UInt32(scope.freeVariables.count),
            code: f.code, lines: f.lines)
    }

    // MARK: variables

    /// Pushes the value of a variable.
    mutating func load(_ id: Identifier) throws(CompileError) {
        f.at(id.position)
        switch file.bindings[id.id] {
        case .local(let i): f.emit(.localGet, a: UInt32(i))
        case .cell(let i): f.emit(.cellGet, a: UInt32(i))
        case .free(let i): f.emit(.freeGet, a: UInt32(i))
        case .global(let i): f.emit(.globalGet, a: UInt32(globalBase + i))
        case .loaded(let i):
            let name = file.loadedNames[i]
            switch name.module {
            case .capability(let module): f.emit(.importGet, a: builder.importFunction(module: module, name.exported))
            case .file:
                guard let g = loadedGlobals[i] else { throw error("internal: \(name.local) was not linked", at: id.position) }
                f.emit(.globalGet, a: g)
            }
        case .predeclared(let name): f.emit(.builtin, a: builder.name(name))
        case .universal(let name):
            switch name {
            case "None": f.emit(.constNone)
            case "True": f.emit(.constTrue)
            case "False": f.emit(.constFalse)
            default: f.emit(.builtin, a: builder.name(name))
            }
        }
    }

    /// Pops the value on top of the stack into a variable.
    mutating func store(_ id: Identifier) throws(CompileError) {
        f.at(id.position)
        switch file.bindings[id.id] {
        case .local(let i): f.emit(.localSet, a: UInt32(i))
        case .cell(let i): f.emit(.cellSet, a: UInt32(i))
        case .global(let i): f.emit(.globalSet, a: UInt32(globalBase + i))
        case .free, .loaded, .predeclared, .universal:
            throw error("cannot assign to \(id.name)", at: id.position)
        }
    }
}
