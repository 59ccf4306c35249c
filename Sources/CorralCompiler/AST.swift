/// The syntax tree of one Starlark file: what the parser makes, the resolver annotates and the
/// code generator walks.
///
/// Every node is a `Sendable` value with a source position. Nodes are never mutated after
/// parsing; the resolver's results live in side tables indexed by two dense ids the parser
/// hands out: `Identifier.id` (every variable occurrence) and `Function.id` (every `def` and
/// `lambda`). Parentheses leave no node: `(a)` is `a`.
///
/// The tree's depth is bounded by `CompileLimits.nestingDepth` (times the handful of operator
/// precedence levels), so recursive walkers are safe. Two shapes keep it so: a run of binary
/// operators of one precedence level is one flat `.binary` node, and `elif` chains are one flat
/// `IfStatement`.
public struct SourceFile: Sendable {
    public var file: String
    public var statements: [Statement]
    /// Number of `Identifier` nodes; their ids are `0..<identifierCount`.
    public var identifierCount: Int
    /// Number of `Function` nodes (defs and lambdas); their ids are `0..<functionCount`.
    public var functionCount: Int
}

/// A variable occurrence: a use, or a binding (assignment target, parameter, def name, loop
/// variable, load name). `id` indexes `ResolvedFile.bindings`.
public struct Identifier: Sendable, Hashable {
    public var name: String
    public var position: SourcePosition
    public var id: Int
}

/// A name that is not a variable: an attribute (`x.name`), a keyword argument (`f(name=1)`), or
/// the exported name in a load statement.
public struct Name: Sendable, Hashable {
    public var name: String
    public var position: SourcePosition
}

public struct Expression: Sendable {
    public indirect enum Kind: Sendable {
        case identifier(Identifier)
        case int(IntLiteral)
        case float(Double)
        /// A string literal's bytes (UTF-8 text, or any bytes through \x and octal escapes).
        case string([UInt8])
        case bytes([UInt8])
        case list([Expression])
        /// `(a, b)`, `a, b`, `()`.
        case tuple([Expression])
        case dict([DictEntry])
        case comprehension(Comprehension)
        case unary(UnaryOperator, Expression)
        /// A left-associative run of operators of one precedence level:
        /// `first op₁ t₁ op₂ t₂ …` means `((first op₁ t₁) op₂ t₂) …`. Comparisons do not
        /// associate, so a comparison run has exactly one term. `and`/`or` short-circuit.
        case binary(Expression, [BinaryTerm])
        /// `then if condition else otherwise`.
        case conditional(condition: Expression, then: Expression, otherwise: Expression)
        case call(Expression, [Argument])
        case dot(Expression, Name)
        case index(Expression, Expression)
        /// `x[start:end:step]`, each part optional.
        case slice(Expression, start: Expression?, end: Expression?, step: Expression?)
        case lambda(Function)
    }

    public var kind: Kind
    /// Where the expression starts (for a binary run, its first operand; for a call, index or
    /// dot, the start of the operand it applies to).
    public var position: SourcePosition
}

/// One `op operand` step of a binary run.
public struct BinaryTerm: Sendable {
    public var op: BinaryOperator
    public var operand: Expression
    /// Position of the operator token, for errors at run time.
    public var position: SourcePosition
}

public enum UnaryOperator: String, Sendable {
    case plus = "+", minus = "-", invert = "~", not = "not"
}

public enum BinaryOperator: String, Sendable {
    case or = "or", and = "and"
    case equal = "==", notEqual = "!=", less = "<", greater = ">", lessEqual = "<=", greaterEqual = ">="
    case `in` = "in", notIn = "not in"
    case bitOr = "|", bitXor = "^", bitAnd = "&", shiftLeft = "<<", shiftRight = ">>"
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%"
}

public struct DictEntry: Sendable {
    public var key: Expression
    public var value: Expression
    /// Position of the key.
    public var position: SourcePosition
}

/// `[body for … if …]` or `{key: value for … if …}`. Comprehension variables are locals of the
/// enclosing function (or of the module's top-level code), in a block of their own.
public struct Comprehension: Sendable {
    public enum Body: Sendable {
        case list(Expression)
        case dict(key: Expression, value: Expression)
    }
    public enum Clause: Sendable {
        /// `for variables in iterable`. The first clause's iterable is evaluated in the
        /// enclosing scope; everything else inside the comprehension's block.
        case `for`(variables: Expression, iterable: Expression, position: SourcePosition)
        case `if`(Expression, position: SourcePosition)
    }
    public var body: Body
    /// Never empty; the first clause is always a `for`.
    public var clauses: [Clause]
}

public struct Argument: Sendable {
    public enum Kind: Sendable {
        case positional(Expression)
        case named(Name, Expression)
        /// `*iterable`
        case star(Expression)
        /// `**dict`
        case starStar(Expression)
    }
    public var kind: Kind
    public var position: SourcePosition
}

public struct Parameter: Sendable {
    public enum Kind: Sendable {
        case required(Identifier)
        case optional(Identifier, default: Expression)
        /// `*args`, or a bare `*` (nil) that only marks the start of keyword-only parameters.
        case star(Identifier?)
        /// `**kwargs`
        case starStar(Identifier)
    }
    public var kind: Kind
    public var position: SourcePosition

    /// The parameter's variable, if it has one (a bare `*` does not).
    public var identifier: Identifier? {
        switch kind {
        case .required(let id), .optional(let id, _), .starStar(let id): id
        case .star(let id): id
        }
    }
}

/// A `def` or a `lambda`. A lambda's body is one synthesized `return` statement.
public struct Function: Sendable {
    /// Dense id, indexes `ResolvedFile.functions`.
    public var id: Int
    /// The def's name, or "lambda".
    public var name: String
    public var isLambda: Bool
    /// Position of `def` or `lambda`.
    public var position: SourcePosition
    public var parameters: [Parameter]
    public var body: [Statement]
}

public struct Statement: Sendable {
    public indirect enum Kind: Sendable {
        case expression(Expression)
        /// `target = value`; the target is an identifier, index, dot, or a (nested) tuple/list
        /// of targets. The resolver rejects anything else.
        case assign(target: Expression, value: Expression)
        /// `target op= value`; the target is an identifier, index or dot.
        case augmentedAssign(target: Expression, op: BinaryOperator, value: Expression)
        case def(Identifier, Function)
        case `if`(IfStatement)
        case `for`(variables: Expression, iterable: Expression, body: [Statement])
        case `while`(condition: Expression, body: [Statement])
        case `break`, `continue`, pass
        case `return`(Expression?)
        case load(LoadStatement)
    }
    public var kind: Kind
    /// Where the statement starts (its keyword, or its first expression).
    public var position: SourcePosition
}

/// `if c₁: … elif c₂: … else: …` as one flat list of branches.
public struct IfStatement: Sendable {
    public struct Branch: Sendable {
        public var condition: Expression
        public var body: [Statement]
        /// Position of `if` or `elif`.
        public var position: SourcePosition
    }
    /// At least one.
    public var branches: [Branch]
    /// The `else` body, or nil when there is no `else`.
    public var otherwise: [Statement]?
}

/// `load("module", "name", local="name", …)`.
public struct LoadStatement: Sendable {
    public struct Binding: Sendable {
        /// The variable bound in this file.
        public var local: Identifier
        /// The name exported by the loaded module.
        public var exported: Name
    }
    /// The module string as written (checked by the resolver, see `LoadModule`).
    public var module: String
    public var modulePosition: SourcePosition
    public var bindings: [Binding]
}
