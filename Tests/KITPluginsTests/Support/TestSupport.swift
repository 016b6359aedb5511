import Foundation
import KITTestSupport
import Logging
import Synchronization

extension TestPaths {
    /// A plugin library built by `swift build` (the package's `.dynamic` products), beside the test bundle.
    static func builtPlugin(_ name: String) throws -> URL {
        let url = productsDirectory.appendingPathComponent("lib\(name).so")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestFailure("\(url.path) not built: run `swift build --build-tests` (it builds the plugin products)")
        }
        return url
    }

    static var havePython: Bool { FileManager.default.isExecutableFile(atPath: python.path) }
    static var haveFFmpeg: Bool { tool("ffmpeg") != nil }
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

/// Runs a program to completion (KITTestSupport's `Subprocess`), its stdout and stderr together.
func runProgram(_ executable: URL, _ arguments: [String], timeout: Duration = .seconds(120)) async throws
    -> (status: Int32, output: String)
{
    let output = try await Subprocess.run(executable, arguments, timeout: timeout)
    return (output.status, output.stdoutText + output.stderrText)
}
