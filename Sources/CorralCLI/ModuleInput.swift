import CorralBytecode
import CorralCompiler
import CorralVM
import Foundation

/// Reading a module from a path: `.star` Starlark is compiled (with the files it loads, read
/// relative to it), `.cas` text is assembled, anything else is decoded as binary. Failures are
/// written as `corral: <reason>: <message>` and become exit code 2.
enum ModuleInput {
    static func readBytes(_ path: String, io: CLIOutput) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            io.err("corral: usage-error: cannot read \(path)")
            throw CLIExit.invalid
        }
        return [UInt8](data)
    }

    static func isText(_ path: String) -> Bool { path.hasSuffix(".cas") }
    static func isStarlark(_ path: String) -> Bool { path.hasSuffix(".star") }

    /// The decoded (not yet validated) module at `path`.
    static func module(_ path: String, io: CLIOutput) throws -> Module {
        let bytes = try readBytes(path, io: io)
        if isStarlark(path) {
            return try compile(String(decoding: bytes, as: UTF8.self), path: path, io: io)
        }
        if isText(path) {
            do {
                return try Assembler.assemble(String(decoding: bytes, as: UTF8.self), file: path)
            } catch {
                io.err("corral: syntax-error: \(error)")
                throw CLIExit.invalid
            }
        }
        do {
            return try ModuleDecoder.decode(bytes)
        } catch {
            io.err("corral: malformed-module: \(path): \(error)")
            throw CLIExit.invalid
        }
    }

    /// The validated module at `path`.
    static func validated(_ path: String, metered: Bool = true, io: CLIOutput) throws -> ValidatedModule {
        let m = try module(path, io: io)
        do {
            return try ValidatedModule.validate(m, metered: metered)
        } catch {
            io.err("corral: invalid-module: \(path): \(error)")
            throw CLIExit.invalid
        }
    }

    /// Compiles a Starlark file; a file it loads is read from disk relative to it. Compile
    /// errors print as `corral: syntax-error: file:line:col: message`, the line and a caret.
    static func compile(_ text: String, path: String, io: CLIOutput) throws -> Module {
        do {
            return try StarlarkCompiler.compile(text, file: path) { loaded in
                guard let data = FileManager.default.contents(atPath: loaded) else {
                    throw LoadFailure("cannot read \(loaded)")
                }
                return String(decoding: data, as: UTF8.self)
            }
        } catch {
            io.err("corral: \(error.kind.rawValue): \(error.rendered)")
            throw CLIExit.invalid
        }
    }
}
