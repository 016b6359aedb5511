import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the package, the built plugins, the venv and the tools are.
enum TestPaths {
    /// `<root>/Tests/KITPluginsTests/Support/TestSupport.swift` → `<root>`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The build products directory: where the test executable itself is (`.build/<triple>/debug`), which is also
    /// where `swift build` put `libS3Archive.so` and `libCocoLabeler.so`.
    static let products: URL = {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // Inside an `.xctest` bundle directory on some layouts.
        while url.pathExtension == "xctest" || url.lastPathComponent == "Contents" || url.lastPathComponent == "MacOS" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static func builtPlugin(_ name: String) throws -> URL {
        let url = products.appendingPathComponent("lib\(name).so")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestFailure("\(url.path) not built: run `swift build --build-tests` (it builds the plugin products)")
        }
        return url
    }

    static var python: URL {
        let venv =
            ProcessInfo.processInfo.environment["KIT_VENV"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".venv", isDirectory: true)
        return venv.appendingPathComponent("bin/python")
    }

    static var havePython: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    static func tool(_ name: String) -> URL? {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin", "/opt/swift/usr/bin"] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    static var haveFFmpeg: Bool { tool("ffmpeg") != nil }
}

/// A scratch directory (mode 0755, so the loader trusts it) removed when the closure ends.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kitplugins-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
        at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// Collects log records in memory so tests can assert on what the host and the plugins logged.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func messages(containing text: String) -> [Entry] { all.filter { $0.message.contains(text) } }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            capture.append(
                Entry(
                    level: event.level, message: event.message.description,
                    metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes (generous bounds: the machine is shared).
func waitUntil(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) async throws -> Bool {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// Runs a program to completion off the cooperative pool, returning its status and output.
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws
    -> (status: Int32, output: String)
{
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                if let environment {
                    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
                }
                let output = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
                FileManager.default.createFile(atPath: output.path, contents: nil)
                let handle = try FileHandle(forWritingTo: output)
                process.standardOutput = handle
                process.standardError = handle
                process.standardInput = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                try? handle.close()
                let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(at: output)
                continuation.resume(returning: (process.terminationStatus, text))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
