import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITMedia
import KITTestSupport
import KITTools
import KVSLocal
import KVSMatroska
import Logging
import Synchronization
import Testing

@testable import KITEngine

/// One stream's pipeline in process, against the project's own KVS and the echo model server: skipping, back-pressure,
/// faults and corrupt media. The lease is a recording checkpointer here (leases have their own tests, and the
/// end-to-end test runs the real ones).
@Suite(.serialized) struct PipelineTests {
    static let haveFFmpeg = TestPaths.tool("ffmpeg") != nil

    final class RecordingCheckpointer: StreamCheckpointing {
        let fragments = Mutex<[String]>([])
        func checkpoint(stream: String, fragment: FragmentMetadata) async throws -> Bool {
            fragments.withLock { $0.append(fragment.fragmentNumber) }
            return true
        }
    }

    struct Run: Sendable {
        var statistics: StreamStatistics
        var resultsText: String
        var lines: [[String: Any]] {
            resultsText.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        var checkpoints: [String]
        var fragmentsPut: [String]
        var model: EchoModelServer
    }

    /// Puts `clip` into a fresh stream, then runs a pipeline from EARLIEST until every fragment is checkpointed.
    static func run(
        clip: URL, skipWhenBehind: Bool, queue: Int = 50, concurrency: Int = 4,
        model: EchoModelServer = EchoModelServer(),
        configureKVS: @escaping @Sendable (KVSLocalServer, String) -> Void = { _, _ in }
    ) async throws -> Run {
        _ = TestMetrics.shared
        return try await withTemporaryDirectory("kit-pipeline") { dir in
            try await model.serve { modelURL in
                try await EndToEnd.withKVS(directory: dir) { server, kvsURL in
                    let transport = try HTTPClient()
                    defer { Task { await transport.shutdown() } }
                    let env = MotoServer.clientEnvironment(moto: "http://127.0.0.1:9", kvs: kvsURL)
                    let control = try KinesisVideoClient(
                        client: AWSClient(
                            service: .kinesisVideo, region: "us-east-1", endpoint: kvsURL,
                            credentialProvider: EnvironmentCredentialProvider(environment: env), transport: transport,
                            environment: env))
                    let stream = "pipe-\(UUID().uuidString.prefix(6))"
                    _ = try await control.createStream(.init(streamName: stream, dataRetentionInHours: 1))
                    let summary = try await KVSProducer(stream: stream, input: .file(clip.path), client: control).run()
                    configureKVS(server, stream)
                    let client = try ContainerModelClient(
                        baseURL: modelURL, transport: transport, configuration: .init(retry: .never, timeout: nil))
                    let scheduler = InferenceScheduler(
                        target: ContainerEndpointTarget(url: modelURL, client: client),
                        configuration: .init(
                            queueSize: queue, concurrency: concurrency, timeout: .seconds(5), maxAttempts: 8,
                            baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)),
                        logger: Logger(label: "test"))
                    let results = dir.appendingPathComponent("results.jsonl")
                    let checkpointer = RecordingCheckpointer()
                    let pipeline = StreamPipeline(
                        stream: stream,
                        settings: .init(
                            inferenceInterval: 1, maxFramesPerSecond: nil, skipWhenBehind: skipWhenBehind,
                            imageFormat: .jpeg, workerId: "test", region: "us-east-1"),
                        control: control, scheduler: scheduler, publisher: try JSONLResultPublisher(path: results.path),
                        dispatcher: nil, checkpointer: checkpointer, logger: Logger(label: "test"))
                    let task = Task { try await pipeline.run(from: .earliest) }
                    let last = summary.fragmentNumbers.last
                    try await waitUntil(timeout: .seconds(120), "the last fragment checkpointed") {
                        checkpointer.fragments.withLock { $0.last } == last
                    }
                    task.cancel()
                    _ = await task.result
                    let text = (try? String(contentsOf: results, encoding: .utf8)) ?? ""
                    return Run(
                        statistics: pipeline.statistics, resultsText: text,
                        checkpoints: checkpointer.fragments.withLock { $0 }, fragmentsPut: summary.fragmentNumbers,
                        model: model)
                }
            }
        }
    }

    static func clip(_ dir: URL, gop: Int = 5, seconds: Int = 3) async throws -> URL {
        let url = dir.appendingPathComponent("clip-\(gop)-\(seconds).mkv")
        if !FileManager.default.fileExists(atPath: url.path) {
            try await EndToEnd.makeClip(url, seconds: seconds, gop: gop)
        }
        return url
    }

    static let clips = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kit-pipeline-clips")

