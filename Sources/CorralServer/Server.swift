import CorralHost
import CorralStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `corral serve`: the HTTP API and the run drain, under one swift-service-lifecycle group
/// that SIGTERM and SIGINT shut down gracefully.
///
/// Shutdown order: the group stops its services in reverse, so the drain goes first while
/// the HTTP server still answers (`/readyz` 503, new runs 503, `GET /v1/runs` and `?wait=` as
/// usual); once every run has ended or been interrupted and recorded, the HTTP server stops.
public enum CorralServer {
    public static func run(settings: ServerSettings, logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let store = try Store(path: settings.databasePath)
        let interrupted = try await store.markInterruptedRuns(at: Date().timeIntervalSince1970)
        HTTPCapability.setConnectionsPerHost(settings.httpConnectionsPerHost)
        let service = CorralService(store: store, settings: settings, logger: logger)
        logger.info(
            "starting",
            metadata: [
                "db": "\(settings.databasePath)", "interrupted_runs": "\(interrupted)",
                "memory_limit": "\(settings.limits.memoryBytes.map(String.init) ?? "none") (\(settings.limits.memorySource))",
                "cpu_limit": "\(settings.limits.cpus.map { String($0) } ?? "none") (\(settings.limits.cpuSource))",
                "admission_bytes": "\(settings.admissionMemory)", "cpu_slots": "\(settings.cpuSlots)",
            ])
        let app = Application(
            router: service.router(),
            // An idle connection is closed after a minute (longer than the longest ?wait), so
            // clients that open connections and send nothing cannot hold them forever.
            server: .http1(configuration: .init(idleTimeout: .seconds(75))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                logger.info("listening", metadata: ["address": "\(settings.host):\(port)"])
                onListening(port)
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: DrainService(service: service))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

/// Waits for the group's graceful shutdown, then drains the runs.
struct DrainService: Service {
    let service: CorralService

    func run() async throws {
        try? await gracefulShutdown()
        await service.drain()
    }
}
