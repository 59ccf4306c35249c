import CorralBytecode
import Testing

@testable import CorralVM

/// `sorted`, `min` and `max` with `key=`: the key function runs as VM code in frames above a
/// prelude function (`Prelude`), never by a native recursion into the interpreter.
@Suite struct KeyFunctionTests {
    static var words: E { .list([.s("ccc"), .s("a"), .s("bb"), .s("dd")]) }

    static func keyed(_ name: String, _ args: [E], key: E, reverse: E? = nil) -> E {
        .call(name, args, [("key", key)] + (reverse.map { [("reverse", $0)] } ?? []))
    }

    @Test func sortedByKeyIsStable() async throws {
        #expect(try await show(Self.keyed("sorted", [Self.words], key: .builtin("len"))) == #"["a", "bb", "dd", "ccc"]"#)
    }

    @Test func reverseKeepsEqualKeysInOrder() async throws {
        let e = Self.keyed("sorted", [Self.words], key: .builtin("len"), reverse: .true)
        #expect(try await show(e) == #"["ccc", "bb", "dd", "a"]"#)
    }

    @Test func minAndMaxTakeTheFirstExtreme() async throws {
        let xs = E.list([.i(3), .i(-5), .i(2), .i(5)])
        #expect(try await show(Self.keyed("min", [xs], key: .builtin("abs"))) == "2")
        #expect(try await show(Self.keyed("max", [xs], key: .builtin("abs"))) == "-5")
        #expect(try await show(Self.keyed("max", [.i(1), .i(-7), .i(7)], key: .builtin("abs"))) == "-7")
    }

    @Test func emptyAndErrorsReadAsTheBuiltin() async throws {
        #expect(try await show(Self.keyed("sorted", [.list([])], key: .builtin("len"))) == "[]")
        #expect(try await show(Self.keyed("min", [.list([])], key: .builtin("len"))).hasSuffix("min: argument is an empty sequence"))
        #expect(try await show(.call("max", [.i(1)], [("key", .builtin("len")), ("default", .i(0))])).hasSuffix(#"max: unexpected keyword argument "default""#))
        #expect(try await show(Self.keyed("sorted", [.i(3)], key: .builtin("len"))).contains("sorted: for parameter iterable: got int, want iterable"))
        // sorted declares key callable, as Go does: an explicit None is refused; min and max
        // take None as no key.
        #expect(try await show(Self.keyed("sorted", [.list([.i(2), .i(1)])], key: .none)) == "runtime-error: sorted: for parameter key: got NoneType, want callable")
        #expect(try await show(Self.keyed("min", [.list([.i(2), .i(1)])], key: .none)) == "1")
    }

    @Test func keyErrorsTrapWithoutPreludeFrames() async throws {
        let (outcome, _) = try await run([.ret(Self.keyed("sorted", [.list([.s("a"), .i(1)])], key: .builtin("len")))])
        let trap = try #require(outcome.trap)
        #expect(trap.message.contains("len"))
        #expect(trap.backtrace.map(\.function) == ["main"])
    }

    @Test func fuelIsExact() async throws {
        let (outcome, sandbox) = try await run([.ret(Self.keyed("sorted", [Self.words], key: .builtin("len")))])
        #expect(outcome.value != nil)
        // Pinned. Of the 278: the module's own code, the call's setup (4 items made a tuple),
        // the prelude's two loops (per item: a key call, a pair and a push; then a read back)
        // and the native sort of the four (key, index) pairs.
        #expect(sandbox.stats.fuel == 278)
    }

    /// A user function as the key, which itself sorts with a key: two levels of prelude frames.
    static let nested = """
        .const string "sorted"
        .const string "key"
        .const string "len"
        .global "inner"
        .export func "main" 2
        .start 1
        .func "inner"
        .param "xs"
          builtin 0
          local.get 0
          const 1
          builtin 2
          call 1 1
          const.int 0
          index
          builtin 2
          local.get 0
          call 1 0
          tuple.new 2
          end
        .func "init"
          func.make 0
          global.set 0
          const.none
          end
        .func "main"
          builtin 0
          const 0
          const 2
          list.new 2
          const 1
          const 2
          const 0
          list.new 3
          list.new 2
          const 1
          global.get 0
          call 1 1
          end
        """

    @Test func keyFunctionsCanSortToo() async throws {
        // main: sorted([["sorted", "len"], ["key", "len", "sorted"]], key=inner) where inner(xs)
        // is (the shortest string of xs, len(xs)).
        let vm = try ValidatedModule.validate(try Assembler.assemble(Self.nested))
        let sandbox = try Sandbox(module: vm)
        _ = await sandbox.initialize()
        let whole = await sandbox.call("main")
        #expect(whole.value?.description == #"[["key", "len", "sorted"], ["sorted", "len"]]"#)
        let fuel = sandbox.stats.fuel

        // Out of fuel anywhere inside resumes to the same result and the same total.
        for budget in stride(from: Int64(40), to: fuel, by: 37) {
            let split = try Sandbox(module: vm, budget: Budget(fuel: budget))
            var outcome = await split.initialize()
            #expect(outcome.value != nil)
            outcome = await split.call("main")
            while outcome.trap?.reason == .outOfFuel { outcome = await split.resume(addingFuel: 37) }
            #expect(outcome == whole, "budget \(budget)")
            #expect(split.stats.fuel == fuel, "budget \(budget)")
        }
    }
}
