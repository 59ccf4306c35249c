/// What a load statement loads. The two forms cannot be confused: a Starlark file is a string
/// ending in `.star` (a path relative to the loading file), and a capability module is `@name`
/// with `name` matching `[a-z][a-z0-9_]*` (`load("@http", "get")`). File loads are linked with
/// other compiled files; capability loads become the module's imports, granted or denied by
/// policy before anything runs.
public enum LoadModule: Sendable, Hashable, CustomStringConvertible {
    case file(path: String)
    case capability(name: String)

    /// The module named by `text`, or nil if it is neither form.
    public init?(_ text: String) {
        if text.hasPrefix("@") {
            let name = text.utf8.dropFirst()
            guard let first = name.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"),
                name.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || isDigit($0) || $0 == UInt8(ascii: "_") })
            else { return nil }
            self = .capability(name: String(decoding: name, as: UTF8.self))
        } else if text.hasSuffix(".star") && text.utf8.count > 5 {
            self = .file(path: text)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .capability(let name): "@" + name
        }
    }

    /// Why `text` is not a module name, naming both accepted forms.
    static func explain(_ text: String) -> String {
        "cannot load \"\(text)\": a load names either a Starlark file, as a path ending in \".star\" "
            + "(load(\"lib/util.star\", \"f\")), or a capability module, as \"@name\" with a name of "
            + "lowercase letters, digits and '_' (load(\"@http\", \"get\"))"
    }
}
