import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITPlugins
import KITTestSupport
import Logging
import PluginAPI
import PluginTesting
import Testing

/// S3Archive end to end on loopback: fragments put into kvs-local (in process) with AWSClients' PutMedia, records
/// dispatched to the built `libS3Archive.so`, objects written to moto S3 and to a `file://` directory. Every
/// `.webm` must equal what GetMediaForFragmentList returns for its fragment, byte for byte, and every `.txt` must
/// be the record's detections document (the blog's keys plus the record's typed ones, a failed inference's error,
/// status and body included).
@Suite(.enabled(if: TestPaths.havePython && TestPaths.haveFFmpeg), .timeLimit(.minutes(4)))
struct S3ArchiveTests {
    static let credentials = StaticCredentialProvider(Credentials(accessKeyId: "AKIDKIT", secretAccessKey: "secret"))
    static let serverMillis: Int64 = 1_700_000_123_456  // 2023-11-14 UTC

    static func makeVideo(at url: URL, seconds: Int) async throws {
        let ffmpeg = try #require(TestPaths.tool("ffmpeg"))
        let result = try await runProgram(
            ffmpeg,
            [
                "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t",
                "\(seconds)", "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-f",
                "matroska",
                "-cluster_time_limit", "100000", "-cluster_size_limit", "10000000", url.path,
            ])
        guard result.status == 0 else { throw TestFailure("ffmpeg: \(result.output)") }
    }

    /// Puts `bytes` to a new stream; returns the persisted fragment numbers.
    static func putFragments(_ bytes: [UInt8], stream: String, kv: KinesisVideoClient) async throws -> [String] {
        _ = try await kv.createStream(.init(streamName: stream, dataRetentionInHours: 1))
        let producer = try await kv.mediaClient(for: .name(stream), api: .putMedia)
        let body = AsyncStream<[UInt8]> { continuation in
            for start in stride(from: 0, to: bytes.count, by: 65_536) {
                continuation.yield(Array(bytes[start..<min(bytes.count, start + 65_536)]))
            }
            continuation.finish()
        }
        var acks: [PutMediaAck] = []
        try await producer.putMedia(
            PutMediaInput(
                stream: .name(stream), fragmentTimecodeType: .relative,
                producerStartTimestamp: Date(timeIntervalSince1970: 1_700_000_100)),
            fragments: body
        ) { acks.append($0) }
        return acks.filter { $0.eventType == .persisted }.compactMap(\.fragmentNumber)
    }

    @Test func archivesFragmentsAndDetectionsToMotoS3AndToADirectory() async throws {
        try await withTemporaryDirectory { directory in
            let video = directory.appendingPathComponent("in.mkv")
            try await Self.makeVideo(at: video, seconds: 3)
            let bytes = [UInt8](try Data(contentsOf: video))
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try LoaderTests.copyBuilt("S3Archive", to: plugins)
            let moto = try await MotoServer.shared.endpoint()
            let transport = try HTTPClient()
            do {
                try await withKVSServer(dataDirectory: directory.appendingPathComponent("kvs")) { _, kvsURL in
                    try await Self.check(
                        kvsURL: kvsURL, motoURL: moto, transport: transport, bytes: bytes, plugins: plugins,
                        directory: directory)
                }
            } catch {
                await transport.shutdown()
                throw error
            }
            await transport.shutdown()
        }
    }

