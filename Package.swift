// swift-tools-version: 6.1
// KIT-Swift: Kinesis Video Streams → key frames → inference → plugins.
// Layout and dependency direction are explained in docs/ARCHITECTURE.md.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "kit-swift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kithost", targets: ["KITHost"]),
        .library(name: "PluginAPI", targets: ["PluginAPI"]),
        .library(name: "KVSMatroska", targets: ["KVSMatroska"]),
        .library(name: "KITMedia", targets: ["KITMedia"]),
        // The bundled plugins, as the `lib*.so` files a plugin directory holds.
        .library(name: "S3Archive", type: .dynamic, targets: ["S3Archive"]),
        .library(name: "CocoLabeler", type: .dynamic, targets: ["CocoLabeler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Thin C shims: one per C library, each with one header of `static inline` wrappers.
        .systemLibrary(
            name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavcodec",
            providers: [.apt(["libavcodec-dev", "libavutil-dev", "libswscale-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Async building blocks shared by the engine, the dispatcher and the transports: full-jitter `Backoff`,
        // `AsyncSemaphore`, `AsyncSignal`. Imports nothing.
        .target(name: "KITAsync", swiftSettings: strict),
        // The plugin ABI: one C header, shared by the host's loader and the SDK (and any plugin in C).
        .target(name: "CKITPlugin", path: "Sources/CKITPlugin"),
        // kithost's process set-up in C: signals unblocked before main (a parent may have blocked SIGTERM).
        .target(name: "CKITHostSupport", path: "Sources/CKITHostSupport"),

        // KVS bytes → Matroska fragments. Imports nothing of the project.
        .target(name: "KVSMatroska", swiftSettings: strict),
        // The one KIT record model (Codable), published by the engine and read by plugins. Foundation only: every
        // plugin links it.
        .target(name: "KITRecords", swiftSettings: strict),
        // Key frames → pictures → JPEG/PNG. Imports only its C shims.
        .target(name: "KITMedia", dependencies: ["CFFmpeg", "CTurboJPEG"], swiftSettings: strict),
        // AWS Signature Version 4, pure and deterministic (date injected).
        .target(
            name: "AWSSigV4", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // One async HTTP client transport over libcurl's multi interface.
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The AWS service clients KIT needs (Kinesis Video, DynamoDB, Kinesis, S3, CloudWatch, SageMaker Runtime,
        // Resource Groups Tagging), each with its real wire protocol, signed by AWSSigV4, sent by HTTPTransport.
        .target(
            name: "AWSClients",
            dependencies: ["AWSSigV4", "HTTPTransport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // A faithful local Kinesis Video Streams server (control plane, PutMedia, GetMedia, archived media, tagging).
        .target(
            name: "KVSLocal",
            dependencies: [
                "KVSMatroska", "AWSSigV4", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Leases across workers: the LeaseStore protocol (SQLite, DynamoDB) and the KCL-style coordinator.
        .target(
            name: "KITLeases",
            dependencies: ["AWSClients", "CSQLite", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The host side of the plugin boundary: dlopen loader, host-services table, Lambda-style dispatcher.
        .target(
            name: "KITPlugins",
            dependencies: [
                "CKITPlugin", "KITAsync", "AWSClients", "AWSSigV4", "HTTPTransport",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The host engine: configuration, discovery, the per-stream pipeline, inference, publishing, metrics.
        .target(
            name: "KITEngine",
            dependencies: [
                "KVSMatroska", "KITMedia", "KITAsync", "AWSClients", "KITLeases", "KITPlugins", "KITRecords",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Command implementations (`inspect`, …) kept out of the executable so tests can drive them.
        .target(name: "KITTools", dependencies: ["KVSMatroska", "KITMedia", "AWSClients"], swiftSettings: strict),
        .executableTarget(
            name: "KITHost",
            dependencies: [
                "KITTools", "KITEngine", "KITLeases", "KVSLocal", "AWSClients", "CKITHostSupport", "KITPlugins",
                "HTTPTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"), "AWSSigV4",
            ],
            swiftSettings: strict),

        // Plugin SDK and the two bundled plugins (filled in by the plugins issue).
        .target(
            name: "PluginAPI",
            dependencies: [
                "CKITPlugin", "AWSClients", "AWSSigV4", "HTTPTransport", "KITRecords",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .target(name: "S3Archive", dependencies: ["PluginAPI"], path: "Plugins/S3Archive", swiftSettings: strict),
        .target(
            name: "CocoLabeler", dependencies: ["PluginAPI", "CTurboJPEG"], path: "Plugins/CocoLabeler",
            swiftSettings: strict),

        // Benchmarks: built and run by `make bench`, never by the test command.
        .executableTarget(
            name: "KITBench", dependencies: ["KVSMatroska", "KITMedia"], path: "Benchmarks/KITBench",
            swiftSettings: strict),

        .executableTarget(
            name: "TransportBench", dependencies: ["HTTPTransport"], path: "Benchmarks/TransportBench",
            swiftSettings: strict),

        .executableTarget(
            name: "SigV4Bench", dependencies: ["AWSSigV4"], path: "Benchmarks/SigV4Bench", swiftSettings: strict),

        .executableTarget(
            name: "KVSBench", dependencies: ["KITTools", "AWSClients", "AWSSigV4", "HTTPTransport", "KVSMatroska"],
            path: "Benchmarks/KVSBench", swiftSettings: strict),

        .executableTarget(
            name: "PluginBench",
            dependencies: [
                "KITPlugins", "PluginAPI", "KVSLocal", "AWSClients", "AWSSigV4", "HTTPTransport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PluginBench", swiftSettings: strict),

        // What test targets share: paths, subprocesses, long-running children stopped by PID, moto.
        .target(name: "KITTestSupport", path: "Tests/KITTestSupport", swiftSettings: strict),

        .testTarget(name: "KITAsyncTests", dependencies: ["KITAsync"], swiftSettings: strict),
        .testTarget(name: "KVSMatroskaTests", dependencies: ["KVSMatroska"], swiftSettings: strict),
        .testTarget(name: "KITRecordsTests", dependencies: ["KITRecords", "KITTestSupport"], swiftSettings: strict),
        .testTarget(name: "KITMediaTests", dependencies: ["KITMedia", "KVSMatroska"], swiftSettings: strict),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], swiftSettings: strict),
        .testTarget(name: "HTTPTransportTests", dependencies: ["HTTPTransport"], swiftSettings: strict),
        .testTarget(
            name: "AWSClientsTests",
            dependencies: ["AWSClients", "AWSSigV4", "HTTPTransport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "KVSLocalTests", dependencies: ["KVSLocal", "AWSClients", "KVSMatroska"], swiftSettings: strict),
        .testTarget(name: "KITToolsTests", dependencies: ["KITTools"], swiftSettings: strict),
        .testTarget(
            name: "KITEngineTests",
            dependencies: [
                "KITEngine", "KVSLocal", "KITLeases", "KITTestSupport", "KITTools", "KITMedia", "AWSClients",
                "AWSSigV4", "HTTPTransport", "KVSMatroska", "KITRecords", "KITPlugins", "PluginAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KITLeasesTests",
            dependencies: [
                "KITLeases", "AWSClients", "AWSSigV4", "HTTPTransport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KITPluginsTests",
            dependencies: [
                "KITPlugins", "PluginAPI", "CKITPlugin", "KVSLocal", "KITTestSupport", "AWSClients", "AWSSigV4",
                "HTTPTransport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // The model server (examples/model-server, Python) run as a child process; Foundation only.
        .testTarget(name: "ModelServerTests", swiftSettings: strict),
        // The deployment artefacts (CloudFormation template, dashboard metrics, container environment).
        .testTarget(name: "DeployTests", dependencies: ["KITEngine"], swiftSettings: strict),
        // `make demo` (scripts/demo.sh) run briefly with the built products; its status page screenshotted.
        .testTarget(name: "DemoTests", dependencies: ["KITTestSupport"], swiftSettings: strict),
    ]
)
