import CorralBytecode

/// The compiler: a Starlark file, and every Starlark file it loads, to one Corral module.
///
/// The module is untrusted like any other: the VM validates it before running it. The root
/// file's top level is the start function; its module variables are exported as globals (not
/// those starting with `_`), so a host calls `main` by name.
public enum StarlarkCompiler {
    /// Reads a loaded file's source, given its path relative to the root's directory (e.g.
    /// `lib/util.star`). Throwing means the file cannot be loaded; the error's description is
    /// shown at the load statement.
    public typealias Reader = (_ path: String) throws -> String

    /// Compiles `text`, the source of the file at `file`. Files it loads are read with `read`
    /// (by default, none can be). Capability loads (`@http`) become imports.
    public static func compile(
        _ text: String, file: String, predeclared: Set<String> = Universe.predeclared,
        read: Reader = { path in throw LoadFailure("no loader: only the file itself is compiled") }
    ) throws(CompileError) -> Module {
        var program = Program(predeclared: predeclared)
        try program.add(text, path: file, read: read)
        // The generator walks the tree recursively, as deep as the front end lets programs
        // nest: on the compiler's large-stack thread, like the parser and resolver.
        let files = program
        return try CompilerStack.run { () -> Result<Module, CompileError> in
            do throws(CompileError) { return .success(try files.generate()) } catch { return .failure(error) }
        }.get()
    }

    /// `compile`, encoded as module bytes (`.cbc`).
    public static func compileBytes(
        _ text: String, file: String, predeclared: Set<String> = Universe.predeclared,
        read: Reader = { path in throw LoadFailure("no loader: only the file itself is compiled") }
    ) throws(CompileError) -> [UInt8] {
        ModuleEncoder.encode(try compile(text, file: file, predeclared: predeclared, read: read))
    }
}

/// Why a loaded file could not be read.
public struct LoadFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The files of one program, in the order their top levels run: every file after the files it
/// loads, the root last.
private struct Program: Sendable {
    let predeclared: Set<String>
    var files: [(path: String, resolved: ResolvedFile, source: SourceText)] = []
    var indexByPath: [String: Int] = [:]
    /// Files being loaded, for cycle errors.
    var loading: [String] = []

    init(predeclared: Set<String>) {
        self.predeclared = predeclared
    }

    /// Resolves `text` and, first, every file it loads (depth first).
    mutating func add(_ text: String, path: String, read: StarlarkCompiler.Reader) throws(CompileError) {
        let resolved = try StarlarkFrontEnd.resolve(text, file: path, predeclared: predeclared)
        let source = SourceText(file: path, bytes: Array(text.utf8))
        loading.append(path)
        for load in resolved.loads {
            guard case .file(let relative) = load.module else { continue }
            let target = Program.join(directory(of: path), relative)
            if indexByPath[target] != nil { continue }
            if let cycle = loading.firstIndex(of: target) {
                let chain = (loading[cycle...] + [target]).joined(separator: " → ")
                throw CompileError(source, at: load.position, "load cycle: \(chain)")
            }
            let loadedText: String
            do {
                loadedText = try read(target)
            } catch {
                throw CompileError(source, at: load.position, "cannot load \"\(relative)\": \(error)")
            }
            try add(loadedText, path: target, read: read)
        }
        loading.removeLast()
        indexByPath[path] = files.count
        files.append((path, resolved, source))
    }

