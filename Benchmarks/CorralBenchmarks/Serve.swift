import CorralVM
import Dispatch
import Foundation

/// The measuring end of `Benchmarks/run`: with `CORRAL_BENCH_SERVE=1` the benchmark executable
/// answers one-line commands on stdin instead of starting package-benchmark's runner.
///
/// `Benchmarks/run` keeps one of these processes alive and sends it single measurements in
/// interleaved order (Corral metered, Corral unmetered, Lua, CPython, wasmtime, and again),
/// so every contender sees the same machine load; it takes the medians itself.
///
///     list                      → `workload NAME SUMMARY` lines, then `end`
///     run NAME metered|unmetered N
///                               → `ns TOTAL` for N back-to-back iterations (each: new sandbox,
///                                 the workload's calls, result checked)
///     stats NAME                → `stats fuel=N memory_peak=N collections=N` of one metered run
///     quit
///
/// Every workload is run metered and unmetered and its result checked before the first
/// prompt (`ready`); a wrong result at any time prints `error ...` and exits 1.
enum Serve {
    static func main() -> Int32 {
        let box = ExitBox()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.code = await loop()
            done.signal()
        }
        done.wait()
        return box.code
    }

    private final class ExitBox: @unchecked Sendable {
        // Written by the task before `signal()`, read after `wait()`.
        var code: Int32 = 0
    }

    private static func loop() async -> Int32 {
        let workloads: [Workload]
        do {
            workloads = try Workload.all()
            for w in workloads { try await w.verify() }
        } catch {
            say("error \(error)")
            return 1
        }
        let byName = Dictionary(uniqueKeysWithValues: workloads.map { ($0.name, $0) })
        say("ready")
        while let line = readLine() {
            let words = line.split(separator: " ").map(String.init)
            switch words.first {
            case "list":
                for w in workloads { say("workload \(w.name) \(w.summary)") }
                say("end")
            case "run":
                guard words.count == 4, let w = byName[words[1]], let n = Int(words[3]), n > 0,
                    words[2] == "metered" || words[2] == "unmetered"
                else {
                    say("error bad command: \(line)")
                    return 1
                }
                let start = ContinuousClock.now
                do {
                    try await w.iterations(n, metered: words[2] == "metered")
                } catch {
                    say("error \(error)")
                    return 1
                }
                let d = ContinuousClock.now - start
                let ns = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
                say("ns \(ns)")
            case "stats":
                guard words.count == 2, let w = byName[words[1]] else {
                    say("error bad command: \(line)")
                    return 1
                }
                guard let s = try? await w.meteredStats() else {
                    say("error \(w.name): cannot make a sandbox")
                    return 1
                }
                say("stats fuel=\(s.fuel) memory_peak=\(s.memoryPeak) collections=\(s.collections)")
            case "quit", nil:
                return 0
            default:
                say("error unknown command: \(line)")
                return 1
            }
        }
        return 0
    }

    /// One reply line, written at once (stdout is a pipe, so `print` would buffer it).
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
