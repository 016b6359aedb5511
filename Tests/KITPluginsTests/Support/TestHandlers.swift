import AWSSigV4
import Foundation
import HTTPTransport
import KITPlugins
import KITTestSupport
import Logging
import MetricsTestKit
import PluginAPI
import PluginTesting
import Synchronization

/// What an in-process test plugin saw, found by the id the test puts in the plugin's configuration.
final class Probe: Sendable {
    private static let registry = Mutex<[String: Probe]>([:])

    let id = UUID().uuidString
    /// Sequence numbers of every invocation, in order.
    let attempts = Mutex<[[String]]>([])
    /// Sequence numbers of the invocations that succeeded, in order.
    let delivered = Mutex<[[String]]>([])
    /// Image byte counts seen through the host services, by eventID.
    let images = Mutex<[String: Int]>([:])
    let cancelled = Atomic<Int>(0)

    static func make() -> Probe {
        let probe = Probe()
        registry.withLock { $0[probe.id] = probe }
        return probe
    }

    static func find(_ id: String) -> Probe? { registry.withLock { $0[id] } }

    var deliveredSequence: [String] { delivered.withLock { $0.flatMap { $0 } } }
}

struct RecorderConfiguration: Codable {
    var probe: String
    var failSequence: String?
    var failTimes: Int?
    var sleepMs: Int?
}

/// A plugin written with the SDK, linked into the test process and registered through its C descriptor, so the
/// dispatcher's semantics are tested through the real ABI without a build step.
struct RecorderHandler: KITPluginHandler {
    static let name = "Recorder"
    static let version = "1.0-test"
    let configuration: RecorderConfiguration
    let probe: Probe

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(context: PluginInitContext) throws {
        configuration = try context.configuration.decode(RecorderConfiguration.self)
        guard let probe = Probe.find(configuration.probe) else { throw Failure(description: "unknown probe") }
        self.probe = probe
    }

    func handle(_ event: KinesisEvent, context: PluginContext) async throws {
        let sequence = event.records.map(\.kinesis.sequenceNumber)
        let previous = probe.attempts.withLock { attempts -> Int in
            attempts.append(sequence)
            return attempts.count - 1
        }
        if let sleep = configuration.sleepMs {
            do {
                try await Task.sleep(for: .milliseconds(sleep))
            } catch {
                probe.cancelled.add(1, ordering: .relaxed)
                throw error
            }
        }
        if let times = configuration.failTimes, previous < times {
            throw Failure(description: "transient failure \(previous + 1) of \(times)")
        }
        if let bad = configuration.failSequence, sequence.contains(bad) {
            throw Failure(description: "bad record \(bad)")
        }
        for record in event.records {
            if let image = context.image(for: record) {
                probe.images.withLock { $0[record.eventID] = image.bytes.count }
            }
            _ = try record.kitRecord()
        }
        probe.delivered.withLock { $0.append(sequence) }
    }
}

/// The bytes-level handler layer: checks it receives the event JSON undecoded.
struct RawEventHandler: KITPluginByteHandler {
    static let name = "RawEvent"
    static let version = "1.0-test"
    let probe: Probe

    init(context: PluginInitContext) throws {
        let configuration = try context.configuration.decode(RecorderConfiguration.self)
        guard let probe = Probe.find(configuration.probe) else { throw RecorderHandler.Failure(description: "probe") }
        self.probe = probe
    }

    func handle(_ event: [UInt8], context: PluginContext) async throws -> KinesisBatchResponse {
        let object = try JSONSerialization.jsonObject(with: Data(event)) as? [String: Any]
        let records = object?["Records"] as? [[String: Any]] ?? []
        let sequence = records.compactMap { ($0["kinesis"] as? [String: Any])?["sequenceNumber"] as? String }
        probe.delivered.withLock { $0.append(sequence) }
        return .success
    }
}

/// A transport for tests that make no HTTP calls: it refuses every request.
struct NoNetwork: HTTPExecuting {
    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError) -> HTTPResponse {
        throw HTTPError(code: .invalidRequest, message: "this test has no network")
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        throw HTTPError(code: .invalidRequest, message: "this test has no network")
    }
}

enum Records {
    static let detection = #"{"prediction":[[0,0.97,0.1,0.2,0.5,0.9],[16,0.61,0.5,0.5,0.7,0.8],[2,0.3,0,0,1,1]]}"#

