/// Constants of the binary format (bytecode/SPEC.md, "Binary format").
public enum BinaryFormat {
    /// `\0CBC`: Corral ByteCode.
    public static let magic: [UInt8] = [0x00, 0x43, 0x42, 0x43]
    public static let version: UInt32 = 1

    /// Section ids. Known sections appear at most once, in increasing id order; custom
    /// sections (id 0) may appear anywhere.
    public enum SectionID: UInt8, Sendable {
        case custom = 0
        case constants = 1
        case imports = 2
        case globals = 3
        case functions = 4
        case exports = 5
        case start = 6
    }

    /// Constant kinds in the constants section.
    public enum ConstantKind: UInt8, Sendable {
        case int = 1
        case bigInt = 2
        case float = 3
        case string = 4
        case bytes = 5
    }

    /// The custom section holding `DebugInfo`.
    public static let debugSectionName = "debug"

    /// Function flag bits.
    static let functionVarargs: UInt8 = 1
    static let functionKwargs: UInt8 = 2
    /// Parameter flag bits.
    static let paramHasDefault: UInt8 = 1
}