    static func check(
        kvsURL: String, motoURL: String, transport: HTTPClient, bytes: [UInt8], plugins: URL, directory: URL
    ) async throws {
        let stream = "archive-cam"
        let kv = try KinesisVideoClient(
            region: "us-east-1", endpoint: kvsURL, credentialProvider: credentials, transport: transport,
            environment: [:])
        let fragments = try await putFragments(bytes, stream: stream, kv: kv)
        try #require(fragments.count == 3)
        let s3 = try S3Client(
            region: "us-east-1", endpoint: motoURL, credentialProvider: credentials, transport: transport,
            environment: [:])
        try await s3.createBucket("kit-archive")

        // Two records (two sampled frames) per fragment, as the host publishes them.
        var records: [DispatchRecord] = []
        for (index, fragment) in fragments.enumerated() {
            for timeCode in [0, 480] {
                let data = Records.kitJSON(
                    stream: stream, fragment: fragment, timeCode: timeCode, serverMillis: serverMillis + Int64(index))
                records.append(
                    DispatchRecord(
                        streamName: stream, data: data, partitionKey: stream, sequenceNumber: "\(records.count + 1)",
                        approximateArrivalTimestamp: 1_700_000_124,
                        eventSourceARN: "arn:aws:kinesis:us-east-1:1:stream/kit",
                        awsRegion: "us-east-1"))
            }
        }
        // A frame of the first fragment whose inference failed for good.
        let failedServerMillis = serverMillis
        records.append(
            DispatchRecord(
                streamName: stream,
                data: FailedRecord.json(
                    stream: stream, fragment: fragments[0], timeCode: 960, serverMillis: failedServerMillis),
                partitionKey: stream, sequenceNumber: "\(records.count + 1)",
                approximateArrivalTimestamp: 1_700_000_124,
                eventSourceARN: "arn:aws:kinesis:us-east-1:1:stream/kit", awsRegion: "us-east-1"))
        let archiveDirectory = directory.appendingPathComponent("archive")
        let destinations = ["s3://kit-archive/runs/", "file://\(archiveDirectory.path)/"]
        for destination in destinations {
            let config: [String: Any] = [
                "destination": destination, "s3Endpoint": motoURL, "kinesisVideoEndpoint": kvsURL,
            ]
            let logs = TestLogs()
            let dispatcher = PluginDispatcher(
                configuration: .init(
                    pluginDirectory: plugins.path,
                    settings: [
                        "S3Archive": .init(configuration: Array(try JSONSerialization.data(withJSONObject: config)))
                    ],
                    batchSize: 4, deadline: .seconds(60),
                    deadLetter: .directory(directory.appendingPathComponent("dead-letter").path)),
                services: HostServices(
                    transport: transport, credentialProvider: credentials, region: "us-east-1",
                    logger: logs.logger()))
            let reports = await dispatcher.registry.load().reports
            try #require(reports.allSatisfy { $0.isLoaded }, "\(reports)")
            try await dispatcher.withRunning {
                #expect(await dispatcher.enqueue(stream: stream, records: records).wait())
            }
            #expect(
                !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dead-letter").path),
                "\(logs.all.filter { $0.level >= .warning }.map(\.message))")
            #expect(!logs.messages(containing: "Detection details and fragment stored in").isEmpty)
        }

