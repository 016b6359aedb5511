import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITMedia
import KITPlugins
import KITRecords
import KITTestSupport
import KITTools
import KVSLocal
import KVSMatroska
import Logging
import Synchronization
import Testing

@testable import KITEngine

/// The pipeline's stage guarantees one at a time, against the project's own KVS and the echo model server, with
/// scripted plugins and leases: the reader as a sequence that does not read ahead, the drain, a refused delivery,
/// a lost lease, and the bound on fragments between reader and checkpoint. Every clip fragment is one GOP with
/// one key frame, so each fragment makes exactly one record and one dispatch.
@Suite(.serialized) struct PipelineStageTests {
    static let haveFFmpeg = TestPaths.tool("ffmpeg") != nil

    /// Fragments `dispatch`ed, in order; deliveries wait at a gate while it is shut, and the `refuse`-th (0-based)
    /// is refused.
    final class ScriptedDispatcher: ResultDispatching {
        let dispatched = Mutex<[String]>([])
        let refuse: Int?
        let gate: TestGate

        init(refuse: Int? = nil, gateOpen: Bool = true) {
            self.refuse = refuse
            gate = TestGate(open: gateOpen)
        }

        func dispatch(stream: String, records: [DispatchRecord]) -> @Sendable () async -> Bool {
            let fragment = records.first.flatMap { try? KITRecord(json: $0.data).fragment.fragmentNumber } ?? "?"
            let index = dispatched.withLock { list in
                list.append(fragment)
                return list.count - 1
            }
            let accept = index != refuse
            return { [gate] in
                await gate.wait()
                return accept
            }
        }
    }

    /// Records the fragments checkpointed; the `refuseAt`-th checkpoint (0-based) finds the lease gone.
    final class ScriptedCheckpointer: StreamCheckpointing {
        let fragments = Mutex<[String]>([])
        let calls = Mutex(0)
        let refuseAt: Int?
        init(refuseAt: Int? = nil) { self.refuseAt = refuseAt }

        func checkpoint(stream: String, fragment: FragmentMetadata) async throws -> Bool {
            let call = calls.withLock { calls in
                defer { calls += 1 }
                return calls
            }
            guard call != refuseAt else { return false }
            fragments.withLock { $0.append(fragment.fragmentNumber) }
            return true
        }
        var checkpointed: [String] { fragments.withLock { $0 } }
    }

    struct World: Sendable {
        var control: KinesisVideoClient
        var transport: HTTPClient
        var stream: String
        var fragments: [String]
        var modelURL: String
        var directory: URL
    }

    /// A fresh KVS stream holding a clip of `seconds` with one fragment per `gop` frames, and a model server.
    static func withWorld<T: Sendable>(
        seconds: Int = 3, gop: Int = 5, size: String = "320x240", model: EchoModelServer = EchoModelServer(),
        _ body: @Sendable (World) async throws -> T
    ) async throws -> T {
        _ = TestMetrics.shared
        return try await withTemporaryDirectory("kit-stages") { dir in
            let clip = dir.appendingPathComponent("clip.mkv")
            try await EndToEnd.makeClip(clip, seconds: seconds, gop: gop, size: size)
            return try await model.serve { modelURL in
                try await EndToEnd.withKVS(directory: dir) { _, kvsURL in
                    let transport = try HTTPClient()
                    let env = MotoServer.clientEnvironment(moto: "http://127.0.0.1:9", kvs: kvsURL)
                    let control = try KinesisVideoClient(
                        region: "us-east-1", endpoint: kvsURL,
                        credentialProvider: EnvironmentCredentialProvider(environment: env), transport: transport,
                        environment: env)
                    let stream = "stages-\(UUID().uuidString.prefix(6))"
                    _ = try await control.createStream(.init(streamName: stream, dataRetentionInHours: 1))
                    let summary = try await KVSProducer(stream: stream, input: .file(clip.path), client: control).run()
                    let world = World(
                        control: control, transport: transport, stream: stream, fragments: summary.fragmentNumbers,
                        modelURL: modelURL, directory: dir)
                    do {
                        let result = try await body(world)
                        await transport.shutdown()
                        return result
                    } catch {
                        await transport.shutdown()
                        throw error
                    }
                }
            }
        }
    }

    static func pipeline(
        _ world: World, dispatcher: (any ResultDispatching)?, checkpointer: any StreamCheckpointing,
        maxFragmentsInFlight: Int = 64
    ) throws -> StreamPipeline {
        let client = try ContainerModelClient(
            baseURL: world.modelURL, transport: world.transport, configuration: .init(retry: .never, timeout: nil))
        let scheduler = InferenceScheduler(
            target: ContainerEndpointTarget(url: world.modelURL, client: client),
            configuration: .init(queueSize: 8, concurrency: 2, timeout: .seconds(10)), logger: Logger(label: "test"))
        var settings = StreamPipeline.Settings(
            inferenceInterval: 1, maxFramesPerSecond: nil, skipWhenBehind: false, imageFormat: .jpeg,
            workerId: "stages", region: "us-east-1")
        settings.maxFragmentsInFlight = maxFragmentsInFlight
        return StreamPipeline(
            stream: world.stream, settings: settings, control: world.control, scheduler: scheduler,
            publisher: try JSONLResultPublisher(path: world.directory.appendingPathComponent("results.jsonl").path),
            dispatcher: dispatcher, checkpointer: checkpointer, logger: Logger(label: "test"))
    }

