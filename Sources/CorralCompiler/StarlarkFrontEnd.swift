/// The front end's entry points: source text in, a resolved tree (or precise errors) out.
/// The code generator builds on `resolve`; tools that want every error use `diagnose`.
public enum StarlarkFrontEnd {
    /// Parses `text`; stops at the first syntax error.
    public static func parse(_ text: String, file: String) throws(CompileError) -> SourceFile {
        try Parser.parse(text, file: file)
    }

    /// Parses and resolves `text`, throwing the first error in source order.
    public static func resolve(
        _ text: String, file: String, predeclared: Set<String> = Universe.predeclared
    ) throws(CompileError) -> ResolvedFile {
        let syntax = try Parser.parse(text, file: file)
        let (resolved, errors) = Resolver.resolve(syntax, source: SourceText(file: file, bytes: Array(text.utf8)), predeclared: predeclared)
        if let first = errors.first { throw first }
        return resolved!
    }

    /// Every error in `text`: the first syntax error, or all resolve errors, in source order.
    /// Empty when the file is a valid program.
    public static func diagnose(_ text: String, file: String, predeclared: Set<String> = Universe.predeclared) -> [CompileError] {
        do {
            let syntax = try Parser.parse(text, file: file)
            return Resolver.resolve(syntax, source: SourceText(file: file, bytes: Array(text.utf8)), predeclared: predeclared).1
        } catch {
            return [error]
        }
    }
}
