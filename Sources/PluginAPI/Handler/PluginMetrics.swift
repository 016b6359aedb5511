import CoreMetrics
import Foundation

/// swift-metrics inside a plugin: `Counter(label:)`, `Timer(label:)`, `Gauge(label:)` go to the host's metrics
/// backend through the services table, with the host adding the `plugin` dimension.
///
/// A dlopen'ed plugin carries its own private copy of swift-metrics, which nobody else bootstraps; the SDK
/// bootstraps it at the first `create` with a factory that routes each metric to the plugin it was made for (a
/// task-local set around `init` and every invocation; outside of them, the plugin created last). When the SDK is
/// linked into a program's main executable instead (a host linking plugins statically, a test process), the
/// process owns swift-metrics and the SDK leaves it alone — except in test processes, where `PluginTesting` (and
/// any test that links plugins in) installs the routing factory with ``installRouting(fallback:)``: metrics made
/// inside a plugin go to that plugin's sink, everything else to `fallback`. swift-metrics can be bootstrapped once
/// per process, so such a process bootstraps only through here.
public enum PluginMetrics {
    @TaskLocal package static var current: PluginMetricsSink?

    private static let installation = InstallationState()

    /// Installs the routing factory as this image's swift-metrics backend, once, if swift-metrics is still
    /// unbootstrapped; `fallback` (the first one given wins) receives the metrics made outside any plugin. Returns
    /// whether routing is in place.
    @discardableResult
    public static func installRouting(fallback: (any MetricsFactory)? = nil) -> Bool {
        installation.install(fallback: fallback)
    }

    static var fallbackFactory: (any MetricsFactory)? { installation.fallbackFactory }

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
    // @unchecked: every field is guarded by `lock`.
    private let lock = NSLock()
    private var installed = false
    private var lastSink: PluginMetricsSink?
    private var factory: (any MetricsFactory)?

    var fallbackFactory: (any MetricsFactory)? { lock.withLock { factory } }

    var fallback: PluginMetricsSink? {
        get { lock.withLock { lastSink } }
        set { lock.withLock { lastSink = newValue } }
    }

    func install(fallback: (any MetricsFactory)?) -> Bool {
        lock.withLock {
            if factory == nil { factory = fallback }
            if installed { return true }
            // Someone else owns swift-metrics in this image: do not take it from them (bootstrap would trap).
            guard MetricsSystem.factory is NOOPMetricsHandler else { return false }
            MetricsSystem.bootstrap(RoutingMetricsFactory())
            installed = true
            return true
        }
    }
}

/// Binds each metric, when it is made, to the plugin making it (or, outside any plugin, to the fallback factory).
struct RoutingMetricsFactory: MetricsFactory {
    /// Outside any plugin's scope only a dlopen'ed image (one plugin, its own copy of all this) falls back to the
    /// plugin made last; in a process that links plugins in, such a metric is not a plugin's.
    private func sink() -> PluginMetricsSink? {
        PluginMetrics.current ?? (PluginMetrics.sdkIsInSeparateImage ? PluginMetrics.fallback : nil)
    }
    private var outside: (any MetricsFactory)? { PluginMetrics.current == nil ? PluginMetrics.fallbackFactory : nil }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        if let outside { return outside.makeCounter(label: label, dimensions: dimensions) }
        return RoutedMetric(sink: sink(), kind: .counter, label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if let outside { return outside.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate) }
        // The host table knows counters, timers and gauges: a recorder reports its values as a gauge.
        return RoutedMetric(sink: sink(), kind: .gauge, label: label, dimensions: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        if let outside { return outside.makeTimer(label: label, dimensions: dimensions) }
        return RoutedMetric(sink: sink(), kind: .timerNanoseconds, label: label, dimensions: dimensions)
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

    func increment(by amount: Int64) { send(Double(amount)) }
    func reset() {}
    func record(_ value: Int64) { send(Double(value)) }
    func record(_ value: Double) { send(value) }
    func recordNanoseconds(_ duration: Int64) { send(Double(duration)) }

    /// Out of the plugin's scope while the sink runs: when host and plugin share a process (tests), the metrics
    /// the host makes to receive this one are the host's, not routed back to the plugin (which would recurse).
    private func send(_ value: Double) {
        guard let sink else { return }
        PluginMetrics.$current.withValue(nil) { sink.record(kind, label, value, dimensions) }
    }
}
