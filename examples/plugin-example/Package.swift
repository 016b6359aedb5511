// swift-tools-version: 6.1
// An example KIT plugin in its own package: it depends on the KIT-Swift package only for `PluginAPI` and builds a
// `libPersonAlert.so` to drop into the host's plugin directory. See docs/PLUGINS.md.
import PackageDescription

/// SwiftPM names a path dependency after the last component of its path, so KIT-Swift's package name here is the
/// name of the directory it was cloned into: compute it rather than assume it.
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

let kitPath = "../.."

let package = Package(
    name: "plugin-example",
    platforms: [.macOS(.v15)],
    products: [
        // `type: .dynamic` is what makes `swift build` produce the `lib*.so` the host loads.
        .library(name: "PersonAlert", type: .dynamic, targets: ["PersonAlert"])
    ],
    dependencies: [
        // `traits: []` leaves out KIT-Swift's `Host` trait: only the SDK's few packages are checked out and built,
        // not the host's server, CLI and configuration stacks.
        // In your own package: .package(url: "https://github.com/<you>/kit-swift", from: "x.y.z", traits: [])
        .package(path: kitPath, traits: [])
    ],
    targets: [
        .target(
            name: "PersonAlert",
            dependencies: [.product(name: "PluginAPI", package: packageIdentity(ofPath: kitPath))],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        // The plugin's tests: its handler in process, through KIT-Swift's PluginTesting.
        .testTarget(
            name: "PersonAlertTests",
            dependencies: [
                "PersonAlert", .product(name: "PluginTesting", package: packageIdentity(ofPath: kitPath)),
            ]),
    ]
)
