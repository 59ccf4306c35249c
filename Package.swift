// swift-tools-version:6.1
import PackageDescription

// One settings array for every target. Warnings become errors only when CI asks for it
// (CORRAL_WERROR=1), so a newer compiler's new warning never blocks a local build.
let strict = Context.environment["CORRAL_WERROR"] == "1"
let swiftSettings: [SwiftSetting] =
    [.enableUpcomingFeature("ExistentialAny")]
    + (strict ? [.unsafeFlags(["-warnings-as-errors"])] : [])

// The interpreter keeps its hot state in class properties it alone touches; dynamic
// exclusivity checks on them cost more than the work itself (Benchmarks/README.md).
let vmSettings = swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Corral",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "corral", targets: ["corral"]),
        .library(name: "CorralBytecode", targets: ["CorralBytecode"]),
        .library(name: "CorralVM", targets: ["CorralVM"]),
        .library(name: "CorralCompiler", targets: ["CorralCompiler"]),
        // The sample native plugin, as a shared library the tests and samples dlopen.
        .library(name: "CorralSamplePlugin", type: .dynamic, targets: ["CorralSamplePlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // The format: opcode table, module model, binary encoder/decoder, text form.
        // No Foundation, no dependencies: anything may read bytecode.
        .target(name: "CorralBytecode", swiftSettings: swiftSettings),
        // Starlark source to module bytes, diagnostics with file:line:col.
        .target(name: "CorralCompiler", dependencies: ["CorralBytecode"], swiftSettings: swiftSettings),
        // Validator, translator, sandbox, interpreter, meters, traps, heap.
        .target(
            name: "CorralVM",
            dependencies: [
                "CorralBytecode",
                .product(name: "BigInt", package: "BigInt"),
            ],
            swiftSettings: vmSettings),
        // Policies, the linker, the capabilities and the gate every host call passes.
        .target(
            name: "CorralHost",
            dependencies: [
                "CorralVM", "CorralBytecode",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings),
        // SQLite (through GRDB, over the system libsqlite3): runs, audit, kv, log lines.
        .target(
            name: "CorralStore",
            dependencies: [
                "CorralHost", "CorralVM", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // libffi from the system (Debian: libffi-dev).
        .systemLibrary(name: "CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
        // Native plugins: dlopen and libffi calls. All raw pointers live here.
        .target(name: "CorralNative", dependencies: ["CFFI", "CorralHost", "CorralVM"], swiftSettings: swiftSettings),
        // A small C plugin for the tests and the samples.
        .target(name: "CorralSamplePlugin"),
        // The host service: tenants, agents and runs over HTTP (Hummingbird 2), admission by the
        // pod's limits, metrics, graceful drain (swift-service-lifecycle).
        .target(
            name: "CorralServer",
            dependencies: [
                "CorralBytecode", "CorralVM", "CorralCompiler", "CorralHost", "CorralStore", "CorralNative",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["openapi.yaml"],
            swiftSettings: swiftSettings),
        // The commands of the `corral` executable, as a tested library.
        .target(
            name: "CorralCLI",
            dependencies: [
                "CorralBytecode", "CorralVM", "CorralCompiler", "CorralHost", "CorralStore", "CorralNative", "CorralServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "BigInt", package: "BigInt"),
            ],
            swiftSettings: swiftSettings),
        // Linked with mimalloc (Debian: libmimalloc-dev), which then serves every malloc of the
        // process. A sandbox makes and frees many small objects, each a Swift object plus its
        // storage; glibc's malloc spent a fifth of the string-heavy benchmarks on them
        // (Benchmarks/README.md, "The allocator and the runtime").
        .executableTarget(
            name: "corral", dependencies: ["CorralCLI"], swiftSettings: swiftSettings,
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]),
        .testTarget(name: "CorralBytecodeTests", dependencies: ["CorralBytecode"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CorralVMTests", dependencies: ["CorralVM", "CorralBytecode"], exclude: ["FuzzRegressions"],
            swiftSettings: swiftSettings),
        .testTarget(name: "CorralCompilerTests", dependencies: ["CorralCompiler", "CorralVM"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CorralCLITests",
            dependencies: ["CorralCLI", "CorralHost", "CorralServer", "CorralStore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CorralNativeTests", dependencies: ["CorralNative", "CorralHost", "CorralVM", "CorralCompiler", "CorralSamplePlugin"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CorralServerTests",
            dependencies: [
                "CorralServer", "CorralStore", "CorralHost",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CorralStoreTests", dependencies: ["CorralStore", "CorralHost", "CorralVM", "CorralCompiler"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CorralHostTests",
            dependencies: [
                "CorralHost", "CorralVM", "CorralCompiler",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)

// Benchmarks (Benchmarks/README.md) only when asked for, so `swift build` and `swift test` never
// fetch or compile ordo-one/benchmark (package-benchmark): `Benchmarks/run --suite`, or
// `CORRAL_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark`. The trait list
// leaves out its default "RuntimeInterposer" trait, whose dependency (swift-runtime-interposer)
// the local package mirror does not have.
if Context.environment["CORRAL_BENCHMARKS"] == "1" {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "CorralBenchmarks",
            dependencies: [
                "CorralBytecode", "CorralVM",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CorralBenchmarks",
            exclude: ["Programs"],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]))
}
