import Logging
import PluginAPI
import Synchronization

/// The log lines a plugin under test wrote, in memory.
public final class TestLogs: Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    public func messages(containing text: String) -> [Entry] { all.filter { $0.message.contains(text) } }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    /// A logger (at `trace`) whose records land here.
    public func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CaptureHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    private struct CaptureHandler: LogHandler {
        let capture: TestLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            capture.append(
                Entry(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// The metrics a plugin under test recorded — through swift-metrics (`Counter(label:)`) or
/// `context.services.increment(…)` alike — as the host would receive them (before it adds the `plugin`
/// dimension).
public final class TestMetrics: Sendable {
    public struct Sample: Sendable {
        public var kind: PluginMetricKind
        public var name: String
        public var value: Double
        public var dimensions: [(String, String)]
    }

    private let samples = Mutex<[Sample]>([])

    public init() {}

    public var all: [Sample] { samples.withLock { $0 } }

    /// The sum of every value recorded under `name` (a counter's total), optionally only with `dimensions`.
    public func total(_ name: String, dimensions: [(String, String)]? = nil) -> Double {
        all.filter { sample in
            sample.name == name
                && (dimensions.map { wanted in wanted.allSatisfy { pair in sample.dimensions.contains { $0 == pair } } }
                    ?? true)
        }.reduce(0) { $0 + $1.value }
    }

    /// The values recorded under `name`, in order.
    public func values(_ name: String) -> [Double] { all.filter { $0.name == name }.map(\.value) }

    func record(_ kind: PluginMetricKind, _ name: String, _ value: Double, _ dimensions: [(String, String)]) {
        samples.withLock { $0.append(Sample(kind: kind, name: name, value: value, dimensions: dimensions)) }
    }

    var sink: PluginMetricsSink { PluginMetricsSink { self.record($0, $1, $2, $3) } }
}
