import AWSClients
import AWSSigning
import Foundation
import HTTPTransport
import KITTestSupport
import Testing

/// `kithost plugins invoke PLUGIN --event EVENT.json [--config JSON]`: one Lambda Kinesis event (or a dead-letter
/// file) through a plugin loaded as the host loads it, the outcome printed as JSON, exit 0 when every record
/// succeeded and 1 otherwise.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)), .timeLimit(.minutes(3)))
struct InvokeCommandTests {
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["AWS_REGION"] = "us-east-1"
        env["AWS_ACCESS_KEY_ID"] = "AKIDTEST"
        env["AWS_SECRET_ACCESS_KEY"] = "test-secret"
        return env
    }

    /// A Lambda event file holding `records` (KIT record JSON documents).
    static func eventFile(_ records: [[UInt8]], in directory: URL, name: String = "event.json") throws -> URL {
        let entries = records.enumerated().map { index, data -> [String: Any] in
            [
                "kinesis": [
                    "kinesisSchemaVersion": "1.0", "partitionKey": "cam-1", "sequenceNumber": "\(index + 1)",
                    "data": Data(data).base64EncodedString(), "approximateArrivalTimestamp": 1_511_852_109.5,
                ],
                "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": "cam-1:\(index + 1)",
                "eventName": "aws:kinesis:record", "invokeIdentityArn": "arn:kit:iam:::plugin",
                "awsRegion": "us-east-1", "eventSourceARN": "arn:kit:jsonl:::/tmp/results.jsonl",
            ]
        }
        let url = directory.appendingPathComponent(name)
        try JSONSerialization.data(withJSONObject: ["Records": entries]).write(to: url)
        return url
    }

    func invoke(_ arguments: [String]) async throws -> (status: Int32, outcome: [String: Any]?, output: String) {
        let run = try await Subprocess.run(
            TestPaths.kithost, ["plugins", "invoke"] + arguments, environment: Self.environment, timeout: .seconds(120))
        let outcome = try? JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
        return (run.status, outcome, run.stdoutText + run.stderrText)
    }

    @Test func cocoLabelerOnAnEventWithAFourKeyRecordAndAFailedInference() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try LoaderTests.copyBuilt("CocoLabeler", to: plugins)
            // A record as the original Java KIT publishes it (four keys only), and one whose inference failed.
            let event = try Self.eventFile(
                [Records.kitJSON(stream: "cam-1"), FailedRecord.json(stream: "cam-1", timeCode: 480)], in: directory)
            let result = try await invoke([
                plugins.appendingPathComponent("libCocoLabeler.so").path, "--event", event.path, "--config",
                #"{"threshold":0.5}"#,
            ])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.outcome?["plugin"] as? String == "CocoLabeler")
            #expect(result.outcome?["outcome"] as? String == "ok")
            #expect(result.outcome?["records"] as? Int == 2)
            #expect((result.outcome?["batchItemFailures"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func s3ArchiveToAFileDestinationFailsWithTheReasonWhenKVSIsUnreachable() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try LoaderTests.copyBuilt("S3Archive", to: plugins)
            let event = try Self.eventFile([Records.kitJSON(stream: "cam-1")], in: directory)
            let config =
                #"{"destination":"file://\#(directory.path)/archive/","kinesisVideoEndpoint":"http://127.0.0.1:9"}"#
            let result = try await invoke([plugins.path, "--event", event.path, "--config", config])
            #expect(result.status == 1, "\(result.output)")
            #expect(result.outcome?["outcome"] as? String == "failed")
            #expect((result.outcome?["error"] as? String)?.contains("connectFailed") == true, "\(result.output)")
        }
    }

    @Test func aMisspelledConfigurationKeyIsRefusedBeforeAnyRecordIsTouched() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try LoaderTests.copyBuilt("S3Archive", to: plugins)
            let event = try Self.eventFile([Records.kitJSON(stream: "cam-1")], in: directory)
            let result = try await invoke([
                plugins.appendingPathComponent("libS3Archive.so").path, "--event", event.path, "--config",
                #"{"destination":"file:///tmp/x/","regoin":"eu-west-1"}"#,
            ])
            #expect(result.status == 2, "\(result.output)")
            #expect(result.output.contains("unknown configuration key regoin"), "\(result.output)")
        }
    }

    @Test(.enabled(if: TestPaths.haveFFmpeg))
    func s3ArchiveArchivesToAFileDestinationAndReplaysADeadLetter() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try LoaderTests.copyBuilt("S3Archive", to: plugins)
            let video = directory.appendingPathComponent("in.mkv")
            try await S3ArchiveTests.makeVideo(at: video, seconds: 2)
            let bytes = [UInt8](try Data(contentsOf: video))
            let transport = try HTTPClient()
            do {
                try await archiveAndReplay(plugins: plugins, bytes: bytes, transport: transport, directory: directory)
            } catch {
                await transport.shutdown()
                throw error
            }
            await transport.shutdown()
        }
    }

    func archiveAndReplay(plugins: URL, bytes: [UInt8], transport: HTTPClient, directory: URL) async throws {
        try await withKVSServer(dataDirectory: directory.appendingPathComponent("kvs")) { _, kvs in
            let kv = try KinesisVideoClient(
                region: "us-east-1", endpoint: kvs, credentialProvider: S3ArchiveTests.credentials,
                transport: transport, environment: [:])
            let fragments = try await S3ArchiveTests.putFragments(bytes, stream: "cam-1", kv: kv)
            try #require(fragments.count == 2)
            let archive = directory.appendingPathComponent("archive")
            let config = #"{"destination":"file://\#(archive.path)/","kinesisVideoEndpoint":"\#(kvs)"}"#
            // KIT's four keys only, as the Java KIT publishes.
            let event = try Self.eventFile(
                [Records.kitJSON(stream: "cam-1", fragment: fragments[0], serverMillis: S3ArchiveTests.serverMillis)],
                in: directory)
            let result = try await invoke([plugins.path, "--event", event.path, "--config", config])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.outcome?["outcome"] as? String == "ok")
            let day = archive.appendingPathComponent("cam-1/2023/11/14")
            #expect(FileManager.default.fileExists(atPath: day.appendingPathComponent("\(fragments[0]).webm").path))
            // A dead-letter file is an event too: its `event` is replayed.
            let replay = try Self.eventFile(
                [Records.kitJSON(stream: "cam-1", fragment: fragments[1], serverMillis: S3ArchiveTests.serverMillis)],
                in: directory, name: "inner.json")
            let inner = try JSONSerialization.jsonObject(with: Data(contentsOf: replay))
            let letter = directory.appendingPathComponent("dead-letter.json")
            try JSONSerialization.data(withJSONObject: ["plugin": "S3Archive", "reason": "error", "event": inner])
                .write(to: letter)
            let replayed = try await invoke([plugins.path, "--event", letter.path, "--config", config])
            #expect(replayed.status == 0, "\(replayed.output)")
            #expect(FileManager.default.fileExists(atPath: day.appendingPathComponent("\(fragments[1]).webm").path))
        }
    }
}
