import AWSSigning
import Foundation
import HTTPTransport
import KITTestSupport
import KVSLocal
import Logging
import PluginTesting
import S3Archive
import Testing

/// S3Archive's own tests, written the way a plugin author writes them: the handler in process through
/// `PluginHarness`, its AWS clients pointed at a local Kinesis Video Streams (`KVSLocal`, in process), archiving to
/// a `file://` destination.
@Suite(.enabled(if: TestPaths.tool("ffmpeg") != nil), .timeLimit(.minutes(3)))
struct S3ArchivePluginTests {
    @Test func archivesTheFragmentAndTheRecordOfAFailedInferenceWithItsTypedFields() async throws {
        try await withLocalKVS { kvs, fragments, directory in
            let archive = directory.appendingPathComponent("archive")
            let plugin = try await PluginHarness(
                S3ArchiveHandler.export, configuration: #"{"destination":"file://\#(archive.path)/"}"#,
                services: .local(endpoint: kvs))
            let failed = KITRecord.test(
                stream: "harness-cam", fragmentNumber: fragments[0], serverTimestampMillis: 1_700_000_123_456,
                inferenceError: "AWSError(service, SageMakerRuntime.InvokeEndpoint, ModelError, HTTP 424)",
                errorStatus: 424, errorBody: #"{"ErrorCode":"CLIENT_ERROR_FROM_MODEL"}"#, attempts: 1)
            let ok = KITRecord.test(
                stream: "harness-cam", fragmentNumber: fragments[1], serverTimestampMillis: 1_700_000_124_456)
            let response = try await plugin.invoke([failed, ok])
            #expect(response.isSuccess)
            let day = archive.appendingPathComponent("harness-cam/2023/11/14")
            let webm = try Data(contentsOf: day.appendingPathComponent("\(fragments[0]).webm"))
            #expect(webm.starts(with: [0x1A, 0x45, 0xDF, 0xA3]), "a Matroska document")
            let text = try Data(contentsOf: day.appendingPathComponent("\(fragments[0])-0.txt"))
            let document = try #require(try JSONSerialization.jsonObject(with: text) as? [String: Any])
            #expect(document["StreamName"] as? String == "harness-cam")
            #expect(document["inferenceError"] as? String == failed.inference.failure?.message)
            #expect(document["inferenceErrorStatus"] as? Int == 424)
            #expect((document["inferenceErrorBody"] as? String)?.contains("CLIENT_ERROR_FROM_MODEL") == true)
            #expect(document["attempts"] as? Int == 1)
            #expect(document["frameTimestampMillis"] as? Int64 == failed.frameTimestampMillis)
            #expect(!plugin.logs.messages(containing: "Detection details and fragment stored in").isEmpty)
        }
    }

    @Test func aRecordWithOnlyKITsFourKeysIsArchivedToo() async throws {
        try await withLocalKVS { kvs, fragments, directory in
            let archive = directory.appendingPathComponent("archive")
            let plugin = try await PluginHarness(
                S3ArchiveHandler.export, configuration: #"{"destination":"file://\#(archive.path)/"}"#,
                services: .local(endpoint: kvs))
            let record = KITRecord.test(
                stream: "harness-cam", fragmentNumber: fragments[0], serverTimestampMillis: 1_700_000_123_456)
            #expect(try await plugin.invoke(TestEvents.fourKeyEvent([record])).isSuccess)
            let day = archive.appendingPathComponent("harness-cam/2023/11/14")
            #expect(FileManager.default.fileExists(atPath: day.appendingPathComponent("\(fragments[0]).webm").path))
            #expect(FileManager.default.fileExists(atPath: day.appendingPathComponent("\(fragments[0])-0.txt").path))
        }
    }

    @Test func aMisspelledConfigurationKeyIsNamed() async throws {
        await #expect(throws: PluginConfigurationError.self) {
            _ = try await PluginHarness(S3ArchiveHandler.export, configuration: #"{"bucket":"b"}"#)
        }
        do {
            _ = try await PluginHarness(
                S3ArchiveHandler.export, configuration: #"{"destination":"file:///tmp/x/","concurency":2}"#)
            Issue.record("the typo was accepted")
        } catch let error as PluginConfigurationError {
            #expect(error.code == .unknownKey && error.key == "concurency", "\(error)")
        }
    }

    /// A local KVS (in process, port 0) holding two fragments of a generated clip, for the duration of `body`.
    func withLocalKVS(_ body: (String, [String], URL) async throws -> Void) async throws {
        try await withTemporaryDirectory("kit-s3archive") { directory in
            let clip = directory.appendingPathComponent("clip.mkv")
            try await makeClip(clip)
            var configuration = KVSLocalServer.Configuration(
                dataDirectory: directory.appendingPathComponent("kvs").path)
            configuration.syncWrites = false
            var logger = Logger(label: "kvs-local")
            logger.logLevel = .critical
            let server = KVSLocalServer(configuration: configuration, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                defer { group.cancelAll() }
                let url = try await server.listeningURL()
                let fragments = try await put(clip, to: url)
                try #require(fragments.count >= 2, "\(fragments)")
                try await body(url, fragments, directory)
            }
        }
    }

    func put(_ clip: URL, to kvs: String) async throws -> [String] {
        let transport = try HTTPClient()
        let credentials = StaticCredentialProvider(Credentials(accessKeyId: "AKIDTEST", secretAccessKey: "secret"))
        let kv = try KinesisVideoClient(
            region: "us-east-1", endpoint: kvs, credentialProvider: credentials, transport: transport,
            environment: [:])
        _ = try await kv.createStream(.init(streamName: "harness-cam", dataRetentionInHours: 1))
        let producer = try await kv.mediaClient(for: .name("harness-cam"), api: .putMedia)
        let bytes = [UInt8](try Data(contentsOf: clip))
        let body = AsyncStream<[UInt8]> { continuation in
            continuation.yield(bytes)
            continuation.finish()
        }
        var acks: [PutMediaAck] = []
        try await producer.putMedia(
            PutMediaInput(
                stream: .name("harness-cam"), fragmentTimecodeType: .relative,
                producerStartTimestamp: Date(timeIntervalSince1970: 1_700_000_100)),
            fragments: body
        ) { acks.append($0) }
        await transport.shutdown()
        return acks.filter { $0.eventType == .persisted }.compactMap(\.fragmentNumber)
    }

    func makeClip(_ url: URL) async throws {
        let ffmpeg = try #require(TestPaths.tool("ffmpeg"))
        let result = try await Subprocess.run(
            ffmpeg,
            [
                "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2",
                "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-f", "matroska",
                "-cluster_time_limit", "100000", "-cluster_size_limit", "10000000", url.path,
            ])
        guard result.status == 0 else { throw TestFailure("ffmpeg: \(result.stderrText)") }
    }
}
