import Foundation
import KITTestSupport
import KVSLocal
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Live tailing, restarts, retention, quotas and injected faults.
@Suite(.enabled(if: TestPaths.havePython && TestPaths.haveMediaTools), .timeLimit(.minutes(5)))
struct SessionTests {
    static let start = 1_700_000_000.0

    /// Waits (bounded) until `condition` holds for the server's statistics.
    static func waitFor(
        _ server: KVSLocalServer, timeout: Duration = .seconds(30),
        _ condition: ([KVSLocalServer.StreamStatistics]) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(try await server.statistics()) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("condition not reached within \(timeout): \(try await server.statistics())")
    }

    @Test func getMediaNowTailsLiveFragments() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 4)
            let inputFrames = try await MediaTools.frameMD5(input)
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data"),
                // Long enough for a slow producer to start; the consumer stops by itself once it has the four
                // fragments, and the server ends the session an idle timeout later.
                configure: { $0.limits.getMediaIdleTimeout = .seconds(10) }
            ) { server, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "live"]]], directory: directory)
                let live = directory.appendingPathComponent("live.mkv")
                async let consumer = KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "get_data_endpoint", "args": ["StreamName": "live", "APIName": "GET_MEDIA"]],
                        [
                            "client": "kinesis-video-media", "endpoint": "$data", "op": "get_media", "save": live.path,
                            "expect_fragments": 4,
                            "args": ["StreamName": "live", "StartSelector": ["StartSelectorType": "NOW"]],
                        ],
                    ], directory: directory)
                // The consumer is waiting before the first byte goes in.
                try await Self.waitFor(server) { $0.first { $0.name == "live" }?.openGetMediaSessions == 1 }
                let put = try await KVSTool.put(
                    endpoint: url, stream: "live", file: input, directory: directory, chunk: 16_384, pace: 0.02)
                #expect(
                    (put["acks"] as? [[String: Any]])?.filter { $0["EventType"] as? String == "PERSISTED" }.count == 4)
                let results = try await consumer
                #expect(results[1].ok, "\(results[1])")
                #expect(try await MediaTools.frameMD5(live) == inputFrames, "every live fragment arrived, in order")
                try await Self.waitFor(server, timeout: .seconds(60)) {
                    $0.first { $0.name == "live" }?.openGetMediaSessions == 0
                }
            }
        }
    }

    @Test func restartedServerServesWhatItHad() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 5)
            let more = directory.appendingPathComponent("more.mkv")
            try await MediaTools.makeTestVideo(at: more, seconds: 2)
            let data = directory.appendingPathComponent("data")
            let durable: (inout KVSLocalServer.Configuration) -> Void = { $0.syncWrites = true }

            let before = try await withKVSServer(dataDirectory: data, configure: durable) { _, url in
                let created = try await KVSTool.steps(
                    endpoint: url,
                    [
                        [
                            "op": "create_stream",
                            "args": [
                                "StreamName": "keep", "DataRetentionInHours": 24,
                                "Tags": ["Location": "Front"],
                            ],
                        ]
                    ], directory: directory)
                let put = try await KVSTool.put(
                    endpoint: url, stream: "keep", file: input, directory: directory, start: Self.start)
                let numbers = (put["acks"] as? [[String: Any]] ?? []).filter {
                    $0["EventType"] as? String == "PERSISTED"
                }
                .compactMap { $0["FragmentNumber"] as? String }
                return (arn: created[0].result("StreamARN") as? String, numbers: numbers)
            }
            #expect(before.numbers.count == 5)

            try await withKVSServer(dataDirectory: data, configure: durable) { server, url in
                #expect(try await server.statistics().map(\.fragments) == [5])
                let earliest = directory.appendingPathComponent("earliest.mkv")
                let results = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "describe_stream", "args": ["StreamName": "keep"]],
                        ["op": "list_tags_for_stream", "args": ["StreamName": "keep"]],
                        [
                            "client": "kinesis-video-archived-media", "op": "list_fragments",
                            "args": ["StreamName": "keep"],
                        ],
                        [
                            "client": "kinesis-video-media", "op": "get_media", "save": earliest.path,
                            "args": ["StreamName": "keep", "StartSelector": ["StartSelectorType": "EARLIEST"]],
                        ],
                    ], directory: directory)
                #expect((results[0].result("StreamInfo") as? [String: Any])?["StreamARN"] as? String == before.arn)
                #expect(results[1].result("Tags") as? [String: String] == ["Location": "Front"])
                let listed = (results[2].result("Fragments") as? [[String: Any]] ?? []).compactMap {
                    $0["FragmentNumber"] as? String
                }
                #expect(listed == before.numbers)
                #expect(try await MediaTools.frameMD5(earliest) == (try await MediaTools.frameMD5(input)))

                // New fragments continue the numbering.
                let put = try await KVSTool.put(
                    endpoint: url, stream: "keep", file: more, directory: directory, start: Self.start + 10)
                let newNumbers = (put["acks"] as? [[String: Any]] ?? []).filter {
                    $0["EventType"] as? String == "PERSISTED"
                }
                .compactMap { $0["FragmentNumber"] as? String }
                #expect(newNumbers.count == 2)
                #expect(newNumbers.allSatisfy { $0 > (before.numbers.last ?? "") })
            }
        }
    }

    @Test func retentionDeletesOldFragments() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            let clock = ManualClock(Date())
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data"),
                configure: {
                    $0.clock = KVSLocalClock { clock.now }
                    $0.unretainedFragmentLifetime = .seconds(600)
                }
            ) { server, url in
                _ = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "create_stream", "args": ["StreamName": "short", "DataRetentionInHours": 1]],
                        ["op": "create_stream", "args": ["StreamName": "zero"]],
                        ["op": "create_stream", "args": ["StreamName": "long", "DataRetentionInHours": 48]],
                    ], directory: directory)
                for name in ["short", "zero", "long"] {
                    _ = try await KVSTool.put(endpoint: url, stream: name, file: input, directory: directory)
                }
                #expect(try await server.enforceRetention() == 0)
                clock.advance(by: 20 * 60)
                #expect(try await server.enforceRetention() == 3, "a stream without retention keeps fragments briefly")
                clock.advance(by: 2 * 3600)
                #expect(try await server.enforceRetention() == 3)
                let counts = Dictionary(
                    uniqueKeysWithValues: try await server.statistics().map { ($0.name, $0.fragments) })
                #expect(counts == ["short": 0, "zero": 0, "long": 3])
                let results = try await KVSTool.steps(
                    endpoint: url,
                    [
                        [
                            "client": "kinesis-video-archived-media", "op": "list_fragments",
                            "args": ["StreamName": "short"],
                        ],
                        [
                            "client": "kinesis-video-archived-media", "op": "list_fragments",
                            "args": ["StreamName": "long"],
                        ],
                        [
                            "client": "kinesis-video-media", "op": "get_media",
                            "args": ["StreamName": "short", "StartSelector": ["StartSelectorType": "EARLIEST"]],
                        ],
                    ], directory: directory)
                #expect((results[0].result("Fragments") as? [Any])?.count == 0)
                #expect((results[1].result("Fragments") as? [Any])?.count == 3)
                #expect(results[2].result("PayloadBytes") as? Int == 0)
            }
        }
    }

    static func getMediaStep(hold: Bool) -> [String: Any] {
        [
            "client": "kinesis-video-media", "op": "get_media", hold ? "hold" : "close": true,
            "args": ["StreamName": "q", "StartSelector": ["StartSelectorType": "NOW"]],
        ]
    }

    @Test func getMediaQuotas() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(
                dataDirectory: directory, configure: { $0.limits.getMediaConnectionsPerStream = nil }
            ) { _, url in
                // Forty calls at once, 5 calls/s allowed: however slowly a busy machine starts them, at most five
                // per started second pass (the first five always do), and every other one is throttled with KVS's
                // error — counted against the time the calls really took, not assumed to be one second.
                let start = ContinuousClock.now
                let steps = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "create_stream", "args": ["StreamName": "q"]],
                        ["parallel": Array(repeating: Self.getMediaStep(hold: false), count: 40)],
                    ], directory: directory)
                let seconds = Int((ContinuousClock.now - start).components.seconds) + 1
                let results = try #require(steps[1].result("results") as? [[String: Any]])
                let passed = results.filter { $0.ok }.count
                let throttled = results.filter {
                    $0.code == "ClientLimitExceededException" && $0["status"] as? Int == 400
                }.count
                #expect(passed >= 5 && passed <= 5 * seconds, "\(passed) passed in \(seconds) s: \(results)")
                #expect(passed + throttled == 40, "nothing else than a pass or KVS's throttling error: \(results)")
            }
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("2"),
                configure: { $0.limits.getMediaCallsPerSecond = nil }
            ) { server, url in
                let results = try await KVSTool.steps(
                    endpoint: url,
                    [["op": "create_stream", "args": ["StreamName": "q"]]]
                        + Array(repeating: Self.getMediaStep(hold: true), count: 4),
                    directory: directory)
                #expect(results[1...3].allSatisfy { $0.ok }, "\(results)")
                #expect(results[4].code == "ConnectionLimitExceededException")
                #expect(results[4]["status"] as? Int == 400)
                // The held connections closed with the client process: their slots come back.
                try await Self.waitFor(server) { $0.first?.openGetMediaSessions == 0 }
                let again = try await KVSTool.steps(
                    endpoint: url, [Self.getMediaStep(hold: false)], directory: directory)
                #expect(again[0].ok)
            }
        }
    }

    @Test func injectedFaults() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            let faults = FaultInjection(streams: [
                "throttled": FaultRule(operations: ["DescribeStream"], throttleRate: 1),
                "broken": FaultRule(operations: ["DescribeStream"], serverErrorRate: 1, serverErrorStatus: 503),
                "slow": FaultRule(operations: ["DescribeStream"], latencyMilliseconds: 400),
            ])
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data"), configure: { $0.faults = faults }
            ) { server, url in
                let names = ["throttled", "broken", "slow", "fine", "drop"]
                _ = try await KVSTool.steps(
                    endpoint: url, names.map { ["op": "create_stream", "args": ["StreamName": $0]] },
                    directory: directory)
                let results = try await KVSTool.steps(
                    endpoint: url,
                    names.prefix(4).map { ["op": "describe_stream", "args": ["StreamName": $0]] }
                        + [["op": "list_tags_for_stream", "args": ["StreamName": "throttled"]]], directory: directory)
                #expect(results[0].code == "ClientLimitExceededException")
                #expect(results[1].code == "ServiceUnavailable")
                #expect(results[1]["status"] as? Int == 503)
                #expect(results[2].ok)
                #expect((results[2].result("elapsed") as? Double ?? 0) >= 0.4)
                #expect(results[3].ok)
                #expect((results[3].result("elapsed") as? Double ?? 1) < 0.4)
                #expect(results[4].ok, "rules are per operation")

                // Dropped GetMedia connections: set at run time, then cleared through the admin endpoint.
                _ = try await KVSTool.put(endpoint: url, stream: "drop", file: input, directory: directory)
                server.setFaultRule(FaultRule(operations: ["GetMedia"], dropMediaAfterBytes: 50_000), stream: "drop")
                func getMedia() -> [String: Any] {
                    [
                        "client": "kinesis-video-media", "op": "get_media",
                        "args": ["StreamName": "drop", "StartSelector": ["StartSelectorType": "EARLIEST"]],
                    ]
                }
                let dropped = try await KVSTool.steps(
                    endpoint: url,
                    [
                        getMedia(),
                        ["raw": ["method": "GET", "path": "/_kvslocal/faults"]],
                        ["raw": ["path": "/_kvslocal/faults", "body": #"{"StreamName":"drop"}"#]],
                        getMedia(),
                    ], directory: directory)
                #expect(dropped[0].result("PayloadError") != nil, "\(dropped[0])")
                #expect((dropped[0].result("PayloadBytes") as? Int ?? .max) <= 50_000)
                #expect((dropped[1].result("body") as? String)?.contains("DropMediaAfterBytes") == true)
                #expect(dropped[2].result("status") as? Int == 200)
                #expect(dropped[3].result("PayloadError") == nil)
                #expect((dropped[3].result("PayloadBytes") as? Int ?? 0) > 50_000)
            }
        }
    }

    @Test func putMediaIdleAcksAndIdleTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            // A pause the server notices (IDLE acks) but that is far from its timeout: the session goes on. The
            // producer stays silent until it has seen an IDLE ack, so nothing depends on how fast the machine is.
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data"),
                configure: {
                    $0.limits.putMediaIdleAckInterval = .milliseconds(300)
                    $0.limits.putMediaIdleTimeout = .seconds(120)
                }
            ) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "idle"]]], directory: directory)
                let paused = try await KVSTool.put(
                    endpoint: url, stream: "idle", file: input, directory: directory, chunk: 8192,
                    extra: ["pause_after": 16_384, "pause_after_ack": "BUFFERING", "pause_until_ack": "IDLE"])
                let kinds = (paused["acks"] as? [[String: Any]] ?? []).compactMap { $0["EventType"] as? String }
                #expect(kinds.contains("IDLE"), "\(kinds)")
                #expect(kinds.filter { $0 == "PERSISTED" }.count == 3, "\(kinds)")
                #expect(!kinds.contains("ERROR"), "\(kinds)")
            }
            // A pause the producer keeps up until the server closes the session: it does, after its idle timeout,
            // with the fragment that was cut short never persisted.
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data2"),
                configure: {
                    $0.limits.putMediaIdleAckInterval = .milliseconds(300)
                    $0.limits.putMediaIdleTimeout = .seconds(2)
                }
            ) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "idle"]]], directory: directory)
                let abandoned = try await KVSTool.put(
                    endpoint: url, stream: "idle", file: input, directory: directory, chunk: 8192,
                    extra: ["pause_after": 16_384, "pause_after_ack": "BUFFERING", "pause_until_closed": true])
                #expect(abandoned["closed"] as? Bool == true, "the server closed the session: \(abandoned)")
                #expect((abandoned["closed_after"] as? Double ?? 0) >= 1.5, "not before the idle timeout")
                let after = (abandoned["acks"] as? [[String: Any]] ?? []).compactMap { $0["EventType"] as? String }
                #expect(after.first == "BUFFERING", "\(after)")
                #expect(!after.contains("PERSISTED"), "\(after)")
            }
        }
    }

    @Test func getMediaBandwidthCapAndPutMediaConnectionDuration() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 4)
            // GetMedia at most 40 kB/s (KVS: 25 MB/s): a lower bound on the time, whatever the load.
            let rate = 40_000
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data"),
                configure: { $0.limits.getMediaBytesPerSecond = rate }
            ) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "slow"]]], directory: directory)
                _ = try await KVSTool.put(endpoint: url, stream: "slow", file: input, directory: directory)
                let started = ContinuousClock.now
                let read = try await KVSTool.steps(
                    endpoint: url,
                    [
                        [
                            "client": "kinesis-video-media", "op": "get_media",
                            "args": ["StreamName": "slow", "StartSelector": ["StartSelectorType": "EARLIEST"]],
                        ]
                    ], directory: directory)
                let elapsed = ContinuousClock.now - started
                let bytes = try #require(read[0].result("PayloadBytes") as? Int)
                #expect(bytes > 3 * rate, "enough payload to measure: \(bytes)")
                // One second's worth may go at once (the bucket starts full).
                let minimum = Double(bytes - rate) / Double(rate)
                #expect(elapsed >= .milliseconds(Int64(minimum * 900)), "\(bytes) bytes in \(elapsed)")
            }
            // A PutMedia session older than the maximum connection duration ends with error 4003.
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data2"),
                configure: {
                    $0.limits.putMediaMaxConnectionDuration = .seconds(1)
                    $0.limits.putMediaIdleTimeout = .seconds(120)
                }
            ) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "long"]]], directory: directory)
                let put = try await KVSTool.put(
                    endpoint: url, stream: "long", file: input, directory: directory, chunk: 8192,
                    extra: ["pause_after": 16_384, "pause_after_ack": "BUFFERING", "pause_until_closed": true])
                #expect(put["closed"] as? Bool == true, "\(put)")
                let errors = (put["acks"] as? [[String: Any]] ?? []).filter { $0["EventType"] as? String == "ERROR" }
                #expect(errors.map { $0["ErrorId"] as? Int } == [4003], "\(put)")
                #expect(errors.first?["ErrorCode"] as? String == "MAX_CONNECTION_DURATION_REACHED")
            }
        }
    }

    @Test func gracefulShutdownEndsLiveSessions() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = KVSLocalServer.Configuration(dataDirectory: directory.path)
            configuration.limits.getMediaIdleTimeout = .seconds(120)
            var logger = Logger(label: "kvs-local-test")
            logger.logLevel = .critical
            let server = KVSLocalServer(configuration: configuration, logger: logger)
            let group = ServiceGroup(services: [server], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let url = try await server.listeningURL()
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "tail"]]], directory: directory)
                async let consumer = KVSTool.steps(
                    endpoint: url,
                    [
                        [
                            "client": "kinesis-video-media", "op": "get_media",
                            "args": ["StreamName": "tail", "StartSelector": ["StartSelectorType": "NOW"]],
                        ]
                    ],
                    directory: directory)
                try await Self.waitFor(server) { $0.first?.openGetMediaSessions == 1 }
                let started = ContinuousClock.now
                await group.triggerGracefulShutdown()
                let results = try await consumer
                #expect(results[0].ok, "the live session ends cleanly: \(results[0])")
                #expect(ContinuousClock.now - started < .seconds(30), "it does not wait for the idle timeout")
                try await tasks.next()
                do {
                    _ = try await server.listeningURL()
                    Issue.record("the server should report that it stopped")
                } catch {
                    #expect((error as? KVSLocalError)?.code == .notRunning)
                }
            }
        }
    }

    @Test func absoluteTimecodesAreProducerTimestamps() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            try await withKVSServer(dataDirectory: directory.appendingPathComponent("data")) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "abs"]]], directory: directory)
                // ffmpeg's Cluster timecodes start at 0: as ABSOLUTE times they are the epoch's first seconds, and
                // the producer start header does not move them.
                let put = try await KVSTool.put(
                    endpoint: url, stream: "abs", file: input, directory: directory, start: Self.start,
                    extra: ["timecode_type": "ABSOLUTE"])
                #expect(
                    (put["acks"] as? [[String: Any]])?.filter { $0["EventType"] as? String == "PERSISTED" }.count == 3)
                let listed = try await KVSTool.steps(
                    endpoint: url,
                    [
                        [
                            "client": "kinesis-video-archived-media", "op": "list_fragments",
                            "args": ["StreamName": "abs"],
                        ]
                    ],
                    directory: directory)
                let producer = (listed[0].result("Fragments") as? [[String: Any]] ?? []).compactMap {
                    $0["ProducerTimestamp"] as? Double
                }
                #expect(producer == [0, 1, 2])
            }
        }
    }

    @Test func manyStreamsAtOnce() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            let inputFrames = try await MediaTools.frameMD5(input)
            let out = directory.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let streams = (0..<24).map { "swarm-\($0)" }
            try await withKVSServer(
                dataDirectory: directory.appendingPathComponent("data"),
                configure: { $0.limits.getMediaIdleTimeout = .seconds(60) }
            ) { server, url in
                let json = try await KVSTool.run(
                    "swarm",
                    spec: [
                        "endpoint": url, "streams": streams, "file": input.path, "out": out.path, "start": Self.start,
                        "chunk": 16_384, "pace": 0.005, "timeout": 120, "expect_fragments": 3,
                    ], directory: directory, timeout: .seconds(240))
                let results = try #require(json as? [String: [String: Any]])
                #expect(results.count == streams.count)
                for name in streams {
                    let result = results[name] ?? [:]
                    #expect(result["persisted"] as? Int == 3, "\(name): \(result)")
                    #expect(result["consumer"] as? String == "ok", "\(name): \(result)")
                    #expect((result["errors"] as? [Any])?.isEmpty == true, "\(name): \(result)")
                }
                for name in streams {
                    let frames = try await MediaTools.frameMD5(out.appendingPathComponent(name + ".mkv"))
                    #expect(frames == inputFrames, "\(name): the consumer got every frame in order")
                }
                let statistics = try await server.statistics()
                #expect(statistics.count == streams.count)
                #expect(statistics.allSatisfy { $0.fragments == 3 && $0.openPutMediaSessions == 0 })
            }
        }
    }
}

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    var now: Date { value.withLock { $0 } }
    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
