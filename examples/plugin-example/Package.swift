// swift-tools-version: 6.1
// An example KIT plugin in its own package: it depends on the KIT-Swift package only for `PluginAPI` and builds a
// `libPersonAlert.so` to drop into the host's plugin directory. See docs/PLUGINS.md.
import PackageDescription

let package = Package(
    name: "plugin-example",
    platforms: [.macOS(.v14)],
    products: [
        // `type: .dynamic` is what makes `swift build` produce the `lib*.so` the host loads.
        .library(name: "PersonAlert", type: .dynamic, targets: ["PersonAlert"])
    ],
    dependencies: [
        // In your own package: .package(url: "https://github.com/<you>/kit-swift", from: "x.y.z")
        .package(name: "kit-swift", path: "../..")
    ],
    targets: [
        .target(
            name: "PersonAlert",
            dependencies: [.product(name: "PluginAPI", package: "kit-swift")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")])
    ]
)
