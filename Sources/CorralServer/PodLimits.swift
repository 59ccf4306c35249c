import Foundation

/// The CPU and memory the host process may use, learnt at start so that run budgets and
/// admission stay inside what the pod has (DESIGN.md, "Metering"): the VM is the precise limit,
/// the pod the blunt one behind it.
///
/// Each limit is read from the first source that has it:
/// 1. the Downward API environment the manifests set (`deploy/`): `CORRAL_MEMORY_LIMIT` in
///    bytes (`resourceFieldRef: limits.memory`, divisor 1) and `CORRAL_CPU_LIMIT` in millicores
///    (`resourceFieldRef: limits.cpu`, divisor 1m);
/// 2. cgroup v2: `memory.max` and `cpu.max` under /sys/fs/cgroup;
/// 3. cgroup v1: `memory/memory.limit_in_bytes` and `cpu/cpu.cfs_quota_us` over
///    `cpu/cpu.cfs_period_us`.
/// "max", -1 and v1's near-2^63 "no limit" values mean unlimited (nil).
public struct PodLimits: Sendable, Equatable {
    /// Bytes, or nil when nothing limits memory.
    public var memoryBytes: Int?
    /// Cores (1.5 for 1500m), or nil when nothing limits CPU.
    public var cpus: Double?
    /// Where each came from, for the start-up log: "env", "cgroup v2", "cgroup v1" or "none".
    public var memorySource: String
    public var cpuSource: String

    public static let memoryVariable = "CORRAL_MEMORY_LIMIT"
    public static let cpuVariable = "CORRAL_CPU_LIMIT"

    public init(memoryBytes: Int?, cpus: Double?, memorySource: String, cpuSource: String) {
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.memorySource = memorySource
        self.cpuSource = cpuSource
    }

    /// The limits of this process: `environment` and the cgroup files under `root` (tests pass
    /// a folder of fixture files).
    public static func discover(
        environment: [String: String] = ProcessInfo.processInfo.environment, root: String = "/"
    ) -> PodLimits {
        func read(_ path: String) -> String? {
            let url = URL(fileURLWithPath: root).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: url.path), data.count < 4096 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var memory: (Int?, String) = (nil, "none")
        if let text = environment[memoryVariable], let bytes = Int(text), bytes > 0 {
            memory = (bytes, "env")
        } else if let text = read("sys/fs/cgroup/memory.max") {
            memory = (cgroupBytes(text), "cgroup v2")
        } else if let text = read("sys/fs/cgroup/memory/memory.limit_in_bytes") {
            memory = (cgroupBytes(text), "cgroup v1")
        }
        var cpu: (Double?, String) = (nil, "none")
        if let text = environment[cpuVariable], let millicores = Int(text), millicores > 0 {
            cpu = (Double(millicores) / 1000, "env")
        } else if let text = read("sys/fs/cgroup/cpu.max") {
            let parts = text.split(separator: " ")
            cpu = (parts.count == 2 ? cores(quota: String(parts[0]), period: String(parts[1])) : nil, "cgroup v2")
        } else if let quota = read("sys/fs/cgroup/cpu/cpu.cfs_quota_us"), let period = read("sys/fs/cgroup/cpu/cpu.cfs_period_us") {
            cpu = (cores(quota: quota, period: period), "cgroup v1")
        }
        return PodLimits(memoryBytes: memory.0, cpus: cpu.0, memorySource: memory.1, cpuSource: cpu.1)
    }

    /// Cgroup v1 writes "no limit" as the largest page-aligned value below 2^63; anything past
    /// 2^60 (an exabyte) is taken as unlimited.
    static func cgroupBytes(_ text: String) -> Int? {
        guard text != "max", let n = Int(text), n > 0, n < 1 << 60 else { return nil }
        return n
    }

    static func cores(quota: String, period: String) -> Double? {
        guard quota != "max", let q = Int(quota), q > 0, let p = Int(period), p > 0 else { return nil }
        return Double(q) / Double(p)
    }
}
