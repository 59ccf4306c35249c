import CorralBytecode
import Testing

@testable import CorralCompiler

/// Small sources against their expected disassembly (as Lua's code.lua does): what the code
/// generator emits for loops, `break`, `+=`, closures, comprehensions, `and`/`or`, keyword-only
/// defaults and method calls. A change here is a change to the code every agent runs; update
/// the expectation only after reading the new code.
@Suite struct GoldenTests {
    func disassembly(_ source: String, file: String) throws -> String {
        Disassembler.disassemble(try StarlarkCompiler.compile(source, file: file))
    }

    /// `break` from inside an `if` leaves the loop's block (label 2); `n += 1` on an int
    /// literal is a plain `add`, which the VM fuses with the local reads and write.
    @Test func loopWithBreak() throws {
        let source = """
            def count(xs, limit):
                n = 0
                for x in xs:
                    if x > limit:
                        break
                    n += 1
                return n
            """
        #expect(try disassembly(source, file: "g1.star") == """
            .global "count" ; #0
            .export global "count" 0
            .start 1

            .func "count" ; #0
            .param "xs"
            .param "limit"
            .locals 4
              .line 2 5
              const.int 0
              local.set 2 ; n
              .line 3 14
              local.get 0 ; xs
              .line 3 5
              iter.begin
              block
                loop
                  iter.next 1
                  .line 3 9
                  local.set 3 ; x
                  .line 4 12
                  local.get 3 ; x
                  .line 4 16
                  local.get 1 ; limit
                  .line 4 14
                  gt
                  .line 4 9
                  if
                    .line 5 13
                    br 2
                  end
                  .line 6 9
                  local.get 2 ; n
                  const.int 1
                  add
                  local.set 2 ; n
                  br 0
                end
              end
              iter.end
              .line 7 12
              local.get 2 ; n
              .line 7 5
              return
            end

            .func "<toplevel>" ; #1
              .line 1 1
              func.make 0 ; count
              .line 1 5
              global.set 0 ; count
              const.none
            end

            .debug file "g1.star"
            .debug locals 0 "xs" "limit" "n" "x"
            .debug locals 1
            """ + "\n")
    }

    /// A comprehension fills a hidden local (4); `and`/`or` nest one result block each; the
    /// keyword-only default is evaluated where the function is defined; `d.get(...)` is one
    /// `call.attr`.
    @Test func comprehensionAndShortCircuit() throws {
        let source = """
            def pick(d, keys, *, default=None):
                return [d.get(k, default) for k in keys if k] and "ok" or None
            """
        #expect(try disassembly(source, file: "g3.star") == """
            .const string "get" ; #0
            .const string "ok" ; #1
            .global "pick" ; #0
            .export global "pick" 0
            .start 1

            .func "pick" ; #0
            .param "d"
            .param "keys"
            .param "default" default
            .positional 2
            .locals 5
              .line 2 5
              block result
                block result
                  .line 2 12
                  list.new 0
                  local.set 4
                  .line 2 40
                  local.get 1 ; keys
                  .line 2 31
                  iter.begin
                  block
                    loop
                      iter.next 1
                      .line 2 35
                      local.set 3 ; k
                      .line 2 48
                      local.get 3 ; k
                      .line 2 45
                      if
                        local.get 4
                        .line 2 13
                        local.get 0 ; d
                        .line 2 19
                        local.get 3 ; k
                        .line 2 22
                        local.get 2 ; default
                        .line 2 13
                        call.attr 0 2 0 ; get
                        list.push
                      end
                      br 0
                    end
                  end
                  iter.end
                  local.get 4
                  dup
                  br_unless 0
                  drop
                  const 1 ; "ok"
                end
                dup
                br_if 0
                drop
                .line 2 63
                const.none
              end
              .line 2 5
              return
            end

            .func "<toplevel>" ; #1
              .line 1 30
              const.none
              func.make 0 ; pick
              .line 1 5
              global.set 0 ; pick
              const.none
            end

            .debug file "g3.star"
            .debug locals 0 "d" "keys" "default" "k"
            .debug locals 1
            """ + "\n")
    }

    /// `a, b = b, a` into distinct names: both values on the stack, stored last first, no
    /// tuple built or unpacked.
    @Test func swapWithoutATuple() throws {
        let source = """
            def swap(a, b):
                a, b = b, a
                return a, b
            """
        #expect(try disassembly(source, file: "g4.star") == """
            .global "swap" ; #0
            .export global "swap" 0
            .start 1

            .func "swap" ; #0
            .param "a"
            .param "b"
              .line 2 12
              local.get 1 ; b
              .line 2 15
              local.get 0 ; a
              .line 2 8
              local.set 1 ; b
              .line 2 5
              local.set 0 ; a
              .line 3 12
              local.get 0 ; a
              .line 3 15
              local.get 1 ; b
              .line 3 12
              tuple.new 2
              .line 3 5
              return
            end

            .func "<toplevel>" ; #1
              .line 1 1
              func.make 0 ; swap
              .line 1 5
              global.set 0 ; swap
              const.none
            end

            .debug file "g4.star"
            .debug locals 0 "a" "b"
            .debug locals 1
            """ + "\n")
    }
}
