import CorralHost
import CorralVM
import Foundation

/// What `corral serve` is told and what it learns at start: where it listens, its SQLite file,
/// the operator's policies, the pod's limits, and the service limits documented in README.md
/// ("The service").
public struct ServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var databasePath = "corral.db"
    /// The operator's policies (`*.yaml`), which an agent may name with `policy_ref`; only
    /// these may bind native code.
    public var policiesDirectory: String?
    public var limits = PodLimits(memoryBytes: nil, cpus: nil, memorySource: "none", cpuSource: "none")

    /// The share of the pod's memory that the memory budgets of admitted runs may add up to.
    /// The rest is for the process itself: the HTTP server, SQLite's cache, the agents' modules,
    /// and the VM's own bookkeeping that the memory meter does not count.
    public var memoryShare = 0.5
    /// Runs waiting for memory beyond those admitted; more are refused with 429.
    public var maxQueuedRuns = 1_000
    /// How long running runs may go on after SIGTERM before they are cancelled and recorded
    /// `interrupted`. The manifests' termination grace period leaves 5 s over it.
    public var drainGrace: Duration = .seconds(25)
    /// The largest `PUT /v1/agents/{name}` body.
    public var maxAgentBodyBytes = 1 << 20
    /// The largest body of any other request (a run's input).
    public var maxRequestBodyBytes = 256 << 10
    /// The longest `?wait=` a request may ask for.
    public var maxWaitSeconds = 60.0
    /// A run's budget where its policy's `budget:` names no limit.
    public var defaultBudget = Budget(fuel: 1_000_000_000, memory: 32 << 20, timeout: .seconds(30), maxDepth: 1_000)
    /// No run may take longer than this, whatever its policy says.
    public var maxRunTimeout: Duration = .seconds(300)
    /// Connections the `http` capability may hold to one API host at once; calls beyond it
    /// wait for a connection.
    public var httpConnectionsPerHost = 1_024

    public init() {}

    /// Bytes the memory budgets of admitted runs may add up to: the share of the pod's
    /// limit, or of the machine's memory where nothing limits the pod.
    public var admissionMemory: Int {
        let total = limits.memoryBytes ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        return max(1 << 20, Int(Double(total) * memoryShare))
    }

    /// Runs that may interpret at once: the CPU limit rounded up, else the machine's cores.
    /// Runs waiting in host calls hold no slot, so thousands may be suspended at once. The
    /// Swift runtime sizes its thread pool by the node's cores, not the pod's quota, so
    /// without this a pod limited to one core on a 64-core node would run 64 at once and be
    /// throttled.
    public var cpuSlots: Int {
        let cores = limits.cpus ?? Double(ProcessInfo.processInfo.activeProcessorCount)
        return max(1, Int(cores.rounded(.up)))
    }

    /// A run's budget: its policy's `budget:`, the default for what that leaves out, then
    /// capped by what the pod has (no run may need more memory than admission can give).
    public func budget(for policy: Policy) -> Budget {
        var b = defaultBudget
        let caps = policy.budget
        if let fuel = caps.fuel { b.fuel = fuel }
        if let memory = caps.memory { b.memory = memory }
        if let timeout = caps.timeout { b.timeout = timeout }
        if let depth = caps.maxDepth { b.maxDepth = depth }
        b.memory = min(b.memory, admissionMemory)
        b.timeout = min(b.timeout ?? maxRunTimeout, maxRunTimeout)
        return b
    }
}
