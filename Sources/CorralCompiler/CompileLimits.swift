import CorralBytecode

/// The compiler's hard limits. Source text is untrusted input like any other: each limit turns
/// a hostile or runaway program into a clear compile error instead of a crash, a native stack
/// overflow or unbounded memory use. Where the bytecode format has its own limit, the compiler
/// uses the same number, so whatever compiles also fits the format.
public enum CompileLimits {
    /// Largest source file accepted, in bytes.
    public static let sourceBytes = 4 << 20
    /// Deepest nesting of brackets, indented blocks and expressions (unary operators, lambdas,
    /// conditional expressions, and each `.name`, `[i]` or `(args)` suffix of a chain). The parser
    /// recurses once per level, so this is what bounds its native stack. Flat chains of binary
    /// operators (`a + b + c ...`) do not nest and are not bounded by it.
    public static let nestingDepth = 200
    /// Longest string or bytes literal, in bytes after escapes are decoded.
    public static let stringLiteralBytes = 1 << 20
    /// Most digits in an integer literal (the big-int conversion is quadratic in digits).
    public static let intLiteralDigits = 10_000
    /// Longest identifier, in bytes: names become name constants of the module.
    public static let identifierBytes = Limits.nameBytes
    /// Most locals of one function (parameters, locals and comprehension variables).
    public static let locals = Limits.locals
    /// Most module-level variables.
    public static let globals = Limits.globals
    /// Most parameters of one function, not counting `*args` and `**kwargs`.
    public static let parameters = Limits.params
    /// Most positional arguments, and most named arguments, of one call.
    public static let callArguments = Limits.callArguments
    /// Most elements of one list, tuple or dict literal.
    public static let literalElements = Limits.literalCount
    /// Stack of the thread the front end runs on (`CompilerStack`), sized for the deepest program
    /// the nesting limit accepts in a debug build (about 4 MiB) with room to spare.
    public static let stackBytes = 64 << 20
    /// Most variables one function captures from the functions around it.
    public static let freeVariables = Limits.freeVariables
}
