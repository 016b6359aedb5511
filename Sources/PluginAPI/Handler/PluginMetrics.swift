import CoreMetrics
import Foundation

/// swift-metrics inside a plugin: `Counter(label:)`, `Timer(label:)`, `Gauge(label:)` go to the host's metrics
/// backend through the services table, with the host adding the `plugin` dimension.
///
/// A dlopen'ed plugin carries its own private copy of swift-metrics, which nobody else bootstraps; the SDK
/// bootstraps it at the first `create` with a factory that routes each metric to the plugin it was made for (a
/// task-local set around `init` and every invocation; outside of them, the plugin created last). When the SDK is
/// linked into a program's main executable instead (a host linking plugins statically, a test process), the
/// process owns swift-metrics and the SDK leaves it alone — except that `PluginTesting` installs the routing
/// factory in test processes (``installRouting()``) so a test can read what a handler recorded.
public enum PluginMetrics {
    @TaskLocal package static var current: PluginMetricsSink?

    private static let installation = InstallationState()

    /// Installs the routing factory as this image's swift-metrics backend, once, if swift-metrics is still
    /// unbootstrapped. Returns whether routing is in place.
    @discardableResult
    public static func installRouting() -> Bool { installation.install() }

    /// Called by `create`: routes metrics when this SDK copy lives in its own image (a dlopen'ed plugin).
    static func installIfPrivateImage(fallback sink: PluginMetricsSink) {
        installation.fallback = sink
        if Self.sdkIsInSeparateImage { installRouting() }
    }

    static var fallback: PluginMetricsSink? { installation.fallback }

    /// Whether this code was loaded from a shared object rather than the main executable: the mapping of
    /// `/proc/self/maps` that holds one of its functions names a file other than `/proc/self/exe`.
    static let sdkIsInSeparateImage: Bool = {
        let address = UInt(bitPattern: unsafeBitCast(imageProbe, to: UnsafeRawPointer.self))
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return false }
        for line in maps.split(separator: "\n") {
            // `start-end perms offset dev inode path`
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, let dash = fields[0].firstIndex(of: "-"),
                let start = UInt(fields[0][..<dash], radix: 16),
                let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16), start <= address, address < end
            else { continue }
            let image = URL(fileURLWithPath: fields[5...].joined(separator: " ")).resolvingSymlinksInPath().path
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            return image != executable
        }
        return false
    }()
}

private let imageProbe: @convention(c) () -> Void = {}

/// Where one plugin's metrics go (the host table, or a test recorder).
public final class PluginMetricsSink: Sendable {
    let record: @Sendable (PluginMetricKind, String, Double, [(String, String)]) -> Void

    public init(_ record: @escaping @Sendable (PluginMetricKind, String, Double, [(String, String)]) -> Void) {
        self.record = record
    }
}

private final class InstallationState: @unchecked Sendable {
    // @unchecked: both fields are guarded by `lock`.
    private let lock = NSLock()
    private var installed = false
    private var lastSink: PluginMetricsSink?

    var fallback: PluginMetricsSink? {
        get { lock.withLock { lastSink } }
        set { lock.withLock { lastSink = newValue } }
    }

    func install() -> Bool {
        lock.withLock {
            if installed { return true }
            // Someone else owns swift-metrics in this image: do not take it from them (bootstrap would trap).
            guard MetricsSystem.factory is NOOPMetricsHandler else { return false }
            MetricsSystem.bootstrap(RoutingMetricsFactory())
            installed = true
            return true
        }
    }
}

/// Binds each metric, when it is made, to the plugin making it.
struct RoutingMetricsFactory: MetricsFactory {
    private func sink() -> PluginMetricsSink? { PluginMetrics.current ?? PluginMetrics.fallback }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        RoutedMetric(sink: sink(), kind: .counter, label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        // The host table knows counters, timers and gauges: a recorder reports its values as a gauge.
        RoutedMetric(sink: sink(), kind: .gauge, label: label, dimensions: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        RoutedMetric(sink: sink(), kind: .timerNanoseconds, label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

private final class RoutedMetric: CounterHandler, RecorderHandler, TimerHandler, Sendable {
    let sink: PluginMetricsSink?
    let kind: PluginMetricKind
    let label: String
    let dimensions: [(String, String)]

    init(sink: PluginMetricsSink?, kind: PluginMetricKind, label: String, dimensions: [(String, String)]) {
        self.sink = sink
        self.kind = kind
        self.label = label
        self.dimensions = dimensions
    }

    func increment(by amount: Int64) { sink?.record(kind, label, Double(amount), dimensions) }
    func reset() {}
    func record(_ value: Int64) { sink?.record(kind, label, Double(value), dimensions) }
    func record(_ value: Double) { sink?.record(kind, label, value, dimensions) }
    func recordNanoseconds(_ duration: Int64) { sink?.record(kind, label, Double(duration), dimensions) }
}
