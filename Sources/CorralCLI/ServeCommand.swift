import ArgumentParser
import CorralServer
import CorralStore
import Foundation
import Logging

/// `corral serve`: the host service (README.md, "The service").
struct Serve: CorralSubcommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API: tenants upload agents and start runs (README.md, \"The service\").",
        discussion: """
            Learns the pod's limits from CORRAL_MEMORY_LIMIT (bytes) and CORRAL_CPU_LIMIT \
            (millicores), else from cgroup v2 or v1. SIGTERM drains: /readyz turns 503, new runs \
            are refused, running ones get --drain-seconds and are then interrupted.
            """)

    @Option(help: "The SQLite file: agents, runs, audit, kv, tenants.") var db = "corral.db"
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port, printed at start).") var port = 8080
    @Option(help: "A folder of the operator's policies (NAME.yaml) that agents may name with policy_ref; only these may bind native code.")
    var policies: String?
    @Option(name: .customLong("drain-seconds"), help: "How long running runs may go on after SIGTERM before they are interrupted.")
    var drainSeconds: Double = 25
    @Option(name: .customLong("memory-share"), help: "The share of the pod's memory that admitted runs' memory budgets may add up to.")
    var memoryShare: Double = 0.5
    @Option(name: .customLong("max-queued"), help: "Runs that may wait for memory; beyond, 429.") var maxQueued = 1_000
    @Option(name: .customLong("http-connections-per-host"), help: "Connections the http capability keeps to one API host at once.")
    var httpConnectionsPerHost = 1_024
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard drainSeconds >= 0, drainSeconds.isFinite else { throw ValidationError("--drain-seconds must be 0 or more") }
        guard memoryShare > 0, memoryShare <= 1 else { throw ValidationError("--memory-share must be above 0 and at most 1") }
        guard maxQueued >= 0 else { throw ValidationError("--max-queued must be 0 or more") }
        guard httpConnectionsPerHost >= 1 else { throw ValidationError("--http-connections-per-host must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a level") }
    }

    mutating func execute(io: CLIOutput) async throws {
        var settings = ServerSettings()
        settings.databasePath = db
        settings.host = host
        settings.port = port
        settings.policiesDirectory = policies
        settings.drainGrace = .milliseconds(Int64(drainSeconds * 1000))
        settings.memoryShare = memoryShare
        settings.maxQueuedRuns = maxQueued
        settings.httpConnectionsPerHost = httpConnectionsPerHost
        settings.limits = PodLimits.discover()
        var logger = Logger(label: "corral") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        do {
            try await CorralServer.run(settings: settings, logger: logger)
        } catch let error as StoreError {
            io.err("corral: store-error: \(error)")
            throw CLIExit.invalid
        } catch {
            io.err("corral: serve-error: \(error)")
            throw CLIExit.trapped
        }
    }
}

/// `corral tenant create NAME`, `corral tenant list`.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage the service's tenants.", subcommands: [Create.self, List.self])

    struct Create: CorralSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tenant and print its API key, once: only its hash is stored.",
            discussion: "The key is the only line on stdout. Exit 2 if the name is taken or not a valid name.")
        @Argument(help: "1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.") var name: String
        @Option(help: "The service's SQLite file.") var db = "corral.db"

        mutating func execute(io: CLIOutput) async throws {
            guard CorralService.isValidName(name) else {
                io.err("corral: bad-name: tenant name \"\(name)\" must be 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit")
                throw CLIExit.invalid
            }
            do {
                let (tenant, key) = try await Store(path: db).createTenant(name: name, at: Date().timeIntervalSince1970)
                io.err("tenant \(tenant.name) (\(tenant.id)) created in \(db); its key follows, shown this once")
                io.out(key)
            } catch {
                io.err("corral: store-error: \(error)")
                throw CLIExit.invalid
            }
        }
    }

    struct List: CorralSubcommand {
        static let configuration = CommandConfiguration(abstract: "List the tenants (name, id, created).")
        @Option(help: "The service's SQLite file.") var db = "corral.db"

        mutating func execute(io: CLIOutput) async throws {
            do {
                for t in try await Store(path: db).tenants() {
                    io.out("\(t.name)\t\(t.id)\t\(Date(timeIntervalSince1970: t.created))")
                }
            } catch {
                io.err("corral: store-error: \(error)")
                throw CLIExit.invalid
            }
        }
    }
}