        let archive = try await kv.archivedMediaClient(for: .name(stream), api: .getMediaForFragmentList)
        for (index, fragment) in fragments.enumerated() {
            let media = try await archive.getMediaForFragmentList(.name(stream), fragments: [fragment])
            var expected: [UInt8] = []
            for try await chunk in media.payload { expected.append(contentsOf: chunk) }
            #expect(expected.count > 1000)
            let base = "archive-cam/2023/11/14/\(fragment)"
            let webm = try await s3.getObject(bucket: "kit-archive", key: "runs/\(base).webm")
            #expect(webm.body == expected, "S3 .webm of fragment \(index) equals GetMediaForFragmentList")
            #expect(
                [UInt8](try Data(contentsOf: archiveDirectory.appendingPathComponent("\(base).webm"))) == expected)
            for (offset, timeCode) in [0, 480].enumerated() {
                let record = records[index * 2 + offset]
                let text = try await s3.getObject(bucket: "kit-archive", key: "runs/\(base)-\(timeCode).txt")
                let document = try #require(try JSONSerialization.jsonObject(with: Data(text.body)) as? [String: Any])
                let original = try #require(try JSONSerialization.jsonObject(with: Data(record.data)) as? [String: Any])
                #expect(document["StreamName"] as? String == stream)
                #expect(document["fragmentMetaData"] as? String == original["fragmentMetaData"] as? String)
                #expect(document["frameMetaData"] as? String == original["frameMetaData"] as? String)
                let output = try #require(document["sageMakerOutput"] as? [String: Any])
                let expectedOutput =
                    try JSONSerialization.jsonObject(with: Data(Records.detection.utf8)) as? [String: Any]
                #expect(NSDictionary(dictionary: output).isEqual(to: expectedOutput ?? [:]))
                let local = try Data(contentsOf: archiveDirectory.appendingPathComponent("\(base)-\(timeCode).txt"))
                #expect([UInt8](local) == text.body)
            }
        }
        try await checkFailedRecord(
            s3: s3, key: "runs/archive-cam/2023/11/14/\(fragments[0])-960.txt", stream: stream,
            expected: FailedRecord.record(
                stream: stream, fragment: fragments[0], timeCode: 960, serverMillis: failedServerMillis))
        // Once per fragment: three .webm objects, seven .txt.
        let listed = try await s3.listObjectsV2(ListObjectsV2Input(bucket: "kit-archive", prefix: "runs/"))
        let keys = listed.contents.map(\.key)
        #expect(keys.filter { $0.hasSuffix(".webm") }.count == 3)
        #expect(keys.filter { $0.hasSuffix(".txt") }.count == 7)
    }

    /// The `.txt` of a failed inference: the blog's four keys, and beside them the typed ones — the error with its
    /// status and body, the attempts, the typed timestamps, the image's metadata.
    static func checkFailedRecord(s3: S3Client, key: String, stream: String, expected: KITRecord) async throws {
        let text = try await s3.getObject(bucket: "kit-archive", key: key)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.body)) as? [String: Any])
        func int64(_ key: String) -> Int64? { (document[key] as? NSNumber)?.int64Value }
        #expect(document["StreamName"] as? String == stream)
        #expect(document["fragmentMetaData"] as? String == expected.fragmentMetaData)
        #expect(document["frameMetaData"] as? String == expected.frameMetaData)
        #expect(document["sageMakerOutput"] as? String == "", "a failed inference has no output")
        #expect(document["inferenceError"] as? String == FailedRecord.message)
        #expect(document["inferenceErrorStatus"] as? Int == 503)
        #expect(document["inferenceErrorBody"] as? String == FailedRecord.body)
        #expect(document["inferenceErrorBodyTruncated"] == nil)
        #expect(document["attempts"] as? Int == 8)
        #expect(document["endpointLatencyMillis"] as? Double == 2500.25)
        #expect(document["fragmentNumber"] as? String == expected.fragment.fragmentNumber)
        #expect(int64("serverTimestampMillis") == expected.fragment.serverTimestampMillis)
        #expect(int64("producerTimestampMillis") == expected.fragment.producerTimestampMillis)
        #expect(document["frameTimecode"] as? Int == 960)
        #expect(int64("frameTimestampMillis") == expected.frameTimestampMillis)
        #expect(document["imageContentType"] as? String == "image/jpeg")
        #expect(document["imageBytes"] as? Int == 4321)
        #expect(document["imageSha256"] as? String == String(repeating: "cd", count: 32))
        #expect(document["width"] as? Int == 320 && document["height"] as? Int == 240)
        #expect(document["workerId"] as? String == "worker-a")
        #expect(document["streamName"] == nil, "the blog's StreamName, not the record's streamName")
    }

    /// A transport failure inside the plugin (its HTTP goes through the host's `http_send`) comes back across the
    /// ABI as an error with the transport's reason, and the record is dead-lettered with it.
    @Test func unreachableServicesFailTheRecordWithTheTransportsReason() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try LoaderTests.copyBuilt("S3Archive", to: plugins)
            let closed = "http://127.0.0.1:9"  // discard port: nothing listens
            let config =
                #"{"destination":"s3://nowhere/","s3Endpoint":"\#(closed)","kinesisVideoEndpoint":"\#(closed)"}"#
            let transport = try HTTPClient()
            let dispatcher = PluginDispatcher(
                configuration: .init(
                    pluginDirectory: plugins.path,
                    settings: ["S3Archive": .init(configuration: Array(config.utf8))],
                    maxRetries: 0,
                    deadLetter: .directory(directory.appendingPathComponent("dead-letter").path)),
                services: HostServices(
                    transport: transport, credentialProvider: Self.credentials, region: "us-east-1",
                    logger: TestLogs().logger()))
            #expect(await dispatcher.registry.load().reports.allSatisfy { $0.isLoaded })
            let record = Records.make(stream: "cam-x", sequence: 1)
            try await dispatcher.withRunning {
                #expect(await dispatcher.enqueue(stream: "cam-x", records: [record]).wait())
            }
            await transport.shutdown()
            let letters = try DispatcherTests.deadLetters(directory)
            try #require(letters.count == 1)
            let error = letters[0]["error"] as? String ?? ""
            #expect(error.contains("S3.HeadObject"), "\(error)")
            #expect(error.contains("connectFailed"), "the host transport's code crossed the ABI: \(error)")
        }
    }

    /// Dead letters can go to S3 as well.
    @Test func deadLettersGoToS3() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try await CPlugins.build("fails", name: "Fails", mode: .fails, in: plugins)
            let moto = try await MotoServer.shared.endpoint()
            let transport = try HTTPClient()
            let s3 = try S3Client(
                region: "us-east-1", endpoint: moto, credentialProvider: Self.credentials, transport: transport,
                environment: [:])
            do {
                try await s3.createBucket("kit-dlq")
                let dispatcher = PluginDispatcher(
                    configuration: .init(
                        pluginDirectory: plugins.path, maxRetries: 0,
                        deadLetter: .s3(bucket: "kit-dlq", prefix: "failed/", endpoint: moto)),
                    services: HostServices(
                        transport: transport, credentialProvider: Self.credentials, region: "us-east-1",
                        logger: TestLogs().logger()))
                #expect(await dispatcher.registry.load().reports.allSatisfy { $0.isLoaded })
                try await dispatcher.withRunning {
                    #expect(
                        await dispatcher.enqueue(stream: "cam-9", records: [Records.make(stream: "cam-9", sequence: 7)])
                            .wait())
                }
                let listed = try await s3.listObjectsV2(
                    ListObjectsV2Input(bucket: "kit-dlq", prefix: "failed/Fails/cam-9/"))
                try #require(listed.contents.count == 1)
                let object = try await s3.getObject(bucket: "kit-dlq", key: listed.contents[0].key)
                let letter = try JSONSerialization.jsonObject(with: Data(object.body)) as? [String: Any]
                #expect(letter?["sequenceNumbers"] as? [String] == ["7"])
                #expect((letter?["error"] as? String)?.contains("boom") == true)
            } catch {
                await transport.shutdown()
                throw error
            }
            await transport.shutdown()
        }
    }
}
