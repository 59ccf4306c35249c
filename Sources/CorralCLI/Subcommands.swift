import ArgumentParser
import CorralBytecode
import CorralVM
import Foundation

struct Asm: CorralSubcommand {
    static let configuration = CommandConfiguration(abstract: "Assemble a .cas text module into .cbc bytes.")

    @Argument(help: "The text-form module (.cas).") var file: String
    @Option(name: .shortAndLong, help: "Where to write the binary module.") var output: String
    @Flag(help: "Write the module even if it does not validate (for building test inputs).")
    var noValidate = false

    mutating func execute(io: CLIOutput) async throws {
        let m = try ModuleInput.module(file, io: io)
        if !noValidate {
            do { _ = try ValidatedModule.validate(m) } catch {
                io.err("corral: invalid-module: \(file): \(error)")
                throw CLIExit.invalid
            }
        }
        let bytes = ModuleEncoder.encode(m)
        guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
            io.err("corral: io-error: cannot write \(output)")
            throw CLIExit.invalid
        }
    }
}

struct Disasm: CorralSubcommand {
    static let configuration = CommandConfiguration(abstract: "Print a module in text form.")

    @Argument(help: "A binary module (.cbc) or text module (.cas).") var file: String
    @Flag(help: "Show the interpreter's translated code instead (fused ops, block fuel).")
    var `internal` = false

    mutating func execute(io: CLIOutput) async throws {
        if `internal` {
            let vm = try ModuleInput.validated(file, io: io)
            for (i, f) in vm.module.functions.enumerated() {
                io.out("func \(i) \"\(f.name)\":")
                io.out(vm.internalListing(function: i))
            }
            return
        }
        let m = try ModuleInput.module(file, io: io)
        var text = Disassembler.disassemble(m)
        if text.hasSuffix("\n") { text.removeLast() }
        io.out(text)
    }
}

struct Validate: CorralSubcommand {
    static let configuration = CommandConfiguration(abstract: "Decode and validate a module; exit 2 with the first problem.")

    @Argument(help: "A binary module (.cbc) or text module (.cas).") var file: String

    mutating func execute(io: CLIOutput) async throws {
        let vm = try ModuleInput.validated(file, io: io)
        let m = vm.module
        io.out(
            "ok: \(file): \(m.functions.count) function(s), \(m.constants.count) constant(s), "
                + "\(m.globals.count) global(s), \(m.imports.count) import(s), \(m.exports.count) export(s)")
    }
}

struct Opcodes: CorralSubcommand {
    static let configuration = CommandConfiguration(abstract: "Print the opcode reference (bytecode/OPCODES.md).")

    mutating func execute(io: CLIOutput) async throws {
        var text = OpcodeReference.markdown()
        if text.hasSuffix("\n") { text.removeLast() }
        io.out(text)
    }
}
