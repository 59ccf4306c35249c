/// Hard limits of the format, enforced by the decoder and the validator and documented in
/// bytecode/SPEC.md. They bound the work and memory any input can cause before it runs.
public enum Limits {
    public static let moduleBytes = 64 << 20
    public static let constants = 1_000_000
    public static let imports = 10_000
    public static let globals = 100_000
    public static let functions = 100_000
    public static let exports = 100_000
    public static let customSections = 1_000
    public static let params = 255
    public static let locals = 65_535
    public static let freeVariables = 65_535
    public static let instructionsPerFunction = 1_000_000
    public static let nameBytes = 1_024
    public static let bigIntBytes = 1 << 16
    /// Nesting of block/loop/if inside one function.
    public static let controlDepth = 1_024
    /// Operand stack height inside one function.
    public static let stackHeight = 65_535
    /// `list.new`, `tuple.new`, `dict.new`, `unpack` counts.
    public static let literalCount = 65_535
    /// Positional and named arguments of one call, each.
    public static let callArguments = 255
}