    /// A KIT record JSON as the host publishes it.
    static func kitJSON(
        stream: String, fragment: String = "91343852333181432392682062607743920146264485262",
        timeCode: Int = 0, serverMillis: Int64 = 1_511_852_109_126, output: String = detection
    ) -> [UInt8] {
        let fragmentMetaData =
            "FragmentMetadata(fragmentNumberString=\(fragment), serverSideTimestampMillis=\(serverMillis), "
            + "producerSideTimestampMillis=\(serverMillis - 613), fragmentNumber=\(fragment), success=true, "
            + "errorId=0, errorCode=null, millisBehindNow=OptionalLong[15858], continuationToken=Optional[\(fragment)])"
        let frameMetaData =
            "Frame(trackNumber=1, timeCode=\(timeCode), keyFrame=true, invisible=false, discardable=false, lacing=NO)"
        let object: [String: Any] = [
            "streamName": stream, "fragmentMetaData": fragmentMetaData, "frameMetaData": frameMetaData,
            "sageMakerOutput": Data(output.utf8).base64EncodedString(),
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func make(
        stream: String = "cam-1", sequence: Int, image: [UInt8]? = nil, data: [UInt8]? = nil
    ) -> DispatchRecord {
        DispatchRecord(
            streamName: stream, data: data ?? kitJSON(stream: stream, timeCode: sequence * 40),
            partitionKey: stream, sequenceNumber: "\(sequence)", approximateArrivalTimestamp: 1_700_000_000.25,
            eventSourceARN: "arn:kit:jsonl:::/tmp/results.jsonl", awsRegion: "us-east-1", image: image,
            imageContentType: image == nil ? nil : "image/jpeg")
    }
}

/// A dispatcher whose logs and metrics the test can read.
struct TestHost {
    let dispatcher: PluginDispatcher
    let logs: TestLogs
    let metrics: MetricsTestKit.TestMetrics

    init(
        configuration: PluginDispatcher.Configuration, transport: any HTTPExecuting = NoNetwork(),
        credentials: (any CredentialProvider)? = nil
    ) {
        logs = TestLogs()
        metrics = MetricsTestKit.TestMetrics()
        dispatcher = PluginDispatcher(
            configuration: configuration,
            services: HostServices(
                transport: transport, credentialProvider: credentials, region: "us-east-1",
                logger: logs.logger(label: "kit.plugins"), metricsFactory: metrics))
    }

    func counter(_ label: String, plugin: String) -> Int64 {
        metrics.counters(label: label, dimensions: [("plugin", plugin)]).reduce(0) { $0 + $1.totalValue }
    }

    /// Registers an SDK handler linked into the test process through its C descriptor.
    @discardableResult
    func register(_ descriptor: KITPluginEntry, origin: String) async throws -> PluginLoadReport {
        guard let descriptor else { throw TestFailure("no descriptor") }
        let report = await dispatcher.registry.register(descriptor: descriptor, origin: origin)
        guard report.isLoaded else { throw TestFailure("not loaded: \(report)") }
        return report
    }

    /// Loads the plugin directory; the reports per file.
    func load() async -> [PluginLoadReport] { await dispatcher.registry.load().reports }

    /// Runs the dispatcher (a `Service`) while `body` runs, then shuts it down gracefully.
    func run<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await dispatcher.withRunning(body)
    }
}

struct PartialConfiguration: Codable {
    var probe: String
    /// The record reported as failed (Lambda's `batchItemFailures`).
    var failItem: String
    /// How many invocations containing it report it; `nil` for every one.
    var failItemTimes: Int?
    /// Report an identifier that is in no batch instead.
    var invalidIdentifier: Bool?
}

/// A Lambda-style handler with `ReportBatchItemFailures`: it processes records in order and, when it meets
/// `failItem`, stops and reports it (the records before it are done; it and the rest are not processed).
struct PartialHandler: KITPluginHandler {
    static let name = "Partial"
    static let version = "1.0-test"
    let configuration: PartialConfiguration
    let probe: Probe
    private let reported = Counter()

    init(context: PluginInitContext) async throws {
        configuration = try context.configuration.decode(PartialConfiguration.self)
        guard let probe = Probe.find(configuration.probe) else {
            throw RecorderHandler.Failure(description: "unknown probe")
        }
        self.probe = probe
    }

    func handle(_ event: KinesisEvent, context: PluginContext) async throws -> KinesisBatchResponse {
        probe.attempts.withLock { $0.append(event.records.map(\.kinesis.sequenceNumber)) }
        var done: [String] = []
        defer { probe.delivered.withLock { $0.append(done) } }
        for record in event.records {
            if record.kinesis.sequenceNumber == configuration.failItem {
                let report = reported.takeIfBelow(configuration.failItemTimes ?? .max)
                if report {
                    if configuration.invalidIdentifier == true {
                        return KinesisBatchResponse(batchItemFailures: [.init(itemIdentifier: "no-such-record")])
                    }
                    return .failure(from: record)
                }
            }
            done.append(record.kinesis.sequenceNumber)
        }
        return .success
    }
}

/// The record-level convenience: throws on `failItem`'s record the first `failItemTimes` times it sees it.
struct RecordLevelHandler: KITRecordHandler {
    static let name = "RecordLevel"
    static let version = "1.0-test"
    let configuration: PartialConfiguration
    let probe: Probe
    private let reported = Counter()

    init(context: PluginInitContext) async throws {
        configuration = try context.configuration.decode(PartialConfiguration.self)
        guard let probe = Probe.find(configuration.probe) else {
            throw RecorderHandler.Failure(description: "unknown probe")
        }
        self.probe = probe
    }

    func handle(_ record: KITRecord, context: PluginContext) async throws {
        let key = "\(record.frame.timeCode)"
        if key == configuration.failItem {
            let fail = reported.takeIfBelow(configuration.failItemTimes ?? .max)
            if fail { throw RecorderHandler.Failure(description: "record \(key) failed") }
        }
        probe.delivered.withLock { $0.append([key]) }
    }
}

/// Asks the host for raw credentials and records the key id it got, or the error.
struct CredentialsHandler: KITPluginHandler {
    static let name = "Credentials"
    static let version = "1.0-test"
    let probe: Probe
    let aws: PluginAWS

    init(context: PluginInitContext) async throws {
        let configuration = try context.configuration.decode(RecorderConfiguration.self)
        guard let probe = Probe.find(configuration.probe) else { throw RecorderHandler.Failure(description: "probe") }
        self.probe = probe
        aws = context.services.aws
    }

    func handle(_ event: KinesisEvent, context: PluginContext) async throws {
        let seen: String
        do {
            seen = try await aws.credentials(for: "s3").accessKeyId
        } catch {
            seen = "\(error)"
        }
        probe.delivered.withLock { $0.append([seen]) }
    }
}

/// Counts up to a limit: `takeIfBelow(n)` is true (and counts) the first n times.
final class Counter: Sendable {
    private let count = Mutex(0)

    func takeIfBelow(_ limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }
}
