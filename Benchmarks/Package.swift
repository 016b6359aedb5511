// swift-tools-version: 6.1
// KIT-Swift's benchmarks, a package of their own so the product's build and tests never compile them. It depends on
// the repository's root package by path, with its default traits (the host). Built and run by `make bench`
// (scripts/bench*.sh): `swift build -c release --package-path Benchmarks --scratch-path .build-bench --product …`.
import PackageDescription

/// SwiftPM names a path dependency after the last component of its path, so the root's package name is the name of
/// the directory the repository was cloned into: compute it rather than assume it.
func packageIdentity(ofPath path: String) -> String {
    var components = path.hasPrefix("/") ? [] : Context.packageDirectory.split(separator: "/").map(String.init)
    for part in path.split(separator: "/") {
        switch part {
        case ".": continue
        case "..": if !components.isEmpty { components.removeLast() }
        default: components.append(String(part))
        }
    }
    return components.last ?? path
}

let rootPath = ".."
let kit = packageIdentity(ofPath: rootPath)

func kitProduct(_ name: String) -> Target.Dependency { .product(name: name, package: kit) }

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "kit-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: rootPath),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Matroska parsing and key frame → JPEG (scripts/bench-parser.sh, bench-media.sh).
        .executableTarget(
            name: "KITBench", dependencies: [kitProduct("KVSMatroska"), kitProduct("KITMedia")], path: "KITBench",
            swiftSettings: strict),
        // HTTPTransport against the curl CLI (scripts/bench-transport.sh).
        .executableTarget(
            name: "TransportBench", dependencies: [kitProduct("HTTPTransport")], path: "TransportBench",
            swiftSettings: strict),
        // AWSSigV4 against botocore (scripts/bench-sigv4.sh).
        .executableTarget(
            name: "SigV4Bench", dependencies: [kitProduct("AWSSigV4")], path: "SigV4Bench", swiftSettings: strict),
        // The local KVS: ingest, GetMedia, memory per live stream (scripts/bench-kvs.sh).
        .executableTarget(
            name: "KVSBench",
            dependencies: [
                kitProduct("KITTools"), kitProduct("AWSClients"), kitProduct("AWSSigning"), kitProduct("AWSSigV4"),
                kitProduct("HTTPTransport"), kitProduct("KVSMatroska"),
            ],
            path: "KVSBench", swiftSettings: strict),
        // Plugin dispatch overhead and S3Archive against the blog's Lambda handler (scripts/bench-plugins.sh).
        .executableTarget(
            name: "PluginBench",
            dependencies: [
                kitProduct("KITPlugins"), kitProduct("PluginAPI"), kitProduct("KVSLocal"), kitProduct("AWSClients"),
                kitProduct("AWSSigning"), kitProduct("AWSSigV4"), kitProduct("HTTPTransport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "PluginBench", swiftSettings: strict),
    ]
)
