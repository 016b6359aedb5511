// swift-tools-version: 6.1
// KIT-Swift: Kinesis Video Streams → key frames → inference → plugins.
// Layout and dependency direction are explained in docs/ARCHITECTURE.md; benchmarks are their own package in
// Benchmarks/ (it depends on this one by path), so they cost this package's build and tests nothing.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// A third-party product only the host needs (its server, CLI, configuration, engine): the edge exists only with
/// the `Host` trait. A plugin package depends on this one with `traits: []`, and SwiftPM then neither resolves nor
/// checks out those packages: the plugin SDK's closure (CKITPlugin, PluginAPI and the modules it imports) uses
/// only swift-log, swift-metrics and, for now, swift-crypto, whose edges stay unconditional. Any unconditional
/// use of a package, in any target or test target, makes every consumer resolve it.
func host(_ product: String, _ package: String) -> Target.Dependency {
    .product(name: product, package: package, condition: .when(traits: ["Host"]))
}

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")

let package = Package(
    name: "kit-swift",
    // Linux is what KIT runs on. For Apple platforms the floor is what the code uses: `Synchronization.Mutex` and
    // `Atomic` (and typed-throws `AsyncSequence`) need macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kithost", targets: ["KITHost"]),
        .library(name: "PluginAPI", targets: ["PluginAPI"]),
        .library(name: "KVSMatroska", targets: ["KVSMatroska"]),
        .library(name: "KITMedia", targets: ["KITMedia"]),
        // The bundled plugins, as the `lib*.so` files a plugin directory holds.
        .library(name: "S3Archive", type: .dynamic, targets: ["S3ArchiveEntry"]),
        .library(name: "CocoLabeler", type: .dynamic, targets: ["CocoLabelerEntry"]),
        // A plugin's own tests: its handler in process with test services.
        .library(name: "PluginTesting", targets: ["PluginTesting"]),
        // The layers the Benchmarks package measures.
        .library(name: "HTTPTransportCore", targets: ["HTTPTransportCore"]),
        .library(name: "HTTPTransport", targets: ["HTTPTransport"]),
        .library(name: "AWSCore", targets: ["AWSCore"]),
        .library(name: "AWSSigV4", targets: ["AWSSigV4"]),
        .library(name: "AWSClients", targets: ["AWSClients"]),
        .library(name: "AWSSigning", targets: ["AWSSigning"]),
        .library(name: "KVSLocal", targets: ["KVSLocal"]),
        .library(name: "KITTools", targets: ["KITTools"]),
        .library(name: "KITPlugins", targets: ["KITPlugins"]),
    ],
    traits: [
        .trait(
            name: "Host",
            description: "The host (kithost, its engine, the local KVS, their tests) and its third-party packages. "
                + "Plugin packages depend with `traits: []` and check out only what the SDK needs."),
        .default(enabledTraits: ["Host"]),
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
        // Tests only (KITTestSupport), under the Host trait.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
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
        // The `kit_pair` conversions of both sides of the boundary: one source, linked into the host and into each
        // plugin image.
        .target(name: "KITPluginPairs", dependencies: ["CKITPlugin"], swiftSettings: strict),
        // kithost's process set-up in C: signals unblocked before main (a parent may have blocked SIGTERM).
        .target(name: "CKITHostSupport", path: "Sources/CKITHostSupport"),

        // KVS bytes → Matroska fragments. Imports nothing of the project.
        .target(name: "KVSMatroska", swiftSettings: strict),
        // The one KIT record model (Codable), published by the engine and read by plugins. Foundation only: every
        // plugin links it.
        .target(name: "KITRecords", swiftSettings: strict),
        // Key frames → pictures → JPEG/PNG. Imports only its C shims.
        .target(name: "KITMedia", dependencies: ["CFFmpeg", "CTurboJPEG"], swiftSettings: strict),
        // What AWS clients need without crypto: credentials and the provider protocol, service metadata, region and
        // endpoint resolution, URI encoding, and the request-signer protocol (a signer may be remote).
        .target(name: "AWSCore", swiftSettings: strict),
        // AWS Signature Version 4, pure and deterministic (date injected), and the credential providers.
        .target(name: "AWSSigV4", dependencies: ["AWSCore", crypto], swiftSettings: strict),
        // The HTTP model every layer speaks (requests, responses, streaming bodies, `HTTPExecuting`, `HTTPError`,
        // retries), without an engine: what the plugin SDK links.
        .target(name: "HTTPTransportCore", dependencies: [log], swiftSettings: strict),
        // The libcurl engine behind it: one event-loop thread over the multi interface, `HTTPClient`.
        .target(name: "HTTPTransport", dependencies: ["HTTPTransportCore", "CCurl", log], swiftSettings: strict),
        // The AWS service clients KIT needs (Kinesis Video, DynamoDB, Kinesis, S3, CloudWatch, SageMaker Runtime,
        // Resource Groups Tagging), each with its real wire protocol, signed through an `AWSRequestSigner`, sent
        // through any `HTTPExecuting`. No crypto, no engine.
        .target(name: "AWSClients", dependencies: ["AWSCore", "HTTPTransportCore", log], swiftSettings: strict),
        // The host's signing for AWSClients: the SigV4 `AWSRequestSigner` over a credential provider, the clients'
        // `credentialProvider:` initialisers, credential providers' HTTP calls over the project's transport.
        .target(
            name: "AWSSigning", dependencies: ["AWSClients", "AWSSigV4", "AWSCore", "HTTPTransportCore", log],
            swiftSettings: strict),
        // A faithful local Kinesis Video Streams server (control plane, PutMedia, GetMedia, archived media, tagging);
        // the request/response shapes the AWS clients have are theirs (AWSClients), the others its own.
        .target(
            name: "KVSLocal",
            dependencies: [
                "KVSMatroska", "AWSClients", "AWSSigV4", host("Hummingbird", "hummingbird"),
                host("HummingbirdCore", "hummingbird"),
                host("HTTPTypes", "swift-http-types"), host("NIOCore", "swift-nio"), host("NIOPosix", "swift-nio"),
                host("ServiceLifecycle", "swift-service-lifecycle"), log,
            ],
            swiftSettings: strict),
        // Leases across workers: the LeaseStore protocol (SQLite, DynamoDB) and the KCL-style coordinator.
        .target(
            name: "KITLeases",
            dependencies: ["AWSClients", "AWSSigning", "AWSSigV4", "HTTPTransport", "CSQLite", log],
            swiftSettings: strict),
        // The host side of the plugin boundary: dlopen loader, host-services table, Lambda-style dispatcher.
        .target(
            name: "KITPlugins",
            dependencies: [
                "CKITPlugin", "KITPluginPairs", "KITAsync", "AWSClients", "AWSSigning", "AWSSigV4", "HTTPTransport",
                log, metrics, host("ServiceLifecycle", "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The host engine: configuration, discovery, the per-stream pipeline, inference, publishing, metrics.
        .target(
            name: "KITEngine",
            dependencies: [
                "KVSMatroska", "KITMedia", "KITAsync", "AWSClients", "AWSSigning", "AWSSigV4", "HTTPTransport",
                "KITLeases", "KITPlugins", "KITRecords", host("Yams", "Yams"), log, metrics,
                host("Prometheus", "swift-prometheus"), host("ServiceLifecycle", "swift-service-lifecycle"),
                host("Hummingbird", "hummingbird"), crypto, host("UnixSignals", "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Command implementations (`inspect`, …) kept out of the executable so tests can drive them.
        .target(
            name: "KITTools",
            dependencies: ["KVSMatroska", "KITMedia", "AWSClients", "AWSSigning", "AWSSigV4", "HTTPTransport"],
            swiftSettings: strict),
        .executableTarget(
            name: "KITHost",
            dependencies: [
                "KITTools", "KITEngine", "KITLeases", "KVSLocal", "AWSClients", "AWSSigning", "CKITHostSupport",
                "KITPlugins", "HTTPTransport", host("ArgumentParser", "swift-argument-parser"),
                host("ServiceLifecycle", "swift-service-lifecycle"), log, metrics,
                host("Prometheus", "swift-prometheus"), "AWSSigV4",
            ],
            swiftSettings: strict),

        // The plugin SDK and the two bundled plugins. No libcurl (the host's transport is reached through the
        // host-services table), no crypto (the host signs AWS requests: `aws_sign`) and no host package.
        .target(
            name: "PluginAPI",
            dependencies: [
                "CKITPlugin", "KITPluginPairs", "AWSClients", "AWSCore", "HTTPTransportCore", "KITRecords", log, metrics,
            ],
            swiftSettings: strict),
        // A plugin's tests: its handler in process with test services (real HTTP to local servers, SigV4 with test
        // credentials), KIT record and event builders, logs and metrics captured. Test code only: it links the
        // host's libcurl transport and SigV4 signer, which plugins themselves never do.
        .target(
            name: "PluginTesting", dependencies: ["PluginAPI", "AWSSigning", "HTTPTransport", log, metrics],
            swiftSettings: strict),
        // Each bundled plugin is its handler (a library target its tests link) and an entry target with the one
        // export line, which only the `.so` product links: two plugins' `kit_plugin_entry` never meet in one binary.
        .target(
            name: "S3Archive", dependencies: ["PluginAPI"], path: "Plugins/S3Archive", exclude: ["Entry"],
            swiftSettings: strict),
        .target(
            name: "S3ArchiveEntry", dependencies: ["S3Archive"], path: "Plugins/S3Archive/Entry", swiftSettings: strict),
        .target(
            name: "CocoLabeler", dependencies: ["PluginAPI", "CTurboJPEG"], path: "Plugins/CocoLabeler",
            exclude: ["Entry"], swiftSettings: strict),
        .target(
            name: "CocoLabelerEntry", dependencies: ["CocoLabeler"], path: "Plugins/CocoLabeler/Entry",
            swiftSettings: strict),

        // What test targets share: paths, subprocesses (swift-subprocess, whose module is aliased because
        // `Subprocess` is this target's own helper), long-running children stopped by PID, moto, an in-process KVS.
        .target(
            name: "KITTestSupport",
            dependencies: [
                "KVSLocal", log, host("SystemPackage", "swift-system"),
                .product(
                    name: "Subprocess", package: "swift-subprocess", moduleAliases: ["Subprocess": "SwiftSubprocess"],
                    condition: .when(traits: ["Host"])),
            ],
            path: "Tests/KITTestSupport", swiftSettings: strict),

        .testTarget(name: "KITAsyncTests", dependencies: ["KITAsync"], swiftSettings: strict),
        // The bundled plugins' own tests, through PluginTesting (as a plugin author's are).
        .testTarget(
            name: "S3ArchivePluginTests",
            dependencies: ["S3Archive", "PluginTesting", "KVSLocal", "AWSSigning", "HTTPTransport", "KITTestSupport", log],
            swiftSettings: strict),
        .testTarget(
            name: "CocoLabelerPluginTests", dependencies: ["CocoLabeler", "PluginTesting", "KITTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "KVSMatroskaTests", dependencies: ["KVSMatroska", "KITTestSupport"], swiftSettings: strict),
        .testTarget(name: "KITRecordsTests", dependencies: ["KITRecords", "KITTestSupport"], swiftSettings: strict),
        .testTarget(name: "KITMediaTests", dependencies: ["KITMedia", "KVSMatroska", "KITTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "AWSSigV4Tests", dependencies: ["AWSSigV4", "AWSCore", "KITTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "HTTPTransportTests", dependencies: ["HTTPTransport", "HTTPTransportCore", "KITTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "AWSClientsTests",
            dependencies: ["AWSClients", "AWSSigning", "AWSSigV4", "AWSCore", "HTTPTransport", "KITTestSupport", log],
            swiftSettings: strict),
        .testTarget(
            name: "KVSLocalTests",
            dependencies: [
                "KVSLocal", "AWSClients", "AWSSigning", "AWSSigV4", "HTTPTransport", "KVSMatroska", "KITTestSupport",
                host("ServiceLifecycle", "swift-service-lifecycle"), log,
            ],
            swiftSettings: strict),
        .testTarget(name: "KITToolsTests", dependencies: ["KITTools", "KITTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "KITEngineTests",
            dependencies: [
                "KITEngine", "KVSLocal", "KITLeases", "KITTestSupport", "KITTools", "KITMedia", "AWSClients",
                "AWSSigning", "AWSSigV4", "HTTPTransport", "KVSMatroska", "KITRecords", "KITPlugins", "PluginAPI",
                host("Hummingbird", "hummingbird"), crypto, log, metrics,
                host("ServiceLifecycle", "swift-service-lifecycle"),
                host("NIOCore", "swift-nio"), host("HTTPTypes", "swift-http-types"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KITLeasesTests",
            dependencies: [
                "KITLeases", "AWSClients", "AWSSigning", "AWSSigV4", "HTTPTransport", "KITTestSupport", log,
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KITPluginsTests",
            dependencies: [
                "KITPlugins", "PluginAPI", "PluginTesting", "CKITPlugin", "KVSLocal", "KITTestSupport", "AWSClients", "AWSSigning",
                "AWSSigV4", "HTTPTransport", log, metrics, .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // The model server (examples/model-server, Python) run as a child process.
        .testTarget(name: "ModelServerTests", dependencies: ["KITTestSupport"], swiftSettings: strict),
        // The deployment artefacts (CloudFormation template, dashboard metrics, container environment).
        .testTarget(name: "DeployTests", dependencies: ["KITEngine", "KITTestSupport"], swiftSettings: strict),
        // `make demo` (scripts/demo.sh) run briefly with the built products; its status page screenshotted.
        .testTarget(name: "DemoTests", dependencies: ["KITTestSupport"], swiftSettings: strict),
    ]
)
