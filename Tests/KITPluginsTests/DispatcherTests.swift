import Foundation
import KITPlugins
import KITTestSupport
import MetricsTestKit
import PluginAPI
import PluginTesting
import Synchronization
import Testing

/// Lambda event-source-mapping semantics of the dispatcher, through the real C ABI with SDK handlers linked into
/// the test process (registered by descriptor, so no build step is needed).
@Suite(.timeLimit(.minutes(2)))
struct DispatcherTests {
    static func configuration(
        _ directory: URL, probe: Probe, batchSize: Int = 100, window: Duration = .zero,
        deadline: Duration = .seconds(20),
        maxRetries: Int = 2, quarantineAfter: Int = 3, extra: [String: Any] = [:]
    ) -> PluginDispatcher.Configuration {
        var config: [String: Any] = ["probe": probe.id]
        config.merge(extra) { _, new in new }
        let json = Array((try? JSONSerialization.data(withJSONObject: config)) ?? Data())
        return PluginDispatcher.Configuration(
            pluginDirectory: nil,
            settings: ["Recorder": .init(configuration: json), "RawEvent": .init(configuration: json)],
            batchSize: batchSize,
            batchWindow: window, deadline: deadline, maxRetries: maxRetries, retryBackoff: .milliseconds(5),
            quarantineAfter: quarantineAfter,
            deadLetter: .directory(directory.appendingPathComponent("dead-letter").path), shutdownTimeout: .seconds(5))
    }

