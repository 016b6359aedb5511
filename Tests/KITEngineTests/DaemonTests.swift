import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITTestSupport
import KITTools
import Logging
import Testing

@testable import KITEngine

/// The daemon in process on one machine with no AWS: SQLite leases, JSONL results, streams found by tags on the
/// project's own KVS (its Resource Groups Tagging API), picked up and dropped while running.
@Suite(.serialized) struct DaemonTests {
    static let haveFFmpeg = TestPaths.tool("ffmpeg") != nil

    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(3)))
    func tagDiscoveryPicksUpAndDropsStreamsWhileRunning() async throws {
        try await withTemporaryDirectory("kit-daemon") { dir in
            let clip = dir.appendingPathComponent("clip.mkv")
            try await EndToEnd.makeClip(clip, seconds: 2, gop: 25)
            let keyFrames = try await EndToEnd.keyFrameMillis(clip).count
            let model = EchoModelServer()
            try await model.serve { modelURL in
                try await EndToEnd.withKVS(directory: dir) { _, kvsURL in
                    var env = MotoServer.clientEnvironment(moto: "http://127.0.0.1:9", kvs: kvsURL)
                    env["AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API"] = kvsURL
                    let transport = try HTTPClient()
                    let credentials = EnvironmentCredentialProvider(environment: env)
                    let control = try KinesisVideoClient(
                        region: "us-east-1", endpoint: kvsURL, credentialProvider: credentials, transport: transport,
                        environment: env)
                    func makeStream(_ name: String, site: String) async throws {
                        _ = try await control.createStream(
                            .init(streamName: name, dataRetentionInHours: 1, tags: ["site": site]))
                        try await KVSProducer(stream: name, input: .file(clip.path), client: control).run()
                    }
                    try await makeStream("lab-1", site: "lab")
                    try await makeStream("office-1", site: "office")
                    var config = try HostConfiguration.load(
                        environment: [:],
                        flags: [
                            "tag-filters": #"[{"key":"site","values":["lab"]}]"#, "inference-url": modelURL,
                            "results-file": dir.appendingPathComponent("results.jsonl").path,
                            "lease-store": "sqlite:" + dir.appendingPathComponent("leases.sqlite").path,
                            "discovery-interval-millis": "1000", "lease-failover-millis": "1500",
                            "start-selector": "EARLIEST", "inference-interval": "1", "region": "us-east-1",
                        ])
                    config.workerId = "daemon-test"
                    let daemon = HostDaemon(
                        configuration: config,
                        dependencies: .init(
                            aws: try AWSClientFactory(
                                region: config.region, transport: transport, credentials: credentials,
                                environment: env, logger: Logger(label: "daemon-test"))),
                        logger: Logger(label: "daemon-test"))
                    let running = Task { try await daemon.run() }
                    defer { running.cancel() }
                    // The tagged stream is found and processed; the other is not.
                    try await waitUntil(timeout: .seconds(60), "lab-1 processed") {
                        await daemon.status().streams.first { $0.stream == "lab-1" }?.records == keyFrames
                    }
                    #expect(await daemon.status().leasesHeld == ["lab-1"])
                    // A stream tagged later is picked up; one whose tag goes is dropped.
                    try await makeStream("lab-2", site: "lab")
                    try await waitUntil(timeout: .seconds(60), "lab-2 processed") {
                        await daemon.status().streams.first { $0.stream == "lab-2" }?.records == keyFrames
                    }
                    let tagging = try await Subprocess.run(
                        TestPaths.python,
                        [
                            "-c",
                            #"""
                            import boto3
                            boto3.client("kinesisvideo").untag_stream(StreamName="lab-1", TagKeyList=["site"])
                            """#,
                        ], environment: env)
                    #expect(tagging.status == 0, "\(tagging.stderrText)")
                    try await waitUntil(timeout: .seconds(60), "lab-1 released") {
                        await daemon.status().leasesHeld == ["lab-2"]
                    }
                    #expect(await !daemon.status().streams.contains { $0.stream == "lab-1" })
                    let lines = try String(
                        contentsOf: dir.appendingPathComponent("results.jsonl"), encoding: .utf8
                    ).split(separator: "\n")
                    #expect(lines.count == 2 * keyFrames)
                    #expect(!lines.contains { $0.contains("office-1") })
                    running.cancel()
                    _ = await running.result
                    await transport.shutdown()
                }
            }
        }
    }

    /// `kithost run` refuses a bad configuration with exit code 2 and a message naming the key.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)))
    func badConfigurationExitsWithTwo() async throws {
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]
        let bad = try await Subprocess.run(
            TestPaths.kithost,
            ["run", "--stream-names", "a", "--inference-url", "http://127.0.0.1:1", "--inference-interval", "zero"],
            environment: env)
        #expect(bad.status == 2)
        #expect(bad.stderrText.contains("inferenceInterval"), "\(bad.stderrText)")
        let missing = try await Subprocess.run(TestPaths.kithost, ["run", "--stream-names", "a"], environment: env)
        #expect(missing.status == 2 && missing.stderrText.contains("sageMakerEndpoint"))
        let printed = try await Subprocess.run(
            TestPaths.kithost,
            ["run", "--stream-names", "a,b", "--inference-url", "http://127.0.0.1:1", "--print-config"],
            environment: env.merging(["KIT_INFERENCE_INTERVAL": "3"]) { $1 })
        #expect(printed.status == 0)
        let object = try JSONSerialization.jsonObject(with: printed.stdout) as? [String: Any]
        #expect(object?["streamNames"] as? [String] == ["a", "b"])
        #expect(object?["inferenceInterval"] as? Int == 3)
    }
}
