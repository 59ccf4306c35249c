import CorralHost
import CorralVM
import Testing

@Suite struct LinkerTests {
    let run = HostRun()

    @Test func listsEveryImportThePolicyDoesNotGrant() throws {
        let module = try run.module("""
            load("@kv", "get", "delete")
            load("@log", "info")
            load("@http", "post")
            load("@mail", "send")
            def main(input):
                return [get, delete, info, post, send]
            """)
        let policy = try Policy(yaml: "capabilities:\n  kv:\n    functions: [get]\n")
        #expect(throws: LinkRefusal.self) { try Linker.link(module, policy: policy, gate: CapabilityGate(context: run.context(policy))) }
        do {
            _ = try Linker.link(module, policy: policy, gate: CapabilityGate(context: run.context(policy)))
        } catch {
            #expect(error.refusals == [
                "kv.delete: kv grants get only",
                "log.info: the policy grants nothing of log",
                "http.post: the policy grants nothing of http",
                "mail.send: there is no capability module \"mail\" (known: clock, http, kv, log, native, random)",
            ])
        }
    }

    @Test func linksWhatIsGranted() throws {
        let module = try run.module("load(\"@kv\", \"get\")\ndef main(input):\n    return get(\"k\")\n")
        let policy = try Policy(yaml: "capabilities:\n  kv:\n    functions: [get, put]\n    price: {base: 7, per_byte: 3}\n")
        let functions = try Linker.link(module, policy: policy, gate: CapabilityGate(context: run.context(policy)))
        #expect(functions.map { "\($0.module).\($0.name)" } == ["kv.get"])
        #expect(functions.first?.basePrice == 7)
        #expect(functions.first?.pricePerByteUnit == 3)
    }
}