    /// The sequence hands out every fragment in order, and reads nothing while its consumer does not ask: the bytes
    /// it has taken from the transfer stay put between two fragments (the transfer itself then pauses on the
    /// transport's bounded buffer).
    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(3)))
    func theReaderIsASequenceThatDoesNotReadAhead() async throws {
        try await Self.withWorld(seconds: 6, gop: 25, size: "1280x720") { world in
            let dimensions = [("stream", world.stream)]
            let reader = MediaReader(
                stream: world.stream, control: world.control, logger: Logger(label: "test"), dimensions: dimensions)
            func bytesRead() -> Double { TestMetrics.shared.total("BytesRead", matching: dimensions) }
            var seen: [String] = []
            for try await fragment in reader.fragments(from: .earliest) {
                seen.append(fragment.metadata?.fragmentNumber ?? "none")
                if seen.count == 1 {
                    let before = bytesRead()
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(bytesRead() == before, "nothing read while the consumer holds a fragment")
                }
                if seen.count == world.fragments.count { break }
            }
            #expect(seen == world.fragments)
        }
    }

    /// Drained mid-stream, the run returns by itself, and every fragment it read is published and checkpointed,
    /// in order.
    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(3)))
    func aDrainedPipelineCheckpointsWhatItRead() async throws {
        try await Self.withWorld(model: EchoModelServer(.init(delay: .milliseconds(50)))) { world in
            let checkpointer = ScriptedCheckpointer()
            let pipeline = try Self.pipeline(
                world, dispatcher: ScriptedDispatcher(), checkpointer: checkpointer, maxFragmentsInFlight: 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run(from: .earliest) }
                try await waitUntil(timeout: .seconds(120), "a first checkpoint") { !checkpointer.checkpointed.isEmpty }
                pipeline.drain()
                try await group.waitForAll()
            }
            let s = pipeline.statistics
            #expect(checkpointer.checkpointed == Array(world.fragments.prefix(s.fragments)), "\(s)")
            #expect(s.records == s.fragments && s.records + s.skipped == s.eligible)
        }
    }

    /// The plugins refuse the third fragment: it and everything after it stay uncheckpointed, and the run stops.
    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(3)))
    func aRefusedDeliveryIsNeverCheckpointed() async throws {
        try await Self.withWorld { world in
            let checkpointer = ScriptedCheckpointer()
            let dispatcher = ScriptedDispatcher(refuse: 2)
            let pipeline = try Self.pipeline(world, dispatcher: dispatcher, checkpointer: checkpointer)
            await #expect {
                try await pipeline.run(from: .earliest)
            } throws: { error in
                guard case StreamPipeline.StopReason.deliveryFailed(let fragment) = error else { return false }
                return fragment == world.fragments[2]
            }
            #expect(checkpointer.checkpointed == Array(world.fragments.prefix(2)))
            #expect(dispatcher.dispatched.withLock { Array($0.prefix(3)) } == Array(world.fragments.prefix(3)))
        }
    }

    /// The second checkpoint finds the lease gone: the run stops with `leaseLost` and nothing more is checkpointed.
    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(3)))
    func aLostLeaseStopsTheRun() async throws {
        try await Self.withWorld { world in
            let checkpointer = ScriptedCheckpointer(refuseAt: 1)
            let pipeline = try Self.pipeline(world, dispatcher: nil, checkpointer: checkpointer)
            await #expect {
                try await pipeline.run(from: .earliest)
            } throws: { error in
                guard case StreamPipeline.StopReason.leaseLost = error else { return false }
                return true
            }
            #expect(checkpointer.checkpointed == [world.fragments[0]])
            #expect(checkpointer.calls.withLock { $0 } == 2, "no checkpoint after the lease is gone")
        }
    }

    /// While the plugins hold every delivery, at most `maxFragmentsInFlight` fragments are read and published and
    /// none is checkpointed; once they take them, every fragment is checkpointed in order.
    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(3)))
    func heldDeliveriesBoundTheFragmentsInFlight() async throws {
        try await Self.withWorld { world in
            let checkpointer = ScriptedCheckpointer()
            let dispatcher = ScriptedDispatcher(gateOpen: false)
            let pipeline = try Self.pipeline(
                world, dispatcher: dispatcher, checkpointer: checkpointer, maxFragmentsInFlight: 3)
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { dispatcher.gate.open() }
                group.addTask { try await pipeline.run(from: .earliest) }
                try await waitUntil(timeout: .seconds(120), "three fragments published") {
                    dispatcher.dispatched.withLock { $0.count } == 3
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(dispatcher.dispatched.withLock { $0.count } == 3, "no fourth fragment while three are held")
                #expect(pipeline.statistics.fragments == 3)
                #expect(checkpointer.checkpointed.isEmpty)
                dispatcher.gate.open()
                try await waitUntil(timeout: .seconds(120), "every fragment checkpointed") {
                    checkpointer.checkpointed.count == world.fragments.count
                }
                group.cancelAll()
            }
            #expect(checkpointer.checkpointed == world.fragments)
            #expect(dispatcher.dispatched.withLock { $0 } == world.fragments)
        }
    }
}

/// A gate tasks wait at until it is opened (then and afterwards, waiting returns at once).
final class TestGate: Sendable {
    private let state: Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>

    init(open: Bool) { state = Mutex((open, [])) }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resume = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
