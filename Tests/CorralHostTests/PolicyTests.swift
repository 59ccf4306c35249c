import CorralHost
import CorralVM
import Testing

@Suite struct PolicyTests {
    @Test func readsEverySection() throws {
        let policy = try Policy(yaml: """
            agent: refunds
            budget:
              fuel: 2_000_000
              memory: 16MiB
              timeout: 1500ms
              max_depth: 200
            capabilities:
              http:
                functions: [get, post]
                hosts: [Orders.Example, "*.payments.example", 127.0.0.1]
                schemes: [http, https]
                ports: [8080]
                paths: [/v1/orders/, /v1/refunds]
                max_response: 256KiB
                timeout: 2s
                quota: {calls: 5, bytes_out: 4KiB, bytes_in: 1MiB}
                price: {base: 5000, per_byte: 2}
                arguments:
                  post:
                    json.amount: {min: 0, max: 200}
                    json.currency: {one_of: [EUR, USD], required: false}
              kv:
                functions: [get, put]
                max_value: 1KiB
              native:
                functions:
                  stock_level: {library: ./libplugin.so, symbol: stock_level, signature: "int64(string)"}
            """)
        #expect(policy.agent == "refunds")
        #expect(policy.budget == BudgetCaps(fuel: 2_000_000, memory: 16 << 20, timeout: .milliseconds(1500), maxDepth: 200))
        let http = try #require(policy.grants["http"])
        #expect(http.functions == ["get", "post"])
        #expect(http.http?.hosts == ["orders.example", "*.payments.example", "127.0.0.1"])
        #expect(http.http?.schemes == ["http", "https"])
        #expect(http.http?.ports == [8080])
        #expect(http.http?.pathPrefixes == ["/v1/orders/", "/v1/refunds"])
        #expect(http.http?.maxResponseBytes == 256 << 10)
        #expect(http.http?.timeout == .seconds(2))
        #expect(http.quota == Quota(calls: 5, bytesOut: 4 << 10, bytesIn: 1 << 20))
        #expect(http.price == Price(base: 5000, perByteUnit: 2))
        #expect(http.arguments["post"] == [
            ArgumentConstraint(path: "json.amount", min: 0, max: 200),
            ArgumentConstraint(path: "json.currency", oneOf: [.string("EUR"), .string("USD")], required: false),
        ])
        #expect(policy.grants["kv"]?.kv?.maxValueBytes == 1 << 10)
        #expect(policy.grants["native"]?.native["stock_level"] == NativeBinding(library: "./libplugin.so", symbol: "stock_level", signature: "int64(string)"))
    }

    /// Each mistake is refused with the line, the column and the key path of the culprit.
    @Test(arguments: [
        ("capabilities:\n  kv:\n    functions: [get]\n    quotas: {calls: 1}\n", "4:5: capabilities.kv.quotas: unknown key \"quotas\" (allowed here: arguments, functions, max_key, max_total, max_value, price, quota)"),
        ("capabilities:\n  kv:\n    functions: [get, pt]\n", "3:22: capabilities.kv.functions[1]: kv has no function \"pt\" (it has: get, put, delete, list)"),
        ("capabilities:\n  ftp:\n    functions: [get]\n", "3:5: capabilities.ftp: unknown capability module \"ftp\" (known: clock, http, kv, log, native, random)"),
        ("capabilities:\n  http:\n    functions: [get]\n", "3:5: capabilities.http: missing \"hosts\": http needs the hosts it may reach"),
        ("capabilities:\n  http:\n    functions: [get]\n    hosts: [\"https://x.example\"]\n", "4:13: capabilities.http.hosts[0]: a host is a name, *.name or an IP literal (IPv6 in brackets), without scheme, port or path"),
        ("capabilities:\n  kv:\n    functions: [get]\n    arguments:\n      put:\n        key: {max: 1}\n", "6:9: capabilities.kv.arguments.put: constraints for \"put\", which \"functions\" does not grant"),
        ("capabilities:\n  kv:\n    functions: [put]\n    arguments:\n      put:\n        key: {min: 5, max: 1}\n", "6:14: capabilities.kv.arguments.put.key: min 5.0 is above max 1.0"),
        ("budget:\n  memory: lots\n", "2:11: budget.memory: want a size: use bytes or a unit such as 64MiB, 512KiB, 1GB"),
        ("budget:\n  fuel: -1\n", "2:9: budget.fuel: want a whole number of at least 0"),
        // An alias reads as its anchor's content (the walk is bounded by the schema).
        ("capabilities:\n  kv: &g\n    functions: [get]\n  log: *g\n", "3:17: capabilities.log.functions[0]: log has no function \"get\" (it has: info, warn, error)"),
        ("", "the policy is empty"),
    ])
    func refusesWithWhereAndWhy(yaml: String, message: String) {
        #expect(throws: PolicyError.self) { try Policy(yaml: yaml) }
        do {
            _ = try Policy(yaml: yaml)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func refusesOversizedPolicies() {
        let huge = "agent: x\n" + String(repeating: "# padding\n", count: Policy.maxSourceBytes / 10 + 1)
        #expect(throws: PolicyError.self) { try Policy(yaml: huge) }
    }

    @Test func budgetCapsOnlyLower() {
        let caps = BudgetCaps(fuel: 100, memory: 1 << 20, timeout: .seconds(1), maxDepth: 50)
        #expect(caps.capping(Budget(fuel: 1_000, memory: 8 << 20, timeout: nil, maxDepth: 100))
            == Budget(fuel: 100, memory: 1 << 20, timeout: .seconds(1), maxDepth: 50))
        #expect(caps.capping(Budget(fuel: 10, memory: 1 << 10, timeout: .milliseconds(5), maxDepth: 5))
            == Budget(fuel: 10, memory: 1 << 10, timeout: .milliseconds(5), maxDepth: 5))
    }
}
