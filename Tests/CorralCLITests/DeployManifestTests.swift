import CorralHost
import CorralServer
import Foundation
import Testing
import Yams

@testable import CorralCLI

/// deploy/ and the server agree: the manifests' and the Dockerfile's arguments are ones
/// `corral serve` accepts, the Downward API variables are the ones it reads, the probes ask
/// for its health endpoints, the grace period outlasts its drain, and every operator policy
/// parses.
@Suite struct DeployManifestTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy").standardized

    static func yaml(_ path: String) throws -> [String: Any] {
        let text = try String(contentsOf: deploy.appendingPathComponent(path), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// The pod spec of the StatefulSet and of the SandboxTemplate.
    static func podSpecs() throws -> [(String, [String: Any])] {
        let statefulSet = try yaml("base/statefulset.yaml")
        let template = try yaml("overlays/agent-sandbox/sandboxtemplate.yaml")
        func dig(_ o: [String: Any], _ path: [String]) -> [String: Any] {
            path.reduce(o) { ($0[$1] as? [String: Any]) ?? [:] }
        }
        return [
            ("StatefulSet", dig(statefulSet, ["spec", "template", "spec"])),
            ("SandboxTemplate", dig(template, ["spec", "podTemplate", "spec"])),
        ]
    }

    @Test func podsRunTheServerAsItExpects() throws {
        for (kind, spec) in try Self.podSpecs() {
            let container = try #require((spec["containers"] as? [[String: Any]])?.first, "\(kind) has no container")
            let args = try #require(container["args"] as? [String])
            // The arguments parse as `corral serve` options.
            let command = try CorralCommand.parseAsRoot(args)
            let serve = try #require(command as? Serve, "\(kind): \(args) is not corral serve")
            #expect(serve.port == 8080 && serve.host == "0.0.0.0" && serve.db == "/data/corral.db", "\(kind)")
            // The grace period outlasts the drain.
            let grace = try #require(spec["terminationGracePeriodSeconds"] as? Int)
            #expect(Double(grace) >= serve.drainSeconds + 5, "\(kind): grace \(grace) s, drain \(serve.drainSeconds) s")
            // The Downward API variables are the ones PodLimits reads, with the units it expects.
            let env = (container["env"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) {
                $0[$1["name"] as? String ?? ""] = ($1["valueFrom"] as? [String: Any])?["resourceFieldRef"] as? [String: Any]
            }
            #expect(env[PodLimits.memoryVariable]?["resource"] as? String == "limits.memory", "\(kind)")
            #expect(env[PodLimits.memoryVariable]?["divisor"] as? String == "1", "\(kind)")
            #expect(env[PodLimits.cpuVariable]?["resource"] as? String == "limits.cpu", "\(kind)")
            #expect(env[PodLimits.cpuVariable]?["divisor"] as? String == "1m", "\(kind)")
            // The probes ask for the server's health and readiness endpoints on its port.
            func probe(_ name: String) -> String? { ((container[name] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String }
            #expect(probe("livenessProbe") == "/healthz" && probe("startupProbe") == "/healthz", "\(kind)")
            #expect(probe("readinessProbe") == "/readyz", "\(kind)")
            #expect(((container["ports"] as? [[String: Any]])?.first?["containerPort"] as? Int) == serve.port, "\(kind)")
        }
    }

    @Test func theDockerfileRunsTheServerAndChecksItsHealth() throws {
        let text = try String(contentsOf: Self.deploy.appendingPathComponent("Dockerfile"), encoding: .utf8)
        func array(inLineContaining marker: String) throws -> [String] {
            let line = try #require(text.split(separator: "\n").first { $0.contains(marker) }, "no line with \(marker)")
            let start = try #require(line.firstIndex(of: "["))
            return try #require(try JSONSerialization.jsonObject(with: Data(line[start...].utf8)) as? [String])
        }
        #expect(text.contains("ENTRYPOINT [\"/usr/local/bin/corral\"]"))
        let cmd = try array(inLineContaining: "CMD [\"serve\"")
        #expect(try CorralCommand.parseAsRoot(cmd) is Serve)
        let health = try array(inLineContaining: "CMD [\"/usr/local/bin/corral\", \"health\"")
        #expect(try CorralCommand.parseAsRoot(Array(health.dropFirst())) is Health)
    }

    @Test func everyOperatorPolicyParses() throws {
        let dir = Self.deploy.appendingPathComponent("base/policies")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 4)
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(throws: Never.self, "\(file)") { _ = try Policy(yaml: text) }
            #expect(CorralService.isValidName(String(file.dropLast(5))), "\(file) cannot be named by policy_ref")
        }
    }
}
