import CorralBytecode

/// Builtins that call back into the program, written in Corral bytecode.
///
/// `sorted(x, key=f)` and `min`/`max(..., key=f)` must call `f`, a VM function, once per
/// element. A native builtin could only do that by running the interpreter recursively on the
/// native stack, which the VM never does (a key function may itself sort, and so on). Instead
/// the call becomes a call of one of these functions: the run loop pushes an ordinary frame,
/// `f` runs in frames above it, and fuel, memory, depth, deadlines, host calls and resuming
/// after out-of-fuel all work as for any other code. The native side only binds the arguments
/// and turns the iterable into a tuple first (`Sandbox.keyedCall`), so argument errors read as
/// the builtin's own.
///
/// The functions use only locals, inline constants, builtins and plain ops, nothing that names
/// a module's constant pool, globals or interned names, so their translated code is valid in
/// any module: it is translated once per metering mode and appended to every module's function
/// table (`ValidatedModule.preludeBase`), and backtraces leave its frames out.
enum Prelude {
    /// `sorted(items, key, reverse)`: decorate each item as `(key(item), ±index)`, sort those
    /// natively (the index breaks ties, so items themselves are never compared and the sort
    /// stays stable), then read the items back in that order; in reverse when asked, with the
    /// index negated so equal keys still keep their original order.
    static let sorted = 0
    /// `minmax(items, key, max)`: the first item whose key is the least (or greatest).
    static let minMax = 1
    /// `catch(fn)`, a test builtin: calls `fn()` and returns None. A catchable trap under its
    /// frame makes the frame return the trap's message instead (`Sandbox.catchTrap`).
    static let catchCall = 2

    static let source = """
        .const string "len"
        .const string "sorted"
        .func "sorted"
        .param "items"
        .param "key"
        .param "reverse"
        .locals 8
        ;; locals: 3 n, 4 pairs, 5 i, 6 sign, 7 out
          builtin 0
          local.get 0
          call 1 0
          local.set 3
          list.new 0
          local.set 4
          local.get 2
          if result
            const.int -1
          else
            const.int 1
          end
          local.set 6
          const.int 0
          local.set 5
          block
            loop
              local.get 5
              local.get 3
              lt
              br_unless 1
              local.get 4
              local.get 1
              local.get 0
              local.get 5
              index
              call 1 0
              local.get 5
              local.get 6
              mul
              tuple.new 2
              list.push
              local.get 5
              const.int 1
              add
              local.set 5
              br 0
            end
          end
          builtin 1
          local.get 4
          call 1 0
          local.set 4
          list.new 0
          local.set 7
          const.int 0
          local.set 5
          block
            loop
              local.get 5
              local.get 3
              lt
              br_unless 1
              local.get 7
              local.get 0
              local.get 4
              local.get 2
              if result
                local.get 3
                const.int 1
                sub
                local.get 5
                sub
              else
                local.get 5
              end
              index
              const.int 1
              index
              local.get 6
              mul
              index
              list.push
              local.get 5
              const.int 1
              add
              local.set 5
              br 0
            end
          end
          local.get 7
          end
        .func "minmax"
        .param "items"
        .param "key"
        .param "max"
        .locals 8
        ;; locals: 3 n, 4 i, 5 best, 6 best key, 7 key of item i
          builtin 0
          local.get 0
          call 1 0
          local.set 3
          local.get 0
          const.int 0
          index
          local.set 5
          local.get 1
          local.get 5
          call 1 0
          local.set 6
          const.int 1
          local.set 4
          block
            loop
              local.get 4
              local.get 3
              lt
              br_unless 1
              local.get 1
              local.get 0
              local.get 4
              index
              call 1 0
              local.set 7
              local.get 2
              if result
                local.get 7
                local.get 6
                gt
              else
                local.get 7
                local.get 6
                lt
              end
              if
                local.get 0
                local.get 4
                index
                local.set 5
                local.get 7
                local.set 6
              end
              local.get 4
              const.int 1
              add
              local.set 4
              br 0
            end
          end
          local.get 5
          end
        .func "catch"
        .param "fn"
        .locals 1
          local.get 0
          call 0 0
          drop
          const.none
          end
        """

    /// The translated prelude, one per metering mode, made once and kept for the process.
    static let metered = translate(metered: true)
    static let unmetered = translate(metered: false)

    static func functions(metered: Bool) -> [CompiledFunction] {
        (metered ? Prelude.metered : Prelude.unmetered).functions
    }

    private static func translate(metered: Bool) -> ValidatedModule {
        do {
            let module = try Assembler.assemble(source)
            return try Validator(module: module, metered: metered, prelude: false).validate()
        } catch {
            // Our own fixed source: failing here is a bug in this file, caught by any test.
            preconditionFailure("the VM prelude does not assemble or validate: \(error)")
        }
    }
}
