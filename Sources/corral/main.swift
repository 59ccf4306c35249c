import CorralCLI

#if canImport(Glibc)
import Glibc
#endif

// Thin by design: all logic lives in CorralCLI, where it is tested.
let code = await CorralCommand.runMain(Array(CommandLine.arguments.dropFirst()))
exit(code)
