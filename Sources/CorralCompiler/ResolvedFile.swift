/// What the resolver hands the code generator: the syntax tree plus side tables saying what
/// every name means and how every function's frame is laid out.
///
/// - `bindings[id]` for every `Identifier` (uses and binding sites alike) says how to reach it.
/// - `functions[id]` for every `Function` (def or lambda), and `toplevel` for the module's
///   top-level code (the start function), give the frame: locals in slot order and which are
///   cells, and the free variables a closure captures.
/// - `globals` are the module's variables: every name bound at top level by assignment, `def`
///   or `for`. A global may be read before it is assigned (a run-time error then), and Corral's
///   dialect lets top-level code reassign it.
/// - `loads` and `loadedNames` list the load statements; a loaded name is constant and visible
///   in the whole file.
public struct ResolvedFile: Sendable {
    public var syntax: SourceFile
    /// Indexed by `Identifier.id`.
    public var bindings: [Binding]
    /// Indexed by `Function.id`.
    public var functions: [FunctionScope]
    /// The module's top-level code: no parameters, never a closure; its locals are the
    /// variables of comprehensions written at top level.
    public var toplevel: FunctionScope
    /// Indexed by `Binding.global`.
    public var globals: [Variable]
    /// In source order.
    public var loads: [Load]
    /// Indexed by `Binding.loaded`, in source order.
    public var loadedNames: [LoadedName]
}

/// How an identifier is reached at run time, and the instructions that go with it.
public enum Binding: Sendable, Hashable {
    /// Slot `i` of the running function's frame, never captured: `local.get i` / `local.set i`.
    case local(Int)
    /// Slot `i` of the running function's frame, captured by a nested function: the function
    /// `cell.make i`s it on entry (after parameters are bound), then uses `cell.get i` /
    /// `cell.set i`; `func.make` of the nested function receives the cell itself.
    case cell(Int)
    /// Captured variable `i` of the running closure (`FunctionScope.freeVariables[i]`):
    /// `free.get i`. Free variables are never assigned: an assignment makes a name local.
    case free(Int)
    /// Module global `i` (`ResolvedFile.globals[i]`): `global.get i` / `global.set i`.
    case global(Int)
    /// Name `i` bound by a load statement (`ResolvedFile.loadedNames[i]`).
    case loaded(Int)
    /// A name the host predeclares for this module (by default `json` and `math`).
    case predeclared(String)
    /// A universal name: `None`, `True`, `False` or a builtin function (`builtin k`).
    case universal(String)
}

/// A module variable, or a local of a function.
public struct Variable: Sendable, Hashable {
    public var name: String
    /// Where it is first bound.
    public var position: SourcePosition
}

/// The frame of one function (or of the top-level code).
///
/// Slot order follows the bytecode's frame layout (bytecode/SPEC.md §4.2): the named
/// parameters in declaration order (positional ones first, then keyword-only ones), then
/// `*args` if present, then `**kwargs` if present, then every other local in order of first
/// binding. Comprehension variables are locals of the function the comprehension is in.
public struct FunctionScope: Sendable {
    public struct Local: Sendable, Hashable {
        public var name: String
        public var position: SourcePosition
        /// Captured by a nested function: lives in a cell.
        public var isCell: Bool
    }

    /// A variable a closure captures, and where the enclosing function finds it when it makes
    /// the closure.
    public struct FreeVariable: Sendable, Hashable {
        public var name: String
        /// In the enclosing function: `.cell(slot)` (its own captured local) or `.free(index)`
        /// (a variable it captured itself, passed on to the inner closure).
        public var outer: Binding
        /// Where the variable is bound.
        public var position: SourcePosition
    }

    /// The def's name, "lambda", or "<toplevel>".
    public var name: String
    public var position: SourcePosition
    /// Named parameters (neither `*args` nor `**kwargs`): slots `0..<parameterCount`.
    public var parameterCount: Int
    /// Parameters `0..<positionalCount` may be passed by position; the rest are keyword-only.
    public var positionalCount: Int
    public var hasVarargs: Bool
    public var hasKwargs: Bool
    /// All locals in slot order, parameters included.
    public var locals: [Local]
    /// In `free.get` index order.
    public var freeVariables: [FreeVariable]

    /// Slots the function must `cell.make` on entry.
    public var cells: [Int] { locals.indices.filter { locals[$0].isCell } }
}

/// One load statement.
public struct Load: Sendable {
    public var module: LoadModule
    public var position: SourcePosition
    /// Indices into `ResolvedFile.loadedNames`.
    public var names: Range<Int>
}

/// One name bound by a load statement.
public struct LoadedName: Sendable, Hashable {
    /// The variable in this file.
    public var local: String
    /// The name the loaded module exports.
    public var exported: String
    public var module: LoadModule
    public var position: SourcePosition
}
