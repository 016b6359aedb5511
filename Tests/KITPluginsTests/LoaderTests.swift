import AWSSigV4
import Foundation
import KITPlugins
import KITTestSupport
import MetricsTestKit
import PluginAPI
import PluginTesting
import Synchronization
import Testing

/// The loader against real files: both bundled plugins as built by `swift build`, and C plugins compiled here that
/// are bad on purpose. Also `kithost plugins check`, the same loader behind a command.
@Suite(.timeLimit(.minutes(3)))
struct LoaderTests {
    static func pluginDirectory(in directory: URL) throws -> URL {
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(
            at: plugins, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return plugins
    }

    static func copyBuilt(_ name: String, to directory: URL) throws {
        let target = directory.appendingPathComponent("lib\(name).so")
        try FileManager.default.copyItem(at: try TestPaths.builtPlugin(name), to: target)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
    }

    static func byFile(_ reports: [PluginLoadReport]) -> [String: PluginLoadReport] {
        Dictionary(reports.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) }) { first, _ in first }
    }

    @Test func loadsBothPluginsAndRefusesTheBadOnesWithClearReasons() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try Self.pluginDirectory(in: directory)
            try Self.copyBuilt("S3Archive", to: plugins)
            try Self.copyBuilt("CocoLabeler", to: plugins)
            // CocoLabeler takes its configuration from its manifest, S3Archive from the host's configuration.
            try Data(#"{"threshold":0.4}"#.utf8).write(to: plugins.appendingPathComponent("libCocoLabeler.json"))
            try await CPlugins.build("nosymbol", name: "NoSymbol", entry: false, in: plugins)
            try await CPlugins.build("wrongabi", name: "WrongABI", abi: 99, in: plugins)
            try await CPlugins.build("fails", name: "Fails", mode: .fails, in: plugins)
            try await CPlugins.build("hangs", name: "Hangs", mode: .hangs, in: plugins)
            let writable = try await CPlugins.build("writable", name: "Writable", in: plugins)
            try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: writable.path)
            let archiveConfig = Array(#"{"destination":"file://\#(directory.path)/archive/"}"#.utf8)

            let host = TestHost(
                configuration: .init(
                    pluginDirectory: plugins.path, settings: ["S3Archive": .init(configuration: archiveConfig)]))
            let reports = Self.byFile(await host.load())
            #expect(reports.count == 7)
            #expect(reports["libS3Archive.so"]?.isLoaded == true)
            #expect(reports["libS3Archive.so"]?.name == "S3Archive")
            #expect(reports["libS3Archive.so"]?.version == "1.0.0")
            #expect(reports["libCocoLabeler.so"]?.isLoaded == true)
            #expect(reports["libfails.so"]?.isLoaded == true)
            #expect(reports["libhangs.so"]?.isLoaded == true)
            #expect(reports["libnosymbol.so"]?.refusal?.code == .missingSymbol)
            #expect(reports["libnosymbol.so"]?.refusal?.message.contains("kit_plugin_entry") == true)
            #expect(reports["libwrongabi.so"]?.refusal?.code == .unsupportedABI)
            #expect(reports["libwrongabi.so"]?.refusal?.message.contains("99") == true)
            #expect(reports["libwritable.so"]?.refusal?.code == .unsafePermissions)
            #expect(reports["libwritable.so"]?.refusal?.message.contains("chmod go-w") == true)
            let digest = PayloadHash.sha256(of: try Data(contentsOf: plugins.appendingPathComponent("libS3Archive.so")))
            #expect(reports["libS3Archive.so"]?.sha256 == digest.value)
            #expect(host.dispatcher.pluginNames == ["CocoLabeler", "S3Archive", "Fails", "Hangs"])
            // Each load logged with path, version and digest; each refusal with its reason.
            let loaded = host.logs.messages(containing: "plugin loaded")
            #expect(loaded.contains { $0.metadata["sha256"] == digest.value && $0.metadata["version"] == "1.0.0" })
            #expect(host.logs.messages(containing: "plugin refused").count == 3)
            // The C plugin's own log line came through the host-services table, labelled with its name.
            #expect(host.logs.messages(containing: "c plugin created").contains { $0.metadata["plugin"] == "Fails" })
            // Nothing new on reload; a file added later is picked up.
            #expect(await host.load().allSatisfy { !$0.isLoaded })
            try await CPlugins.build("late", name: "Late", in: plugins)
            let added = await host.load().filter(\.isLoaded)
            #expect(added.map(\.name) == ["Late"])
            try await host.run {}

            // The same verdicts from `kithost plugins check` with the configuration `kithost run` would use
            // (which also names a misspelled optional plugin); it exits non-zero on any refusal.
            let kitYAML = directory.appendingPathComponent("kit.yaml")
            try Data(
                """
                region: us-east-1
                streamNames: [cam-1]
                plugins:
                  S3Archive:
                    destination: "file://\(directory.path)/archive/"
                  CocoLabelr:
                    optional: true
                """.utf8
            ).write(to: kitYAML)
            let kithost = TestPaths.kithost
            try #require(FileManager.default.isExecutableFile(atPath: kithost.path), "build kithost first")
            let result = try await runProgram(kithost, ["plugins", "check", plugins.path, "--config", kitYAML.path])
            #expect(result.status == 1, "\(result.output)")
            #expect(result.output.contains("5 loaded, 3 refused, 0 configured plugin(s) missing"), "\(result.output)")
            #expect(result.output.contains("unsupportedABI"))
            #expect(result.output.contains("missingSymbol"))
            #expect(result.output.contains("unsafePermissions"))
            #expect(result.output.contains("DOWN    CocoLabelr"), "\(result.output)")
            #expect(result.output.contains("did you mean CocoLabeler?"), "\(result.output)")
            #expect(result.output.contains("sha256 \(digest.value)"))
        }
    }

    @Test func refusesAnUnsafeDirectoryAndFilesOutsideTheAllowList() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try Self.pluginDirectory(in: directory)
            let trusted = try await CPlugins.build("trusted", name: "Trusted", in: plugins)
            try await CPlugins.build("other", name: "Other", in: plugins)
            let digest = PayloadHash.sha256(of: try Data(contentsOf: trusted)).value
            let host = TestHost(configuration: .init(pluginDirectory: plugins.path, allowedDigests: [digest]))
            let reports = Self.byFile(await host.load())
            #expect(reports["libtrusted.so"]?.isLoaded == true)
            #expect(reports["libother.so"]?.refusal?.code == .digestNotAllowed)

            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: plugins.path)
            let open = TestHost(configuration: .init(pluginDirectory: plugins.path))
            let refused = await open.load()
            #expect(refused.count == 1)
            #expect(refused.first?.refusal?.code == .unsafePermissions)
            #expect(open.dispatcher.pluginNames.isEmpty)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugins.path)
        }
    }

    /// The host keeps going with the good plugins while the bad ones fail, hang and get dead-lettered; and
    /// CocoLabeler does its job: the blog's log lines and a labelled live-view JPEG.
    @Test(.enabled(if: TestPaths.haveFFmpeg))
    func badPluginsAreContainedWhileCocoLabelerLabels() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try Self.pluginDirectory(in: directory)
            try Self.copyBuilt("CocoLabeler", to: plugins)
            try await CPlugins.build("fails", name: "Fails", mode: .fails, in: plugins)
            try await CPlugins.build("hangs", name: "Hangs", mode: .hangs, in: plugins)
            let liveView = directory.appendingPathComponent("live")
            let cocoConfig = Array(#"{"threshold":0.5,"liveViewDirectory":"\#(liveView.path)","keepFrames":true}"#.utf8)
            let jpegURL = directory.appendingPathComponent("frame.jpg")
            let ffmpeg = try #require(TestPaths.tool("ffmpeg"))
            let made = try await runProgram(
                ffmpeg,
                [
                    "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1",
                    jpegURL.path,
                ])
            try #require(made.status == 0, "\(made.output)")
            let jpeg = [UInt8](try Data(contentsOf: jpegURL))

            let host = TestHost(
                configuration: .init(
                    pluginDirectory: plugins.path, settings: ["CocoLabeler": .init(configuration: cocoConfig)],
                    batchSize: 10,
                    deadline: .milliseconds(800), maxRetries: 1, retryBackoff: .milliseconds(5), quarantineAfter: 5,
                    deadLetter: .directory(directory.appendingPathComponent("dead-letter").path)))
            #expect(await host.load().allSatisfy { $0.isLoaded })
            let fragment = "91343852333181432392682062607743920146264485262"
            let records = [
                Records.make(
                    sequence: 1, image: jpeg, data: Records.kitJSON(stream: "cam-1", fragment: fragment, timeCode: 40)),
                Records.make(
                    sequence: 2, image: jpeg,
                    data: Records.kitJSON(
                        stream: "cam-1", timeCode: 80,
                        output: #"{"prediction":[[99,0.9,0,0,1,1],[1,"x"],[14,0.8,0.1,0.1,0.3,0.3]]}"#)),
                Records.make(
                    sequence: 3, data: Records.kitJSON(stream: "cam-1", timeCode: 120, output: #"{"label":"cat"}"#)),
            ]
            try await host.run {
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: records).wait())
            }

            // CocoLabeler: the blog's lines, above the threshold only, top first.
            let detected = host.logs.messages(containing: "detected object:").map(\.message)
            #expect(detected.contains("detected object: person, with probability: 0.97"))
            #expect(detected.contains("detected object: dog, with probability: 0.61"))
            #expect(detected.contains("detected object: bird, with probability: 0.8"))
            #expect(!detected.contains { $0.contains("car") }, "0.3 is below the threshold")
            #expect(!host.logs.messages(containing: "outside the 80 COCO classes").isEmpty)
            // The plugin's own swift-metrics counters (`Counter(label:)` inside the .so) reach the host's backend,
            // with the plugin dimension the host adds.
            let detections = host.metrics.counters.filter { $0.label == "CocoLabelerDetections" }
            #expect(detections.reduce(0) { $0 + $1.totalValue } == 3, "person, dog, bird")
            #expect(detections.allSatisfy { $0.dimensions.contains { $0 == ("plugin", "CocoLabeler") } })
            #expect(detections.contains { $0.dimensions.contains { $0 == ("label", "person") } })
            #expect(!host.logs.messages(containing: "malformed prediction entries").isEmpty)
            #expect(!host.logs.messages(containing: "skipped record").isEmpty)
            let latest = liveView.appendingPathComponent("cam-1/latest.jpg")
            let drawn = [UInt8](try Data(contentsOf: latest))
            #expect(drawn.starts(with: [0xFF, 0xD8]) && drawn != jpeg)
            #expect(
                FileManager.default.fileExists(atPath: liveView.appendingPathComponent("cam-1/\(fragment)-40.jpg").path)
            )

            // Fails: retried, bisected, every record dead-lettered with its error. Hangs: cancelled at the deadline.
            let letters = try DispatcherTests.deadLetters(directory)
            let failed = letters.filter { $0["plugin"] as? String == "Fails" }
            #expect(failed.flatMap { $0["sequenceNumbers"] as? [String] ?? [] }.sorted() == ["1", "2", "3"])
            #expect(failed.allSatisfy { ($0["error"] as? String)?.contains("boom") == true })
            let hung = letters.filter { $0["plugin"] as? String == "Hangs" }
            #expect(hung.count == 1 && hung.first?["reason"] as? String == "deadline")
            #expect(host.counter("PluginDeadLettered", plugin: "Fails") == 3)
            #expect(host.counter("PluginDeadLettered", plugin: "Hangs") == 3)
            #expect(host.counter("PluginErrors", plugin: "CocoLabeler") == 0)
            #expect(!host.logs.messages(containing: "an invocation never completed").isEmpty, "Hangs is left alone")
        }
    }

    // MARK: Configured plugins fail loudly

    @Test func aConfiguredPluginThatDoesNotLoadIsAProblemAndAMisspelledOneGetsASuggestion() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = try Self.pluginDirectory(in: directory)
            try await CPlugins.build("Refuses", name: "Refuses", mode: .createFails, in: plugins)
            try await CPlugins.build("Archive", name: "Archive", in: plugins)
            try await CPlugins.build("Spare", name: "Spare", mode: .createFails, in: plugins)
            let host = TestHost(
                configuration: .init(
                    pluginDirectory: plugins.path,
                    settings: [
                        "Refuses": .init(), "Archiv": .init(), "Spare": .init(optional: true), "Archive": .init(),
                    ]))
            let summary = await host.dispatcher.registry.load()
            #expect(host.dispatcher.pluginNames == ["Archive"])
            let byName = Dictionary(uniqueKeysWithValues: summary.problems.map { ($0.plugin, $0) })
            #expect(byName.count == 3)
            #expect(byName["Refuses"]?.reason.contains("create refused: missing key \"destination\"") == true)
            #expect(byName["Archiv"]?.reason.contains("did you mean Archive?") == true, "\(byName)")
            #expect(byName["Spare"]?.optional == true)
            #expect(summary.fatal.map(\.plugin).sorted() == ["Archiv", "Refuses"])
            #expect(host.dispatcher.registry.down.map(\.plugin) == ["Spare"])
            let down = host.metrics.recorders(label: "PluginDown", dimensions: [("plugin", "Spare")])
            #expect(down.first?.lastValue == 1)
            let states = Dictionary(uniqueKeysWithValues: host.dispatcher.status.map { ($0.name, $0.state) })
            #expect(states == ["Archive": .running, "Spare": .down])
            // A file nobody configured that is refused is only logged (today's behaviour), never a problem.
            try await CPlugins.build("Stray", name: "Stray", mode: .createFails, in: plugins)
            let again = await host.dispatcher.registry.load()
            #expect(again.problems.map(\.plugin).sorted() == ["Archiv", "Refuses", "Spare"])
            #expect(again.reports.contains { $0.name == "Stray" && !$0.isLoaded })
        }
    }

    @Test func aVersionTwoPluginGetsNoRawCredentialsUnlessGranted() async throws {
        try await withTemporaryDirectory { directory in
            let probe = Probe.make()
            let credentials = StaticCredentialProvider(Credentials(accessKeyId: "AKIDTEST", secretAccessKey: "s3cr3t"))
            for grant in [false, true] {
                let json = Array(#"{"probe":"\#(probe.id)"}"#.utf8)
                let host = TestHost(
                    configuration: .init(
                        pluginDirectory: nil,
                        settings: ["Credentials": .init(configuration: json, rawCredentials: grant)]),
                    credentials: credentials)
                try await host.register(CredentialsHandler.export(2), origin: "test:credentials")
                try await host.run {
                    #expect(await host.dispatcher.enqueue(stream: "cam-1", records: [Records.make(sequence: 1)]).wait())
                }
            }
            let seen = probe.delivered.withLock { $0 }
            #expect(seen.count == 2)
            #expect(seen.first?.first?.contains("not granted") == true, "\(seen)")
            #expect(seen.last == ["AKIDTEST"])
        }
    }
}
