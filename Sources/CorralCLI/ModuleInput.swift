import CorralBytecode
import CorralVM
import Foundation

/// Reading a module from a path: `.cas` text is assembled, anything else is decoded as
/// binary. Failures are written as `corral: <reason>: <message>` and become exit code 2.
enum ModuleInput {
    static func readBytes(_ path: String, io: CLIOutput) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            io.err("corral: usage-error: cannot read \(path)")
            throw CLIExit.invalid
        }
        return [UInt8](data)
    }

    static func isText(_ path: String) -> Bool { path.hasSuffix(".cas") }

    /// The decoded (not yet validated) module at `path`.
    static func module(_ path: String, io: CLIOutput) throws -> Module {
        let bytes = try readBytes(path, io: io)
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
}