    /// Every fragment is checkpointed, in order, and each only after its records are in the results file.
    @Test(.enabled(if: haveFFmpeg)) func backPressureLosesNothing() async throws {
        try FileManager.default.createDirectory(at: Self.clips, withIntermediateDirectories: true)
        let clip = try await Self.clip(Self.clips)
        let keyFrames = try await EndToEnd.keyFrameMillis(clip).count
        let run = try await Self.run(
            clip: clip, skipWhenBehind: false, queue: 1, concurrency: 1,
            model: EchoModelServer(.init(delay: .milliseconds(30))))
        #expect(run.checkpoints == run.fragmentsPut)
        #expect(run.statistics.eligible == keyFrames && run.statistics.records == keyFrames)
        #expect(run.statistics.skipped == 0 && run.lines.count == keyFrames)
        #expect(Set(run.lines.compactMap { $0["imageSha256"] as? String }) == Set(run.model.answered))
    }

    /// A slow endpoint with skipping on: records + skipped = eligible, and some were skipped.
    @Test(.enabled(if: haveFFmpeg)) func skippingKeepsTheBooks() async throws {
        try FileManager.default.createDirectory(at: Self.clips, withIntermediateDirectories: true)
        let clip = try await Self.clip(Self.clips)
        let keyFrames = try await EndToEnd.keyFrameMillis(clip).count
        let run = try await Self.run(
            clip: clip, skipWhenBehind: true, queue: 1, concurrency: 1,
            model: EchoModelServer(.init(delay: .milliseconds(400))))
        let s = run.statistics
        #expect(s.eligible == keyFrames)
        #expect(s.records + s.skipped == s.eligible, "\(s)")
        #expect(s.skipped > 0 && s.records > 0)
        #expect(run.lines.count == s.records)
        #expect(run.checkpoints == run.fragmentsPut)
    }

    /// GetMedia connections dropped mid-fragment and an endpoint failing every third call: the reader reconnects
    /// from where it was, the calls are retried, nothing is lost or repeated, and the metrics show it.
    @Test(.enabled(if: haveFFmpeg)) func faultsAreRidden() async throws {
        try FileManager.default.createDirectory(at: Self.clips, withIntermediateDirectories: true)
        let clip = try await Self.clip(Self.clips)
        let keyFrames = try await EndToEnd.keyFrameMillis(clip).count
        let model = EchoModelServer(.init(failEvery: 3, failStatus: 503))
        let run = try await Self.run(
            clip: clip, skipWhenBehind: false, model: model,
            configureKVS: { server, stream in
                server.setFaultRule(
                    FaultRule(operations: ["GetMedia"], dropMediaAfterBytes: 50_000), stream: stream)
            })
        #expect(run.statistics.records == keyFrames && run.statistics.skipped == 0)
        let times = run.lines.compactMap { ($0["frameTimestampMillis"] as? NSNumber)?.int64Value }
        #expect(times.count == keyFrames && Set(times).count == keyFrames, "no frame twice, none missing")
        #expect(run.lines.allSatisfy { $0["inferenceError"] == nil })
        #expect(model.failures > 0)
        let stream = run.statistics.stream
        #expect(TestMetrics.shared.total("GetMediaReconnects", matching: [("stream", stream)]) > 0)
        #expect(TestMetrics.shared.total("EndpointErrors", matching: [("stream", stream)]) > 0)
    }

    /// A key frame with garbage in its payload: decoding it fails or yields a picture, either way the stream goes
    /// on and records + skipped = eligible.
    @Test(.enabled(if: haveFFmpeg)) func corruptFramesDoNotStopTheStream() async throws {
        try await withTemporaryDirectory("kit-corrupt") { dir in
            let clip = try await Self.clip(dir)
            var bytes = [UInt8](try Data(contentsOf: clip))
            var parser = MatroskaStreamParser()
            var keyFrameRanges: [Range<Int>] = []
            for event in parser.feed(bytes) + parser.finish() {
                if case .fragment(let fragment) = event {
                    for frame in fragment.frames where frame.keyFrame {
                        keyFrameRanges.append(frame.data.startIndex..<frame.data.endIndex)
                    }
                }
            }
            #expect(keyFrameRanges.count >= 6)
            for range in keyFrameRanges[2...3] {
                for i in range.dropFirst(8) { bytes[i] = UInt8(truncatingIfNeeded: i &* 131) }
            }
            let corrupt = dir.appendingPathComponent("corrupt.mkv")
            try Data(bytes).write(to: corrupt)
            let run = try await Self.run(clip: corrupt, skipWhenBehind: false)
            let s = run.statistics
            #expect(s.eligible == keyFrameRanges.count && s.records + s.skipped == s.eligible, "\(s)")
            #expect(run.checkpoints == run.fragmentsPut)
        }
    }
}
