/// Names every module can use without binding them.
public enum Universe {
    /// The language's universal names: constants and the builtin functions the VM provides
    /// (`builtin k`), from the spec's list.
    public static let names: Set<String> = [
        "None", "True", "False",
        "abs", "all", "any", "bool", "bytes", "chr", "dict", "dir", "enumerate", "fail", "float", "getattr",
        "hasattr", "hash", "int", "len", "list", "max", "min", "ord", "print", "range", "repr", "reversed",
        "set", "sorted", "str", "tuple", "type", "zip",
    ]

    /// Modules Corral predeclares for every program; a host may pass more.
    public static let predeclared: Set<String> = ["json", "math"]
}
