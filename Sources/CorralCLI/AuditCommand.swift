import ArgumentParser
import CorralHost
import CorralStore
import Foundation

/// `corral audit RUN_ID`: a recorded run and every host call it made, in order.
struct AuditCommand: CorralSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print a recorded run's host calls (runs recorded with `corral run --db PATH`).",
        discussion: "Exit 0 if the run is there, 2 if it is not or the file cannot be read.")

    @Argument(help: "The run's id, as `corral run --db` printed it.") var run: String
    @Option(help: "The SQLite file the run was recorded in.") var db = "corral.db"

    mutating func execute(io: CLIOutput) async throws {
        guard FileManager.default.fileExists(atPath: db) else {
            io.err("corral: store-error: \(db) does not exist")
            throw CLIExit.invalid
        }
        do {
            let store = try Store(path: db)
            guard let record = try await store.run(run) else {
                io.err("corral: not-found: no run \(run) in \(db)")
                throw CLIExit.invalid
            }
            for line in AuditCommand.render(record, try await store.auditEntries(run: run)) { io.out(line) }
        } catch let error as StoreError {
            io.err("corral: store-error: \(error)")
            throw CLIExit.invalid
        }
    }

    /// The run's line, then one line per host call.
    static func render(_ r: RunRecord, _ entries: [AuditEntry]) -> [String] {
        var how = r.status.rawValue
        if let reason = r.trapReason { how += " (\(reason): \(r.trapMessage ?? ""))" }
        var lines = ["run \(r.id) agent \(r.agent): \(how), fuel \(r.fuel), \(r.hostCalls) host calls"]
        for e in entries {
            var line = "\(e.sequence)  \(e.capability).\(e.function)  \(e.outcome.word)  fuel \(e.fuel)"
            line += "  \(String(format: "%.3f", e.duration.milliseconds)) ms"
            line += "  args \(e.argumentBytes) B sha256:\(e.argumentDigest.prefix(16))"
            if let d = e.outcome.detail { line += "  \(d)" }
            if let a = e.answer { line += "  answer \(a)" }
            lines.append(line)
        }
        return lines
    }
}