    /// Lays out globals and functions file by file (the root's globals first, so its exports
    /// keep their indices), then generates every file's code.
    func generate() throws(CompileError) -> Module {
        var builder = ModuleBuilder()
        let root = files.count - 1
        let order = [root] + Array(0..<root)
        var globalBase = [Int](repeating: 0, count: files.count)
        for i in order {
            globalBase[i] = builder.module.globals.count
            for g in files[i].resolved.globals {
                builder.module.globals.append(Global(name: i == root ? g.name : "\(files[i].path):\(g.name)"))
            }
        }
        var functionBase = [Int](repeating: 0, count: files.count)
        var toplevel = [Int](repeating: 0, count: files.count)
        for i in files.indices {
            functionBase[i] = builder.reserveFunctions(files[i].resolved.functions.count)
            toplevel[i] = builder.reserveFunctions(1)
        }
        var localNames: [[String]] = Array(repeating: [], count: builder.module.functions.count)
        // Functions of loaded files name their own file, so backtraces point into them.
        var functionFiles: [String] = files.count > 1 ? Array(repeating: "", count: builder.module.functions.count) : []
        for (i, entry) in files.enumerated() {
            var gen = CodeGenerator(file: entry.resolved, source: entry.source)
            gen.builder = builder
            gen.globalBase = globalBase[i]
            gen.functionBase = functionBase[i]
            for (k, name) in entry.resolved.loadedNames.enumerated() {
                guard case .file(let relative) = name.module else { continue }
                let target = indexByPath[Program.join(directory(of: entry.path), relative)]!
                let globals = files[target].resolved.globals
                // (The resolver has already refused private `_names`.)
                guard let g = globals.firstIndex(where: { $0.name == name.exported }) else {
                    // Go Starlark's words, with its did-you-mean among the file's public names.
                    let suggestion = nearestName(to: name.exported, in: globals.map(\.name).filter { !$0.hasPrefix("_") })
                    throw CompileError(
                        entry.source, at: name.position,
                        "name \(name.exported) not found in module \(relative)" + (suggestion.map { " (did you mean \($0)?)" } ?? ""))
                }
                gen.loadedGlobals[k] = UInt32(globalBase[target] + g)
            }
            let prologue = i == root ? (0..<root).map { UInt32(toplevel[$0]) } : []
            try gen.generateToplevel(into: toplevel[i], name: i == root ? "<toplevel>" : "<toplevel \(entry.path)>", prologue: prologue)
            builder = gen.builder
            for scope in entry.resolved.functions.indices {
                // Locals, padded over the generator's temporaries to the function's local
                // count, then the free variables' names (SPEC §7.2, the debug section).
                let f = functionBase[i] + scope
                let fn = entry.resolved.functions[scope]
                var names = fn.locals.map(\.name)
                if !fn.freeVariables.isEmpty {
                    let localCount = Int(builder.module.functions[f].localCount)
                    names += Array(repeating: "", count: max(localCount - names.count, 0))
                    names += fn.freeVariables.map(\.name)
                }
                localNames[f] = names
            }
            localNames[toplevel[i]] = entry.resolved.toplevel.locals.map(\.name)
            if i != root {
                for scope in entry.resolved.functions.indices { functionFiles[functionBase[i] + scope] = entry.path }
                functionFiles[toplevel[i]] = entry.path
            }
        }
        builder.module.start = UInt32(toplevel[root])
        for (g, v) in files[root].resolved.globals.enumerated() where !v.name.hasPrefix("_") {
            builder.module.exports.append(Export(name: v.name, kind: .global, index: UInt32(g)))
        }
        builder.module.debug = DebugInfo(file: files[root].path, localNames: localNames, functionFiles: functionFiles)
        return builder.module
    }

    /// `a/b.star` from directory `a` and path `b.star`; `..` and `.` segments are folded.
    static func join(_ directory: String, _ path: String) -> String {
        var parts = path.hasPrefix("/") ? [] : directory.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !parts.isEmpty && parts.last != ".." { parts.removeLast() } else { parts.append("..") }
            default: parts.append(String(segment))
            }
        }
        let absolute = path.hasPrefix("/") || directory.hasPrefix("/")
        return (absolute ? "/" : "") + parts.joined(separator: "/")
    }

    private func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}

extension CompileError {
    /// A resolve-kind error at `position` of `source`.
    init(_ source: SourceText, at position: SourcePosition, _ message: String) {
        self.init(
            kind: .resolve, message: message, file: source.file, line: position.line, column: position.column,
            sourceLine: source.lineText(containing: position.offset))
    }
}
