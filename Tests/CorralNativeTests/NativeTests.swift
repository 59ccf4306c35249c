import CorralCompiler
import CorralHost
import CorralNative
import CorralVM
import Foundation
import Testing

/// Native plugins through libffi: the sample plugin the package builds
/// (Sources/CorralSamplePlugin), bound from a policy and called by an agent.
@Suite struct NativeTests {
    /// The sample plugin's shared library, which SwiftPM builds next to the test runner.
    static var pluginPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("libCorralSamplePlugin.so").path
    }

    static func bindings(_ extra: [String: NativeBinding] = [:]) -> [String: NativeBinding] {
        var b: [String: NativeBinding] = [
            "stock_level": NativeBinding(library: pluginPath, symbol: "corral_stock_level", signature: "int64(string)"),
            "fma": NativeBinding(library: pluginPath, symbol: "corral_fma", signature: "double(double, double, double)"),
            "is_even": NativeBinding(library: pluginPath, symbol: "corral_is_even", signature: "bool(int64)"),
            "reserve": NativeBinding(library: pluginPath, symbol: "corral_reserve", signature: "string(string, int32)", free: "corral_free_string"),
        ]
        b.merge(extra) { $1 }
        return b
    }

    @Test func signaturesParseOrSayWhy() throws {
        #expect(try NativeSignature.parse("int64( string , double )").get() == NativeSignature(result: .int64, parameters: [.string, .double]))
        #expect(try NativeSignature.parse("void()").get() == NativeSignature(result: .void, parameters: []))
        guard case .failure(let e) = NativeSignature.parse("int128(string)") else { Issue.record("accepted"); return }
        #expect(e.message == "signature \"int128(string)\": unknown result type \"int128\" (int64, int32, double, bool, string, void)")
        guard case .failure(let v) = NativeSignature.parse("int64(void)") else { Issue.record("accepted"); return }
        #expect(v.message.contains("unknown parameter type \"void\""))
    }

    @Test func anAgentCallsThePluginThroughItsPolicy() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.pluginPath), "build the CorralSamplePlugin library first")
        var policy = Policy()
        var grant = Grant(module: "native", functions: Set(Self.bindings().keys))
        grant.native = Self.bindings()
        grant.arguments["reserve"] = [ArgumentConstraint(path: "1", min: 1, max: 10)]
        policy.grants["native"] = grant
        let plugins = try NativePlugins(bindings: grant.native, directory: "/")
        let audit = MemoryAudit()
        let context = RunContext(runID: "n1", agent: "a", policy: policy, audit: audit, native: plugins)
        let module = try ValidatedModule.load(try StarlarkCompiler.compileBytes("""
            load("@native", "stock_level", "fma", "is_even", "reserve")
            def main(input):
                return [stock_level("SKU-1"), stock_level(""), fma(1.5, 2, 0.25), is_even(4), is_even(7), reserve("SKU-1", 3)]
            """, file: "a.star"))
        let sandbox = try Sandbox(
            module: module, budget: Budget(fuel: 1_000_000, memory: 1 << 20),
            hostFunctions: try Linker.link(module, policy: policy, gate: CapabilityGate(context: context)), print: { _ in })
        _ = await sandbox.initialize()
        let outcome = await sandbox.call("main", [.none])
        // stock_level("SKU-1") is the plugin's hash: ((((83·31+75)·31+85)·31+45)·31+49) mod 1000 stepwise.
        var expected: Int64 = 0
        for c in "SKU-1".utf8 { expected = (expected * 31 + Int64(c)) % 1000 }
        #expect(outcome == .returned(.list([
            .int(Int(expected)), .int(-1), .float(3.25), .bool(true), .bool(false), .string("WAREHOUSE-SKU-1-3"),
        ])))
        #expect(audit.entries.count == 6)
        #expect(audit.entries.allSatisfy { $0.outcome == .ok && $0.capability == "native" })

        // The constraint on reserve's second argument refuses 11 before the plugin is called.
        let denied = try ValidatedModule.load(try StarlarkCompiler.compileBytes("""
            load("@native", "reserve")
            def main(input):
                return reserve("SKU-1", 11)
            """, file: "b.star"))
        let s2 = try Sandbox(
            module: denied, budget: Budget(fuel: 1_000_000, memory: 1 << 20),
            hostFunctions: try Linker.link(denied, policy: policy, gate: CapabilityGate(context: context)), print: { _ in })
        _ = await s2.initialize()
        let refused = await s2.call("main", [.none])
        #expect(refused.trap?.reason == .capabilityDenied)
        #expect(refused.trap?.message == "native.reserve: policy: argument 1 = 11 is above the maximum 10")
    }

    @Test func wrongArgumentsAreHostErrors() async throws {
        let plugins = try NativePlugins(bindings: Self.bindings(), directory: "/")
        await #expect(throws: HostError("argument 1 must be string (int64(string))")) { try await plugins.call("stock_level", [.int(5)]) }
        await #expect(throws: HostError("takes 1 arguments (int64(string)), got 2")) { try await plugins.call("stock_level", [.string("a"), .string("b")]) }
        await #expect(throws: HostError("argument 1 contains a NUL byte")) { try await plugins.call("stock_level", [.string("a\u{0}b")]) }
        await #expect(throws: HostError("argument 2 does not fit in int32")) { try await plugins.call("reserve", [.string("a"), .int(1 << 40)]) }
    }

    @Test func badBindingsAreRefusedAtLinkTime() {
        func refusal(_ binding: NativeBinding) -> String? {
            do {
                _ = try NativePlugins(bindings: ["f": binding], directory: "/nowhere")
                return nil
            } catch {
                return error.message
            }
        }
        #expect(refusal(NativeBinding(library: "libmissing.so", symbol: "x", signature: "void()"))?.hasPrefix("native.f: cannot open /nowhere/libmissing.so: ") == true)
        #expect(refusal(NativeBinding(library: Self.pluginPath, symbol: "no_such_symbol", signature: "void()")) == "native.f: no symbol no_such_symbol in \(Self.pluginPath)")
        #expect(refusal(NativeBinding(library: Self.pluginPath, symbol: "corral_fma", signature: "double(float)"))?.contains("unknown parameter type \"float\"") == true)
        #expect(refusal(NativeBinding(library: Self.pluginPath, symbol: "corral_reserve", signature: "string(string, int32)")) == "native.f: a string result needs \"free\", the function that frees it")
    }
}
