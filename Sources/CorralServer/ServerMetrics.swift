import CoreMetrics
import CorralHost
import CorralVM
import Prometheus
import Synchronization

/// The service's metrics, through swift-metrics into its own Prometheus registry (one per
/// server, so tests can run several), served as text at `GET /metrics`. Names and labels
/// are documented in README.md ("Metrics").
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let runs = Mutex<[String: CoreMetrics.Counter]>([:])
    private let hostCalls = Mutex<[String: CoreMetrics.Counter]>([:])
    private let refusals = Mutex<[String: CoreMetrics.Counter]>([:])
    private let fuel: CoreMetrics.Counter
    private let latency: CoreMetrics.Timer
    let liveSandboxes: CoreMetrics.Gauge
    let queueLength: CoreMetrics.Gauge
    let suspendedRuns: CoreMetrics.Gauge

    init() {
        var f = PrometheusMetricsFactory(registry: registry)
        // Run latency, request to result: 1 ms to 5 min.
        f.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60), .seconds(300),
        ]
        factory = f
        fuel = CoreMetrics.Counter(label: "corral_fuel_used_total", factory: f)
        latency = CoreMetrics.Timer(label: "corral_run_duration_seconds", preferredDisplayUnit: .seconds, factory: f)
        liveSandboxes = CoreMetrics.Gauge(label: "corral_live_sandboxes", factory: f)
        queueLength = CoreMetrics.Gauge(label: "corral_run_queue_length", factory: f)
        suspendedRuns = CoreMetrics.Gauge(label: "corral_runs_in_host_calls", factory: f)
    }

    /// A finished run: its outcome (`returned`, `trapped`, `interrupted`), the trap's reason
    /// (`none` if it returned), fuel and time from request to end.
    func runFinished(outcome: String, reason: String, fuel used: Int64, duration: Duration) {
        counter(in: runs, "corral_runs_total", [("outcome", outcome), ("reason", reason)]).increment()
        fuel.increment(by: Int64(max(used, 0)))
        latency.recordMilliseconds(duration.milliseconds)
    }

    /// One host call, as audited: `ok`, `denied` or `failed`.
    func hostCall(capability: String, outcome: String) {
        counter(in: hostCalls, "corral_host_calls_total", [("capability", capability), ("outcome", outcome)]).increment()
    }

    /// A run refused at admission: `queue-full` or `draining`.
    func admissionRefused(_ reason: String) {
        counter(in: refusals, "corral_admission_refusals_total", [("reason", reason)]).increment()
    }

    /// The text `GET /metrics` answers with (Prometheus text format 0.0.4).
    func text() -> [UInt8] { registry.emitToBuffer() }

    private func counter(in cache: borrowing Mutex<[String: CoreMetrics.Counter]>, _ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return cache.withLock { c in
            if let counter = c[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            c[key] = counter
            return counter
        }
    }
}

/// The audit sink of a served run: every entry goes to the store, and is counted.
struct CountingAudit: AuditSink {
    let store: any AuditSink
    let metrics: ServerMetrics

    func record(_ entry: AuditEntry) async throws {
        try await store.record(entry)
        metrics.hostCall(capability: entry.capability, outcome: entry.outcome.word)
    }
}
