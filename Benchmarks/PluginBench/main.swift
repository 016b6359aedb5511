import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITPlugins
import KVSLocal
import Logging
import PluginAPI

#if canImport(Glibc)
    import Glibc
#endif

// Plugin benchmarks, run by scripts/bench-plugins.sh (never by the tests):
//
//   PluginBench overhead --c-plugin LIB.so [--records N]
//       Dispatch overhead per record through the C ABI: a C plugin that completes at once, and an SDK handler
//       (event JSON decoded into KinesisEvent), batch sizes 1 and 100.
//   PluginBench s3archive --plugin libS3Archive.so --moto URL --video MKV --python PY --blog-handler FILE
//       S3Archive against kvs-local (in process) + moto S3, beside the blog's Python handler (boto3) fed the
//       same records against the same servers. Prints records/s for each and the ratio.

struct NoopHandler: KITPluginHandler {
    static let name = "NoopSDK"
    static let version = "1"
    init(context: PluginInitContext) throws {}
    func handle(_ event: KinesisEvent, context: PluginContext) async throws {
        if event.records.isEmpty { throw CancellationError() }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func quietLogger() -> Logger {
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    return logger
}

func detectionOutput() -> String {
    #"{"prediction":[[0,0.97,0.1,0.2,0.5,0.9],[16,0.61,0.5,0.5,0.7,0.8],[2,0.3,0,0,1,1],[14,0.2,0.1,0.1,0.2,0.2],[57,0.1,0.3,0.3,0.4,0.4]]}"#
}

func kitRecord(stream: String, fragment: String, timeCode: Int, serverMillis: Int64) -> [UInt8] {
    let fragmentMetaData =
        "FragmentMetadata(fragmentNumberString=\(fragment), serverSideTimestampMillis=\(serverMillis), "
        + "producerSideTimestampMillis=\(serverMillis - 613), fragmentNumber=\(fragment), success=true, errorId=0, "
        + "errorCode=null, millisBehindNow=OptionalLong[1000], continuationToken=Optional[\(fragment)])"
    let object: [String: Any] = [
        "streamName": stream, "fragmentMetaData": fragmentMetaData,
        "frameMetaData":
            "Frame(trackNumber=1, timeCode=\(timeCode), keyFrame=true, invisible=false, discardable=false, lacing=NO)",
        "sageMakerOutput": Data(detectionOutput().utf8).base64EncodedString(),
    ]
    return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
}

func record(stream: String, sequence: Int, data: [UInt8]) -> DispatchRecord {
    DispatchRecord(
        streamName: stream, data: data, partitionKey: stream, sequenceNumber: "\(sequence)",
        approximateArrivalTimestamp: Date().timeIntervalSince1970, eventSourceARN: "arn:kit:jsonl:::/bench",
        awsRegion: "us-east-1")
}

// MARK: overhead

func overhead() async throws {
    guard let cPlugin = option("--c-plugin") else { throw BenchError(description: "--c-plugin LIB.so") }
    let count = Int(option("--records") ?? "") ?? 20_000
    let data = kitRecord(
        stream: "bench", fragment: "91343852333181432392682062607743920146264485262", timeCode: 0,
        serverMillis: 1_700_000_000_000)
    let records = (0..<count).map { record(stream: "bench", sequence: $0 + 1, data: data) }
    print("records \(count), record JSON \(data.count) bytes")
    for batchSize in [1, 100] {
        for kind in ["C", "SDK"] {
            let directory = URL(fileURLWithPath: cPlugin).deletingLastPathComponent().path
            let dispatcher = PluginDispatcher(
                configuration: .init(pluginDirectory: kind == "C" ? directory : nil, batchSize: batchSize),
                services: HostServices(
                    transport: try HTTPClient(), credentialProvider: nil, region: "us-east-1", logger: quietLogger()))
            if kind == "C" {
                guard await dispatcher.registry.load().reports.allSatisfy(\.isLoaded) else {
                    throw BenchError(description: "load")
                }
            } else if let descriptor = NoopHandler.export(2) {
                _ = await dispatcher.registry.register(descriptor: descriptor, origin: "bench")
            }
            let (ok, elapsed) = try await dispatcher.withRunning {
                // Warm-up, then the measured run.
                _ = await dispatcher.enqueue(stream: "warm", records: Array(records.prefix(1000))).wait()
                let start = ContinuousClock.now
                let ok = await dispatcher.enqueue(stream: "bench", records: records).wait()
                return (ok, ContinuousClock.now - start)
            }
            let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
            print(
                String(
                    format: "overhead %@ batch %d: %.2f µs/record (%.0f records/s)%@", kind, batchSize,
                    micros / Double(count), Double(count) / (micros / 1e6), ok ? "" : " FAILED"))
        }
    }
}

// MARK: S3Archive vs the blog's handler

func s3archive() async throws {
    guard let plugin = option("--plugin"), let moto = option("--moto"), let video = option("--video"),
        let python = option("--python"), let blog = option("--blog-handler")
    else { throw BenchError(description: "--plugin --moto --video --python --blog-handler") }
    let credentials = StaticCredentialProvider(Credentials(accessKeyId: "AKIDBENCH", secretAccessKey: "secret"))
    let transport = try HTTPClient()
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("kit-bench-kvs-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: data) }
    var configuration = KVSLocalServer.Configuration(dataDirectory: data.path)
    configuration.syncWrites = false
    let server = KVSLocalServer(configuration: configuration, logger: quietLogger())
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        let kvs = try await server.listeningURL()
        try await runArchive(
            kvs: kvs, moto: moto, plugin: plugin, video: video, python: python, blog: blog, transport: transport,
            credentials: credentials)
        group.cancelAll()
    }
    await transport.shutdown()
}

func runArchive(
    kvs: String, moto: String, plugin: String, video: String, python: String, blog: String, transport: HTTPClient,
    credentials: StaticCredentialProvider
) async throws {
    let stream = "bench-cam"
    let kv = try KinesisVideoClient(
        region: "us-east-1", endpoint: kvs, credentialProvider: credentials, transport: transport, environment: [:])
    _ = try await kv.createStream(.init(streamName: stream, dataRetentionInHours: 1))
    let producer = try await kv.mediaClient(for: .name(stream), api: .putMedia)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: video)))
    let body = AsyncStream<[UInt8]> { continuation in
        for start in stride(from: 0, to: bytes.count, by: 65_536) {
            continuation.yield(Array(bytes[start..<min(bytes.count, start + 65_536)]))
        }
        continuation.finish()
    }
    var acks: [PutMediaAck] = []
    try await producer.putMedia(
        PutMediaInput(stream: .name(stream), fragmentTimecodeType: .relative, producerStartTimestamp: Date()),
        fragments: body
    ) { acks.append($0) }
    let fragments = acks.filter { $0.eventType == .persisted }.compactMap(\.fragmentNumber)
    // One record per fragment: what KIT publishes at inferenceInterval = 1 GOP.
    var records: [DispatchRecord] = []
    for (index, fragment) in fragments.enumerated() {
        records.append(
            record(
                stream: stream, sequence: index + 1,
                data: kitRecord(
                    stream: stream, fragment: fragment, timeCode: 0, serverMillis: 1_700_000_000_000 + Int64(index))))
    }
    let s3 = try S3Client(
        region: "us-east-1", endpoint: moto, credentialProvider: credentials, transport: transport, environment: [:])
    try await s3.createBucket("kit-bench-swift")
    try await s3.createBucket("kit-bench-python")

    // S3Archive through the dispatcher, batches of 10 as a Lambda mapping might use.
    let config: [String: Any] = [
        "destination": "s3://kit-bench-swift/", "s3Endpoint": moto, "kinesisVideoEndpoint": kvs,
    ]
    let dispatcher = PluginDispatcher(
        configuration: .init(
            pluginDirectory: URL(fileURLWithPath: plugin).deletingLastPathComponent().path,
            settings: ["S3Archive": .init(configuration: Array(try JSONSerialization.data(withJSONObject: config)))],
            batchSize: 10),
        services: HostServices(
            transport: transport, credentialProvider: credentials, region: "us-east-1", logger: quietLogger()))
    let reports = await dispatcher.registry.load().reports.filter { $0.name == "S3Archive" }
    guard reports.first?.isLoaded == true else { throw BenchError(description: "S3Archive not loaded: \(reports)") }
    let swiftSeconds = try await dispatcher.withRunning {
        let start = ContinuousClock.now
        guard await dispatcher.enqueue(stream: stream, records: records).wait() else {
            throw BenchError(description: "S3Archive delivery failed")
        }
        return (ContinuousClock.now - start).components
    }
    let swiftElapsed = Double(swiftSeconds.seconds) + Double(swiftSeconds.attoseconds) / 1e18
    let swiftObjects = try await s3.listObjectsV2(ListObjectsV2Input(bucket: "kit-bench-swift")).contents.count

    // The blog's handler, in batches of 10, same records, same servers.
    let events = stride(from: 0, to: records.count, by: 10).map { start -> [String: Any] in
        let slice = records[start..<min(records.count, start + 10)]
        return [
            "Records": slice.map { record -> [String: Any] in
                [
                    "kinesis": [
                        "kinesisSchemaVersion": "1.0", "partitionKey": record.partitionKey,
                        "sequenceNumber": record.sequenceNumber,
                        "data": Data(record.data).base64EncodedString(),
                        "approximateArrivalTimestamp": record.approximateArrivalTimestamp,
                    ],
                    "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": record.eventID,
                    "eventName": "aws:kinesis:record", "awsRegion": "us-east-1",
                    "eventSourceARN": record.eventSourceARN, "invokeIdentityArn": "arn:aws:iam::1:role/bench",
                ]
            }
        ]
    }
    let eventsFile = FileManager.default.temporaryDirectory.appendingPathComponent("kit-bench-events.json")
    try JSONSerialization.data(withJSONObject: events).write(to: eventsFile)
    defer { try? FileManager.default.removeItem(at: eventsFile) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [blog, eventsFile.path, "kit-bench-python"]
    process.environment = ProcessInfo.processInfo.environment.merging([
        "AWS_ENDPOINT_URL_S3": moto, "AWS_ENDPOINT_URL_KINESIS_VIDEO": kvs, "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    ]) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0,
        let line = output.split(separator: "\n").last(where: { $0.hasPrefix("python ") }),
        let pythonElapsed = Double(line.split(separator: " ")[1])
    else { throw BenchError(description: "python handler failed: \(output.suffix(2000))") }

    let swiftRate = Double(records.count) / swiftElapsed
    let pythonRate = Double(records.count) / pythonElapsed
    print(
        "fragments \(fragments.count), records \(records.count), \(bytes.count / max(1, fragments.count)) bytes/fragment"
    )
    print(
        String(
            format: "S3Archive (Swift plugin): %.2f s, %.1f records/s, %d objects", swiftElapsed, swiftRate,
            swiftObjects))
    print(String(format: "blog handler (Python, boto3): %.2f s, %.1f records/s", pythonElapsed, pythonRate))
    print(String(format: "ratio S3Archive/blog handler: %.1fx", swiftRate / pythonRate))
}

switch CommandLine.arguments.dropFirst().first {
case "overhead": try await overhead()
case "s3archive": try await s3archive()
default:
    print(
        "usage: PluginBench overhead --c-plugin LIB.so [--records N] | s3archive --plugin … --moto URL --video MKV --python PY --blog-handler FILE"
    )
    exit(2)
}
