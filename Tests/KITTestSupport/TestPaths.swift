import Foundation

/// Where the package, its build products, the test venv and the media tools are, found from this file's path so
/// tests run the same from any working directory.
public enum TestPaths {
    /// `<root>/Tests/KITTestSupport/TestPaths.swift` → `<root>`.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the project root (real captures; not part of the repository).
    public static let shared: URL = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// Real GetMedia captures (`../shared/testdata/kvs-getmedia`, Apache-2.0, see its NOTICE).
    public static let kvsCaptures: URL = shared.appendingPathComponent("testdata/kvs-getmedia", isDirectory: true)

    /// `$KIT_VENV`, else `<root>/.venv` (made by scripts/setup.sh with the pinned boto3, moto and awscli).
    public static var venv: URL {
        ProcessInfo.processInfo.environment["KIT_VENV"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".venv", isDirectory: true)
    }

    public static var python: URL { venv.appendingPathComponent("bin/python") }

    /// The directory holding the test bundle, where SwiftPM also puts `kithost` and the plugin `.so` files.
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        let argv0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = argv0.deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("kithost").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }

    /// The built `kithost` beside the test bundle.
    public static var kithost: URL { productsDirectory.appendingPathComponent("kithost") }

    /// A program on PATH (ffmpeg, ffprobe, mkvinfo…), or nil.
    public static func tool(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A scratch directory removed when the closure ends.
public func withTemporaryDirectory<T>(_ prefix: String = "kit", _ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// Polls `condition` until it holds or `timeout` passes (generous timeouts: the machine may be loaded).
public func waitUntil(
    timeout: Duration = .seconds(120), interval: Duration = .milliseconds(100), _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    throw TestFailure("timed out after \(timeout) waiting for: \(what)")
}
