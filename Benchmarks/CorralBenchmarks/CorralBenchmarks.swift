import Benchmark
import Foundation

// The package-benchmark suite: every workload twice, `<name>/metered` and `<name>/unmetered`,
// so the metering overhead is visible next to each other in its table. Run it with
//
//     CORRAL_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark
//
// `Benchmarks/run` is the side-by-side report (interleaved trials, medians, ratios and the
// peers); it runs this same executable in its serve mode (`Serve.swift`).

let benchmarks: @Sendable () -> Void = {
    if ProcessInfo.processInfo.environment["CORRAL_BENCH_SERVE"] == "1" {
        // `Benchmarks/run` drives the workloads itself; the benchmark runner never starts.
        exit(Serve.main())
    }
    let workloads: [Workload]
    do {
        workloads = try Workload.all()
    } catch {
        fatalError("cannot load the benchmark programs: \(error)")
    }
    for workload in workloads {
        for metered in [true, false] {
            let name = "\(workload.name)/\(metered ? "metered" : "unmetered")"
            // The sandbox workloads take microseconds: a thousand per measured sample, so the
            // runner's own per-sample work (clocks, malloc counters) stays out of the numbers;
            // the table reports them per iteration.
            let isSandbox = workload.run != .main
            let configuration = Benchmark.Configuration(
                metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
                timeUnits: isSandbox ? .nanoseconds : .milliseconds,
                warmupIterations: isSandbox ? 10 : 1,
                scalingFactor: isSandbox ? .kilo : .one,
                maxDuration: .seconds(isSandbox ? 3 : 5),
                maxIterations: isSandbox ? 1_000 : 30)
            Benchmark(
                name, configuration: configuration,
                closure: { benchmark in
                    for _ in benchmark.scaledIterations {
                        let outcome = await workload.once(metered: metered)
                        // A wrong result fails the run (and keeps the work observable).
                        if outcome != .returned(workload.expected) {
                            benchmark.error("\(name): \(outcome), expected \(workload.expected)")
                        }
                    }
                },
                setup: {
                    // Nothing is timed until both variants give the expected value. A thrown
                    // setup error only prints a message (the tool still exits 0), so a wrong
                    // result ends the process: the benchmark run then fails.
                    do {
                        try await workload.verify()
                    } catch {
                        FileHandle.standardError.write(Data("CorralBenchmarks: \(error)\n".utf8))
                        exit(1)
                    }
                })
        }
    }
}
