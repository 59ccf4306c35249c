import CorralServer
import Foundation
import Testing

/// Limits from the Downward API environment, cgroup v2 and cgroup v1, each read from fixture
/// files laid out as the kernel does.
@Suite struct PodLimitsTests {
    /// A folder holding `files` (path under the root → contents).
    func fixture(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("corral-cgroup-\(UUID().uuidString)").path
        for (path, text) in files {
            let url = URL(fileURLWithPath: root).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func theDownwardAPIComesFirst() throws {
        let root = try fixture(["sys/fs/cgroup/memory.max": "1073741824\n", "sys/fs/cgroup/cpu.max": "200000 100000\n"])
        let limits = PodLimits.discover(environment: ["CORRAL_MEMORY_LIMIT": "536870912", "CORRAL_CPU_LIMIT": "1500"], root: root)
        #expect(limits == PodLimits(memoryBytes: 512 << 20, cpus: 1.5, memorySource: "env", cpuSource: "env"))
    }

    @Test func cgroupV2() throws {
        let root = try fixture(["sys/fs/cgroup/memory.max": "1073741824\n", "sys/fs/cgroup/cpu.max": "250000 100000\n"])
        #expect(PodLimits.discover(environment: [:], root: root)
            == PodLimits(memoryBytes: 1 << 30, cpus: 2.5, memorySource: "cgroup v2", cpuSource: "cgroup v2"))
        let unlimited = try fixture(["sys/fs/cgroup/memory.max": "max\n", "sys/fs/cgroup/cpu.max": "max 100000\n"])
        #expect(PodLimits.discover(environment: [:], root: unlimited)
            == PodLimits(memoryBytes: nil, cpus: nil, memorySource: "cgroup v2", cpuSource: "cgroup v2"))
    }

    @Test func cgroupV1() throws {
        let root = try fixture([
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "268435456\n",
            "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "50000\n", "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        ])
        #expect(PodLimits.discover(environment: [:], root: root)
            == PodLimits(memoryBytes: 256 << 20, cpus: 0.5, memorySource: "cgroup v1", cpuSource: "cgroup v1"))
        // What a v1 host without limits says (this machine's own files).
        let unlimited = try fixture([
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n", "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        ])
        #expect(PodLimits.discover(environment: [:], root: unlimited)
            == PodLimits(memoryBytes: nil, cpus: nil, memorySource: "cgroup v1", cpuSource: "cgroup v1"))
    }

    @Test func nothingKnownIsUnlimited() throws {
        let empty = try fixture([:])
        #expect(PodLimits.discover(environment: ["CORRAL_MEMORY_LIMIT": "lots"], root: empty)
            == PodLimits(memoryBytes: nil, cpus: nil, memorySource: "none", cpuSource: "none"))
    }
}
