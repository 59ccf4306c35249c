import CorralBytecode
import CorralVM
import Foundation
import Synchronization

/// What the capabilities of one run share: who is running, under which policy, and where
/// audit entries, log lines and `kv` values go.
public struct RunContext: Sendable {
    public var runID: String
    /// The agent's name: its `kv` namespace.
    public var agent: String
    public var policy: Policy
    public var audit: any AuditSink
    public var kv: any KVStore
    /// Receives `log.info/warn/error` lines as the run makes them.
    public var log: @Sendable (LogLine) -> Void
    /// Seconds since 1970: `clock.now()` and audit times.
    public var clock: @Sendable () -> Double
    public var random: RandomSource
    /// The bound functions of the policy's `native` grant, if it has one (CorralNative).
    public var native: (any NativeCalls)?

    public init(
        runID: String, agent: String, policy: Policy, audit: any AuditSink = MemoryAudit(), kv: any KVStore = MemoryKV(),
        log: @escaping @Sendable (LogLine) -> Void = { _ in },
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        random: RandomSource = RandomSource(), native: (any NativeCalls)? = nil
    ) {
        self.native = native
        self.runID = runID
        self.agent = agent
        self.policy = policy
        self.audit = audit
        self.kv = kv
        self.log = log
        self.clock = clock
        self.random = random
    }
}

/// The gate every host call of a run passes (DESIGN.md, "Capabilities"): it binds the
/// arguments to the function's parameters, checks them against the grant's constraints and
/// the run's quotas, calls the capability, and writes the audit entry before the agent sees
/// the answer. A refusal is a `capability-denied` trap naming the rule; it is audited too.
public final class CapabilityGate: Sendable {
    public let context: RunContext
    private let ledger = Mutex(Ledger())

    /// Usage so far in this run.
    struct Ledger {
        var sequence = 0
        var usage: [String: Usage] = [:]
    }

    struct Usage {
        var calls = 0
        var bytesOut = 0
        var bytesIn = 0
    }

    public init(context: RunContext) {
        self.context = context
    }

    /// Capability modules this build can serve; the linker refuses a grant of any other.
    public static let available: Set<String> = ["log", "clock", "random", "kv", "http", "native"]

    /// The fuel a call to `module` costs when its grant sets no price.
    static func defaultPrice(_ module: String) -> Price {
        switch module {
        case "log", "clock", "random": return Price(base: 100, perByteUnit: 1)
        case "kv": return Price(base: 1_000, perByteUnit: 1)
        default: return Price(base: 10_000, perByteUnit: 1)
        }
    }

    /// The host function for the import `module.name`, priced by the grant. The linker has
    /// checked that the policy grants it.
    public func hostFunction(module: String, name: String) -> HostFunction {
        let price = context.policy.grants[module]?.price ?? Self.defaultPrice(module)
        return HostFunction(module: module, name: name, basePrice: price.base, pricePerByteUnit: price.perByteUnit) { call in
            try await self.call(call, price: price)
        }
    }