    static func deadLetters(_ directory: URL) throws -> [[String: Any]] {
        let root = directory.appendingPathComponent("dead-letter")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var documents: [[String: Any]] = []
        for case let path as String in walker where path.hasSuffix(".json") {
            let data = try Data(contentsOf: root.appendingPathComponent(path))
            if let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] { documents.append(object) }
        }
        return documents.sorted { ($0["deadLetteredAt"] as? String ?? "") < ($1["deadLetteredAt"] as? String ?? "") }
    }

    @Test func deliversPerStreamInOrderInBatchesToEveryPlugin() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let raw = Probe.make()
            var configuration = Self.configuration(directory, probe: probe, batchSize: 3)
            configuration.registry.settings["RawEvent"] = .init(configuration: Array(#"{"probe":"\#(raw.id)"}"#.utf8))
            let host = TestHost(configuration: configuration)
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            try await host.register(RawEventHandler.export(2), origin: "test:raw")
            try await host.run {
                #expect(host.dispatcher.pluginNames == ["Recorder", "RawEvent"])

                var deliveries: [PluginDelivery] = []
                for call in 0..<4 {
                    let records = (0..<3).map { Records.make(sequence: call * 3 + $0 + 1) }
                    deliveries.append(
                        host.dispatcher.enqueue(stream: "cam-1", records: Array(records.prefix(call == 3 ? 1 : 3))))
                }
                for delivery in deliveries { #expect(await delivery.wait()) }
                let expected = (1...10).map(String.init)
                #expect(probe.deliveredSequence == expected)
                #expect(raw.deliveredSequence == expected)
                #expect(probe.delivered.withLock { $0.allSatisfy { $0.count <= 3 } })
                #expect(
                    host.counter("PluginInvocations", plugin: "Recorder") == Int64(probe.attempts.withLock { $0.count })
                )
                #expect(host.metrics.timers(label: "PluginDuration", dimensions: [("plugin", "Recorder")]).count == 1)
            }
        }
    }

    @Test func batchWindowCombinesEnqueuesAndStreamsAreIndependent() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(
                configuration: Self.configuration(directory, probe: probe, batchSize: 100, window: .milliseconds(1500)))
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            try await host.run {
                let first = host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 1)])
                let other = host.dispatcher.enqueue(
                    stream: "cam-2", records: [Records.make(stream: "cam-2", sequence: 100)])
                // No suspension between the two enqueues: a loaded machine cannot stretch the gap past the window.
                let second = host.dispatcher.enqueue(
                    stream: "cam-1", records: [Records.make(sequence: 2), Records.make(sequence: 3)])
                #expect(!first.isComplete, "the window holds the first record back")
                #expect(await first.wait())
                #expect(await second.wait())
                #expect(await other.wait())
                let batches = probe.delivered.withLock { $0 }
                #expect(batches.contains(["1", "2", "3"]), "one invocation for both enqueues: \(batches)")
                #expect(batches.contains(["100"]), "cam-2 is its own lane: \(batches)")
            }
        }
    }

    @Test func transientFailuresAreRetriedWithBackoff() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(
                configuration: Self.configuration(directory, probe: probe, maxRetries: 2, extra: ["failTimes": 2]))
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            try await host.run {
                let delivery = host.dispatcher.enqueue(
                    stream: "cam-1", records: (1...4).map { Records.make(sequence: $0) })
                #expect(await delivery.wait())
                #expect(probe.deliveredSequence == ["1", "2", "3", "4"])
                #expect(probe.attempts.withLock { $0.count } == 3)
                #expect(host.counter("PluginInvocations", plugin: "Recorder") == 3)
                #expect(host.counter("PluginErrors", plugin: "Recorder") == 2)
                #expect(host.counter("PluginRetries", plugin: "Recorder") == 2)
                #expect(host.counter("PluginDeadLettered", plugin: "Recorder") == 0)
                let letters = try Self.deadLetters(directory)
                #expect(letters.isEmpty)
                #expect(!host.logs.messages(containing: "plugin invocation failed").isEmpty)
            }
        }
    }

    @Test func aBadRecordIsIsolatedByBisectionAndDeadLettered() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(
                configuration: Self.configuration(directory, probe: probe, maxRetries: 1, extra: ["failSequence": "5"]))
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            try await host.run {
                let records = (1...8).map { Records.make(sequence: $0) }
                let delivery = host.dispatcher.enqueue(stream: "cam-1", records: records)
                #expect(await delivery.wait(), "dead-lettered counts as taken: the fragment may be checkpointed")
                #expect(probe.deliveredSequence == ["1", "2", "3", "4", "6", "7", "8"])
                let letters = try Self.deadLetters(directory)
                try #require(letters.count == 1)
                let letter = letters[0]
                #expect(letter["plugin"] as? String == "Recorder")
                #expect(letter["stream"] as? String == "cam-1")
                #expect(letter["reason"] as? String == "error")
                #expect((letter["error"] as? String)?.contains("bad record 5") == true)
                #expect(letter["sequenceNumbers"] as? [String] == ["5"])
                // The event is what the plugin was given: replayable, data byte for byte.
                let event = try #require(letter["event"] as? [String: Any])
                let entries = try #require(event["Records"] as? [[String: Any]])
                let kinesis = try #require(entries.first?["kinesis"] as? [String: Any])
                #expect(Data(base64Encoded: kinesis["data"] as? String ?? "") == Data(records[4].data))
                #expect(entries.first?["eventSource"] as? String == "aws:kinesis")
                #expect(entries.first?["eventID"] as? String == "cam-1:5")
                #expect(host.counter("PluginDeadLettered", plugin: "Recorder") == 1)
                #expect(host.counter("PluginRetries", plugin: "Recorder") >= 1)
            }
        }
    }

    @Test func aMissedDeadlineCancelsDeadLettersAndQuarantines() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(
                configuration: Self.configuration(
                    directory, probe: probe, deadline: .milliseconds(300), quarantineAfter: 2,
                    extra: ["sleepMs": 60_000]))
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            try await host.run {
                let start = ContinuousClock.now
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 1)]).wait())
                try await waitUntil(timeout: .seconds(30), "the plugin to see the cancel") {
                    probe.cancelled.load(ordering: .relaxed) == 1
                }
                #expect(host.dispatcher.quarantinedPlugins.isEmpty)
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 2)]).wait())
                #expect(host.dispatcher.quarantinedPlugins == ["Recorder"])
                #expect(ContinuousClock.now - start < .seconds(30), "nowhere near the plugin's 60 s sleep")
                // Quarantined: straight to the dead-letter destination, the plugin is not called again.
                let attemptsBefore = probe.attempts.withLock { $0.count }
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 3)]).wait())
                #expect(probe.attempts.withLock { $0.count } == attemptsBefore)
                let reasons = try Self.deadLetters(directory).compactMap { $0["reason"] as? String }
                #expect(reasons.sorted() == ["deadline", "deadline", "quarantined"])
                #expect(!host.logs.messages(containing: "plugin quarantined").isEmpty)
            }
        }
    }

    @Test func deliveryCompletesOnlyWhenEveryPluginTookTheRecords() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(configuration: Self.configuration(directory, probe: probe, extra: ["sleepMs": 300]))
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            try await host.run {
                let image: [UInt8] = Array(repeating: 0xAB, count: 1234)
                let delivery = host.dispatcher.enqueue(
                    stream: "cam-1", records: [Records.make(sequence: 1, image: image)])
                #expect(!delivery.isComplete)
                #expect(await delivery.wait())
                #expect(delivery.isComplete)
                #expect(probe.deliveredSequence == ["1"])
                #expect(probe.images.withLock { $0["cam-1:1"] } == 1234, "the frame reached the plugin via frame_image")
            }
        }
    }

    @Test func shutdownAbandonsWhatCannotFinishAndRefusesNewRecords() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            var configuration = Self.configuration(directory, probe: probe, extra: ["sleepMs": 60_000])
            configuration.shutdownTimeout = .milliseconds(300)
            let host = TestHost(configuration: configuration)
            try await host.register(RecorderHandler.export(2), origin: "test:recorder")
            let delivery = try await host.run {
                let delivery = host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 1)])
                try await waitUntil(timeout: .seconds(30), "the first invocation") {
                    probe.attempts.withLock { !$0.isEmpty }
                }
                return delivery
            }
            #expect(await delivery.wait() == false, "not taken: the fragment must not be checkpointed")
            #expect(try Self.deadLetters(directory).isEmpty)
            #expect(
                await host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 2)]).wait() == false)
        }
    }

    @Test func noPluginsMeansDeliveredAtOnce() async throws {
        try await withTemporaryDirectory { directory in
            let host = TestHost(configuration: Self.configuration(directory, probe: Probe.make()))
            try await host.run {
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 1)]).wait())
            }
        }
    }

    // MARK: Partial batch failures (ABI 2, Lambda's ReportBatchItemFailures)

    static func partial(
        _ directory: URL, probe: Probe, failItem: String, times: Int?, invalid: Bool = false, maxRetries: Int = 2
    ) -> PluginDispatcher.Configuration {
        var config: [String: Any] = ["probe": probe.id, "failItem": failItem, "invalidIdentifier": invalid]
        if let times { config["failItemTimes"] = times }
        var configuration = Self.configuration(directory, probe: probe, batchSize: 10, maxRetries: maxRetries)
        let json = Array((try? JSONSerialization.data(withJSONObject: config)) ?? Data())
        configuration.registry.settings = [
            "Partial": .init(configuration: json), "RecordLevel": .init(configuration: json),
        ]
        return configuration
    }

    /// How many times each record was taken (reported done) by the plugin.
    static func takenCounts(_ probe: Probe) -> [String: Int] {
        probe.delivered.withLock { $0.flatMap { $0 } }.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test func aPartialFailureRedeliversFromTheFirstFailedRecordOnly() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(configuration: Self.partial(directory, probe: probe, failItem: "4", times: 1))
            try await host.register(PartialHandler.export(2), origin: "test:partial")
            try await host.run {
                let records = (1...10).map { Records.make(sequence: $0) }
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: records).wait())
            }
            let attempts = probe.attempts.withLock { $0 }
            #expect(attempts.first == (1...10).map(String.init), "one batch of 10")
            #expect(attempts.dropFirst().allSatisfy { $0 == (4...10).map(String.init) }, "re-delivered: 4–10 only")
            #expect(attempts.count >= 2)
            let taken = Self.takenCounts(probe)
            #expect((1...10).allSatisfy { taken["\($0)"] == 1 }, "every record taken exactly once: \(taken)")
            #expect(host.counter("PluginItemFailures", plugin: "Partial") == 7)
            #expect(host.counter("PluginDeadLettered", plugin: "Partial") == 0)
            #expect(try Self.deadLetters(directory).isEmpty)
        }
    }

    @Test func aRecordThatKeepsFailingIsDeadLetteredAloneAndItsNeighboursGoOn() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(
                configuration: Self.partial(directory, probe: probe, failItem: "4", times: nil, maxRetries: 2))
            try await host.register(PartialHandler.export(2), origin: "test:partial")
            try await host.run {
                let records = (1...10).map { Records.make(sequence: $0) }
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: records).wait())
            }
            let taken = Self.takenCounts(probe)
            #expect(taken["4"] == nil, "never taken: it always fails")
            #expect([1, 2, 3, 5, 6, 7, 8, 9, 10].allSatisfy { taken["\($0)"] == 1 }, "\(taken)")
            let letters = try Self.deadLetters(directory)
            #expect(letters.map { $0["sequenceNumbers"] as? [String] ?? [] } == [["4"]], "alone, not with its batch")
            #expect(letters.first?["attempts"] as? Int == 3)
            #expect(host.counter("PluginDeadLettered", plugin: "Partial") == 1)
        }
    }

    @Test func anInvalidItemIdentifierFailsTheWholeBatchAsInLambda() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let host = TestHost(
                configuration: Self.partial(directory, probe: probe, failItem: "4", times: 1, invalid: true))
            try await host.register(PartialHandler.export(2), origin: "test:partial")
            try await host.run {
                let records = (1...10).map { Records.make(sequence: $0) }
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: records).wait())
            }
            let attempts = probe.attempts.withLock { $0 }
            #expect(attempts.count == 2 && attempts.allSatisfy { $0.count == 10 }, "the whole batch again: \(attempts)")
            #expect(!host.logs.messages(containing: "invalid batch item failures").isEmpty)
        }
    }

    @Test func aRecordHandlerThatThrowsFailsOnlyThatRecordAndTheOnesAfterIt() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            // Records.make gives record n the frame timecode 40·n: fail record 3.
            let host = TestHost(configuration: Self.partial(directory, probe: probe, failItem: "120", times: 1))
            try await host.register(RecordLevelHandler.export(2), origin: "test:record-level")
            try await host.run {
                let records = (1...6).map { Records.make(sequence: $0) }
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: records).wait())
            }
            let taken = Self.takenCounts(probe)
            #expect((1...6).allSatisfy { taken["\($0 * 40)"] == 1 }, "each record handled once: \(taken)")
            #expect(host.counter("PluginItemFailures", plugin: "RecordLevel") == 4)
        }
    }

    @Test func aVersionOnePluginStillLoadsAndIsDeliveredTo() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            try await CPlugins.build("old", name: "OldABI", abi: 1, in: plugins)
            let host = TestHost(configuration: .init(pluginDirectory: plugins.path))
            let reports = await host.load()
            #expect(reports.count == 1 && reports[0].isLoaded && reports[0].abiVersion == 1, "\(reports)")
            try await host.run {
                #expect(
                    await host.dispatcher.enqueue(stream: "cam-1", records: (1...3).map { Records.make(sequence: $0) })
                        .wait())
            }
            #expect(host.counter("PluginInvocations", plugin: "OldABI") >= 1)
            #expect(host.counter("PluginErrors", plugin: "OldABI") == 0)
        }
    }
}
