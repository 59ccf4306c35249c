import CorralBytecode
import Foundation

@testable import CorralVM

/// Assembles, validates and instantiates a text-form module.
func makeSandbox(
    _ text: String, budget: Budget = Budget(), metered: Bool = true, hosts: [HostFunction] = [],
    print: @escaping @Sendable (String) -> Void = { _ in }
) throws -> Sandbox {
    let vm = try ValidatedModule.validate(try Assembler.assemble(text), metered: metered)
    return try Sandbox(module: vm, budget: budget, hostFunctions: hosts, print: print)
}

/// A gate that host functions wait on without holding a thread.
actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var open = false
    private(set) var arrived = 0

    func wait() async {
        arrived += 1
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        open = true
        for w in waiters { w.resume() }
        waiters = []
    }
}

/// An endless loop, for deadline and cancellation tests.
let endlessLoop = """
    .start 0
    .func "spin"
      loop
        br 0
      end
      const.none
      end
    """

/// Calls import 0 with 41 and adds 1 to the answer.
let hostCaller = """
    .import "test" "echo"
    .start 0
    .func "main"
    .line 3 7
      import.get 0
      const.int 41
      call 1 0
      const.int 1
      add
      end
    .debug file "caller.star"
    """