    private func call(_ call: HostCall, price: Price) async throws -> HostValue {
        let started = ContinuousClock.now
        let time = context.clock()
        let module = call.module, name = call.name
        let argumentBytes = call.positional.reduce(0) { $0 + $1.crossingSize }
            + call.named.reduce(0) { $0 + $1.name.utf8.count + $1.value.crossingSize }
        let sequence = ledger.withLock { l -> Int in
            l.sequence += 1
            return l.sequence
        }
        var fuel = price.base + price.perByteUnit * Int64(argumentBytes / FuelSchedule.bytesPerFuel)
        func audit(_ outcome: AuditEntry.Outcome, answer: String? = nil) async throws {
            try await context.audit.record(
                AuditEntry(
                    run: context.runID, sequence: sequence, capability: module, function: name,
                    argumentDigest: AuditDigest.of(call), argumentBytes: argumentBytes, outcome: outcome, fuel: fuel,
                    duration: ContinuousClock.now - started, time: time, answer: answer))
        }
        guard let grant = context.policy.grants[module], grant.functions.contains(name) else {
            // The linker refuses these; a gate built by hand might not have.
            let refusal = "\(module).\(name) is not granted"
            try await audit(.denied(refusal))
            throw HostError(refusal, reason: .capabilityDenied)
        }
        let arguments: [String: HostValue]
        do {
            arguments = try CallBinding.bind(call)
        } catch {
            try await audit(.failed(error.message))
            throw error
        }
        if let refusal = Constraints.refusal(arguments, grant.arguments[name] ?? [])
            ?? admit(module, grant.quota, bytesOut: argumentBytes)
        {
            try await audit(.denied(refusal))
            throw HostError(refusal, reason: .capabilityDenied)
        }
        let answer: HostValue
        do {
            answer = try await perform(module, name, arguments, grant: grant, deadline: call.deadline)
        } catch let error as HostError {
            try await audit(error.reason == .capabilityDenied ? .denied(error.message) : .failed(error.message))
            throw error
        } catch {
            try await audit(.failed("\(error)"))
            throw error
        }
        let answerBytes = answer.crossingSize
        if let refusal = receive(module, grant.quota, bytesIn: answerBytes) {
            // Refused answers never reach the VM, which charges for an answer's bytes only when
            // it takes it in.
            try await audit(.denied(refusal))
            throw HostError(refusal, reason: .capabilityDenied)
        }
        fuel += price.perByteUnit * Int64(answerBytes / FuelSchedule.bytesPerFuel)
        let recorded = module == "clock" || module == "random" ? try? HostValueJSON.encode(answer) : nil
        try await audit(.ok, answer: recorded)
        return answer
    }

    /// Counts a call and its outgoing bytes, or says which quota refuses it (counting nothing).
    private func admit(_ module: String, _ quota: Quota, bytesOut: Int) -> String? {
        ledger.withLock { l -> String? in
            var u = l.usage[module, default: Usage()]
            if let max = quota.calls, u.calls + 1 > max { return "quota: \(module) allows \(max) calls per run" }
            if let max = quota.bytesOut, u.bytesOut + bytesOut > max {
                return "quota: \(module) allows \(max) bytes out per run (\(u.bytesOut) used, \(bytesOut) more asked)"
            }
            u.calls += 1
            u.bytesOut += bytesOut
            l.usage[module] = u
            return nil
        }
    }

    /// Counts an answer's bytes, or says that the quota refuses it.
    private func receive(_ module: String, _ quota: Quota, bytesIn: Int) -> String? {
        ledger.withLock { l -> String? in
            var u = l.usage[module, default: Usage()]
            u.bytesIn += bytesIn
            l.usage[module] = u
            if let max = quota.bytesIn, u.bytesIn > max { return "quota: \(module) allows \(max) bytes in per run" }
            return nil
        }
    }

    /// The capability's work, once the call is admitted.
    private func perform(
        _ module: String, _ name: String, _ arguments: [String: HostValue], grant: Grant, deadline: ContinuousClock.Instant?
    ) async throws -> HostValue {
        switch module {
        case "log": return try LogCapability.call(name, arguments, context: context)
        case "clock": return .float(context.clock())
        case "random": return try context.random.call(name, arguments)
        case "kv": return try await KVCapability.call(name, arguments, rules: grant.kv ?? KVRules(), context: context)
        case "http":
            // The parser requires `hosts` in every http grant, so a grant has rules.
            guard let rules = grant.http else { throw HostError("http: the grant has no hosts") }
            return try await HTTPCapability.call(name, arguments, rules: rules, deadline: deadline)
        case "native":
            guard let native = context.native else { throw HostError("no native functions are bound for this run") }
            // Policy-defined functions are bound by position: "0", "1", ….
            return try await native.call(name, (0..<arguments.count).map { arguments["\($0)"] ?? .none })
        default: throw HostError("\(module) is not available in this build")
        }
    }
}

/// Native plugin functions, bound through libffi by CorralNative; the gate calls them by name
/// with their positional arguments.
public protocol NativeCalls: Sendable {
    func call(_ function: String, _ arguments: [HostValue]) async throws -> HostValue
}
