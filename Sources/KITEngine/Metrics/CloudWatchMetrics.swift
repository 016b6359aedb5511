import AWSClients
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A swift-metrics backend for CloudWatch: handlers aggregate in memory (counters as sums, timers and histograms as
/// statistic sets in milliseconds, gauges as their last value) and ``run()`` sends everything with
/// `PutMetricData` every `interval` (batched by the client into requests of up to 1000 data), and once more on
/// shutdown. A failed flush is logged and its data merged back into the next one.
public final class CloudWatchMetrics: MetricsFactory, Service {
    let namespace: String
    let client: CloudWatchClient
    let interval: Duration
    let logger: Logger
    fileprivate let store = Mutex<[SeriesKey: Aggregate]>([:])

    public init(namespace: String, client: CloudWatchClient, interval: Duration = .seconds(60), logger: Logger) {
        self.namespace = namespace
        self.client = client
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                break
            }
            await flush()
        }
        await flush()
    }

    /// Sends what was recorded since the last flush; returns the number of data sent.
    @discardableResult
    public func flush() async -> Int {
        let taken = store.withLock { s -> [SeriesKey: Aggregate] in
            defer {
                for key in s.keys { s[key]?.reset() }
            }
            return s
        }
        let now = Date()
        let data = taken.compactMap { key, aggregate in aggregate.datum(key: key, at: now) }
        guard !data.isEmpty else { return 0 }
        do {
            try await client.putMetricData(namespace: namespace, data: data)
            return data.count
        } catch {
            logger.warning("PutMetricData failed; keeping the data for the next flush", metadata: ["error": "\(error)"])
            store.withLock { s in
                for (key, aggregate) in taken { s[key, default: aggregate.emptyCopy()].merge(aggregate) }
            }
            return 0
        }
    }

    func record(_ key: SeriesKey, _ update: (inout Aggregate) -> Void, kind: Aggregate.Kind) {
        store.withLock { s in
            var value = s[key] ?? Aggregate(kind: kind)
            update(&value)
            s[key] = value
        }
    }

    // MARK: MetricsFactory

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let key = SeriesKey(label, dimensions)
        // A counter reports from its creation on, 0 while nothing happens.
        record(key, { _ in }, kind: .sum)
        return Handler(factory: self, key: key, kind: .sum)
    }
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        Handler(factory: self, key: SeriesKey(label, dimensions), kind: .sum)
    }
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(factory: self, key: SeriesKey(label, dimensions), kind: aggregate ? .statistics : .last)
    }
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        MeterValue(factory: self, key: SeriesKey(label, dimensions))
    }
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(factory: self, key: SeriesKey(label, dimensions), kind: .milliseconds)
    }
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// CloudWatch's dimension names for ours.
    static func dimensionName(_ name: String) -> String {
        switch name {
        case "stream": "StreamName"
        case "worker": "WorkerId"
        case "plugin": "Plugin"
        case "code": "Code"
        default: name.prefix(1).uppercased() + name.dropFirst()
        }
    }
}

struct SeriesKey: Hashable, Sendable {
    var name: String
    var dimensions: [MetricDimension]
    init(_ name: String, _ dimensions: [(String, String)]) {
        self.name = name
        self.dimensions = dimensions.prefix(30).map {
            MetricDimension(name: CloudWatchMetrics.dimensionName($0.0), value: $0.1)
        }
    }
}

struct Aggregate: Sendable {
    enum Kind: Sendable { case sum, last, statistics, milliseconds }
    let kind: Kind
    var count = 0.0
    var sum = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var last: Double?

    init(kind: Kind) { self.kind = kind }

    mutating func add(_ value: Double) {
        count += 1
        sum += value
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        last = value
    }

    /// Counters and statistics start again from zero; a gauge keeps its last value (it is still true).
    mutating func reset() {
        count = 0
        sum = 0
        minimum = .infinity
        maximum = -.infinity
    }

    func emptyCopy() -> Aggregate { Aggregate(kind: kind) }

    mutating func merge(_ other: Aggregate) {
        count += other.count
        sum += other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        if last == nil { last = other.last }
    }

    func datum(key: SeriesKey, at date: Date) -> MetricDatum? {
        switch kind {
        case .sum:
            // A counter that exists reports every interval, 0 when nothing happened.
            return MetricDatum(
                metricName: key.name, dimensions: key.dimensions, timestamp: date, value: sum, unit: "Count")
        case .last:
            guard let last else { return nil }
            return MetricDatum(metricName: key.name, dimensions: key.dimensions, timestamp: date, value: last)
        case .statistics, .milliseconds:
            guard count > 0 else { return nil }
            return MetricDatum(
                metricName: key.name, dimensions: key.dimensions, timestamp: date,
                statisticValues: MetricStatisticSet(sampleCount: count, sum: sum, minimum: minimum, maximum: maximum),
                unit: kind == .milliseconds ? "Milliseconds" : nil)
        }
    }
}

private final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler, Sendable {
    let factory: CloudWatchMetrics
    let key: SeriesKey
    let kind: Aggregate.Kind

    init(factory: CloudWatchMetrics, key: SeriesKey, kind: Aggregate.Kind) {
        self.factory = factory
        self.key = key
        self.kind = kind
    }

    private func add(_ value: Double) { factory.record(key, { $0.add(value) }, kind: kind) }

    func increment(by amount: Int64) { add(Double(amount)) }
    func increment(by amount: Double) { add(amount) }
    func reset() { factory.record(key, { $0.reset() }, kind: kind) }
    func record(_ value: Int64) { add(Double(value)) }
    func record(_ value: Double) { add(value) }
    func recordNanoseconds(_ duration: Int64) { add(Double(duration) / 1_000_000) }
}

/// A meter: a value moved up and down, reported as its current value.
private final class MeterValue: MeterHandler, Sendable {
    let factory: CloudWatchMetrics
    let key: SeriesKey
    private let value = Mutex(0.0)

    init(factory: CloudWatchMetrics, key: SeriesKey) {
        self.factory = factory
        self.key = key
    }

    private func publish(_ update: (inout Double) -> Void) {
        let current = value.withLock {
            update(&$0)
            return $0
        }
        factory.record(key, { $0.add(current) }, kind: .last)
    }

    func set(_ value: Int64) { publish { $0 = Double(value) } }
    func set(_ value: Double) { publish { $0 = value } }
    func increment(by amount: Double) { publish { $0 += amount } }
    func decrement(by amount: Double) { publish { $0 -= amount } }
}
