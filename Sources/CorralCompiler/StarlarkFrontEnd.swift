/// The front end's entry points: source text in, a resolved tree (or precise errors) out.
/// The code generator builds on `resolve`; tools that want every error use `diagnose`.
///
/// Each runs on the compiler's own large-stack thread (`CompilerStack`), so deeply nested input
/// is safe whatever thread calls. A tree walker with one frame per nesting level (like the code
/// generator) should run inside `CompilerStack.run` too.
public enum StarlarkFrontEnd {
    /// Parses `text`; stops at the first syntax error.
    public static func parse(_ text: String, file: String) throws(CompileError) -> SourceFile {
        try CompilerStack.run { () -> Result<SourceFile, CompileError> in
            do throws(CompileError) { return .success(try Parser.parse(text, file: file)) } catch { return .failure(error) }
        }.get()
    }

    /// Parses and resolves `text`, throwing the first error in source order.
    public static func resolve(
        _ text: String, file: String, predeclared: Set<String> = Universe.predeclared
    ) throws(CompileError) -> ResolvedFile {
        try CompilerStack.run { () -> Result<ResolvedFile, CompileError> in
            do throws(CompileError) {
                let syntax = try Parser.parse(text, file: file)
                let (resolved, errors) = Resolver.resolve(syntax, source: SourceText(file: file, bytes: Array(text.utf8)), predeclared: predeclared)
                if let first = errors.first { return .failure(first) }
                return .success(resolved!)
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Every error in `text`: the first syntax error, or all resolve errors, in source order.
    /// Empty when the file is a valid program.
    public static func diagnose(_ text: String, file: String, predeclared: Set<String> = Universe.predeclared) -> [CompileError] {
        CompilerStack.run { () -> [CompileError] in
            do throws(CompileError) {
                let syntax = try Parser.parse(text, file: file)
                return Resolver.resolve(syntax, source: SourceText(file: file, bytes: Array(text.utf8)), predeclared: predeclared).1
            } catch {
                return [error]
            }
        }
    }
}
