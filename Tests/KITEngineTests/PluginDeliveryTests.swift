import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITLeases
import KITPlugins
import KITTestSupport
import KITTools
import Logging
import PluginAPI
import ServiceLifecycle
import Synchronization
import Testing

@testable import KITEngine

/// Partial batch failures through the whole engine: a real pipeline (KVS, inference, JSONL results, SQLite
/// leases) hands ten records, one per fragment, to an SDK handler in one batch; the handler takes records 1–3 and
/// reports record 4 as failed. Records 1–3 must be delivered once and 4–10 again, and while record 4 is not
/// delivered the lease table's checkpoint must never pass fragment 3.
@Suite(.serialized) struct PluginDeliveryTests {
    static let haveFFmpeg = TestPaths.tool("ffmpeg") != nil

    @Test(.enabled(if: haveFFmpeg), .timeLimit(.minutes(4)))
    func aPartialFailureIsRedeliveredAndNeverCheckpointedPast() async throws {
        try await withTemporaryDirectory("kit-partial") { dir in
            let clip = dir.appendingPathComponent("clip.mkv")
            try await EndToEnd.makeClip(clip, seconds: 10, gop: 25)
            let model = EchoModelServer()
            let probe = GateProbe.make()
            try await model.serve { modelURL in
                try await EndToEnd.withKVS(directory: dir) { _, kvsURL in
                    let env = MotoServer.clientEnvironment(moto: "http://127.0.0.1:9", kvs: kvsURL)
                    let transport = try HTTPClient()
                    let credentials = EnvironmentCredentialProvider(environment: env)
                    let control = try KinesisVideoClient(
                        region: "us-east-1", endpoint: kvsURL, credentialProvider: credentials, transport: transport,
                        environment: env)
                    _ = try await control.createStream(.init(streamName: "partial-cam", dataRetentionInHours: 1))
                    try await KVSProducer(stream: "partial-cam", input: .file(clip.path), client: control).run()
                    let fragments = try await EndToEnd(kvs: kvsURL, moto: "", model: modelURL, directory: dir)
                        .fragmentNumbers("partial-cam")
                    try #require(fragments.count == 10, "one fragment per GOP: \(fragments.count)")
                    let leasePath = dir.appendingPathComponent("leases.sqlite").path
                    var config = try HostConfiguration.load(
                        environment: [:],
                        flags: [
                            "stream-names": "partial-cam", "inference-url": modelURL,
                            "results-file": dir.appendingPathComponent("results.jsonl").path,
                            "lease-store": "sqlite:" + leasePath, "start-selector": "EARLIEST",
                            "inference-interval": "1", "region": "us-east-1",
                        ])
                    config.workerId = "partial-test"
                    let dispatcher = PluginDispatcher(
                        configuration: .init(
                            pluginDirectory: nil,
                            settings: ["GatedPartial": .init(configuration: Array(#"{"probe":"\#(probe.id)"}"#.utf8))],
                            // A full batch goes at once: the ten records make exactly one batch.
                            batchSize: 10, batchWindow: .seconds(120), maxRetries: 5,
                            retryBackoff: .milliseconds(10),
                            deadLetter: .directory(dir.appendingPathComponent("dead").path)),
                        services: HostServices(
                            transport: transport, credentialProvider: nil, region: "us-east-1",
                            logger: Logger(label: "partial-test")))
                    let report = await dispatcher.registry.register(
                        descriptor: try #require(GatedPartialHandler.export(2)), origin: "test")
                    try #require(report.isLoaded, "\(report)")
                    let daemon = HostDaemon(
                        configuration: config,
                        dependencies: .init(
                            aws: try AWSClientFactory(
                                region: config.region, transport: transport, credentials: credentials,
                                environment: env, logger: Logger(label: "partial-test")),
                            dispatcher: dispatcher),
                        logger: Logger(label: "partial-test"))
                    let group = ServiceGroup(
                        configuration: .init(
                            services: [.init(service: dispatcher), .init(service: daemon)],
                            gracefulShutdownSignals: [], cancellationSignals: [], logger: Logger(label: "partial")))
                    let store = SQLiteLeaseStore(path: leasePath)
                    func checkpoint() async throws -> String? {
                        try await store.list().first { $0.key == "partial-cam" }?.checkpoint?.fragmentNumber
                    }
                    try await withThrowingTaskGroup(of: Void.self) { tasks in
                        tasks.addTask { try await group.run() }
                        // The redelivery of 4–10 is held at the gate: record 4 is not delivered yet.
                        try await waitUntil(timeout: .seconds(120), "the re-delivery of records 4–10") {
                            probe.held
                        }
                        // Records 1–3 are taken: their fragments get checkpointed, and nothing past them.
                        try await waitUntil(timeout: .seconds(60), "fragment 3 checkpointed") {
                            try await checkpoint() == fragments[2]
                        }
                        for _ in 0..<5 {
                            let now = try await checkpoint()
                            #expect(now == fragments[2], "never past the undelivered record 4: \(now ?? "none")")
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        probe.open()
                        try await waitUntil(timeout: .seconds(60), "every fragment checkpointed") {
                            try await checkpoint() == fragments[9]
                        }
                        await group.triggerGracefulShutdown()
                        try await tasks.waitForAll()
                    }
                    await transport.shutdown()
                    let attempts = probe.attempts.withLock { $0 }
                    #expect(attempts.first?.count == 10, "one batch of ten: \(attempts)")
                    #expect(attempts.count == 2, "\(attempts)")
                    #expect(attempts.last == Array(attempts.first?.dropFirst(3) ?? []), "4–10 re-delivered")
                    let taken = probe.taken.withLock { $0 }
                    #expect(taken.count == 10 && Set(taken).count == 10, "each record taken exactly once: \(taken)")
                }
            }
        }
    }
}

/// What ``GatedPartialHandler`` saw, and the gate its second invocation waits at.
final class GateProbe: Sendable {
    private static let registry = Mutex<[String: GateProbe]>([:])
    let id = UUID().uuidString
    let attempts = Mutex<[[String]]>([])
    let taken = Mutex<[String]>([])
    private let gate = Mutex<(held: Bool, open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, false, nil))

    static func make() -> GateProbe {
        let probe = GateProbe()
        registry.withLock { $0[probe.id] = probe }
        return probe
    }

    static func find(_ id: String) -> GateProbe? { registry.withLock { $0[id] } }

    var held: Bool { gate.withLock { $0.held } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resume = gate.withLock { gate -> Bool in
                gate.held = true
                if gate.open { return true }
                gate.waiter = continuation
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiter = gate.withLock { gate -> CheckedContinuation<Void, Never>? in
            gate.open = true
            defer { gate.waiter = nil }
            return gate.waiter
        }
        waiter?.resume()
    }
}

/// First invocation: takes records 1–3 and reports record 4 as failed. Second: waits at the gate, then takes all.
struct GatedPartialHandler: KITPluginHandler {
    static let name = "GatedPartial"
    static let version = "1.0-test"
    struct Configuration: Decodable { var probe: String }
    let probe: GateProbe

    init(context: PluginInitContext) async throws {
        let configuration = try context.configuration.decode(Configuration.self)
        guard let probe = GateProbe.find(configuration.probe) else { throw TestFailure("unknown probe") }
        self.probe = probe
    }

    func handle(_ event: KinesisEvent, context: PluginContext) async throws -> KinesisBatchResponse {
        let sequence = event.records.map(\.kinesis.sequenceNumber)
        let invocation = probe.attempts.withLock { attempts -> Int in
            attempts.append(sequence)
            return attempts.count
        }
        if invocation == 1, event.records.count >= 4 {
            probe.taken.withLock { $0 += sequence.prefix(3) }
            return .failure(from: event.records[3])
        }
        if invocation == 2 { await probe.wait() }
        probe.taken.withLock { $0 += sequence }
        return .success
    }
}
