import CoreMetrics
import PluginAPI
import Synchronization

/// An in-memory swift-metrics backend for the whole test process: counters summed per label and dimensions, so
/// tests can check what the engine reported. swift-metrics allows one bootstrap per process, and the same process
/// runs plugins linked in (PluginTesting), so both go through the SDK's routing factory: metrics made inside a
/// plugin go to that plugin, everything else here.
final class TestMetrics: MetricsFactory {
    static let shared: TestMetrics = {
        let metrics = TestMetrics()
        PluginMetrics.installRouting(fallback: metrics)
        return metrics
    }()

    private let values = Mutex<[String: Double]>([:])

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
    }

    /// The sum of a counter over every series whose dimensions include `matching`.
    func total(_ label: String, matching: [(String, String)] = []) -> Double {
        let wanted = matching.map { "\($0.0)=\($0.1)" }
        return values.withLock { v in
            v.filter { key, _ in
                let parts = key.split(separator: "|").map(String.init)
                return parts.first == label && wanted.allSatisfy(parts.contains)
            }.values.reduce(0, +)
        }
    }

    fileprivate func add(_ key: String, _ amount: Double) { values.withLock { $0[key, default: 0] += amount } }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Sum(metrics: self, key: Self.key(label, dimensions))
    }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Sum(metrics: self, key: Self.key(label, dimensions))
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Sum(metrics: self, key: Self.key(label, dimensions))
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Sum(metrics: self, key: Self.key(label, dimensions))
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

private final class Sum: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler, Sendable {
    let metrics: TestMetrics
    let key: String
    init(metrics: TestMetrics, key: String) {
        self.metrics = metrics
        self.key = key
    }
    func increment(by amount: Int64) { metrics.add(key, Double(amount)) }
    func increment(by amount: Double) { metrics.add(key, amount) }
    func reset() {}
    func record(_ value: Int64) { metrics.add(key, Double(value)) }
    func record(_ value: Double) { metrics.add(key, value) }
    func recordNanoseconds(_ duration: Int64) { metrics.add(key, 1) }
}
