import Foundation
import KITPlugins
import KITTestSupport
import MetricsTestKit
import PluginTesting
import Testing

/// The example plugin package (`examples/plugin-example`, a separate package depending on this one by path) built
/// in its own scratch path and loaded like any third-party plugin.
///
/// Why this stays out of the suite's critical time: the scratch path `.build-example` persists between runs (it is
/// git-ignored), so after the first run the build is incremental (seconds, or a relink after SDK changes); and this
/// suite runs in parallel with the others, so even the first, cold build (the SDK and its dependencies, minutes on
/// two cores) overlaps them instead of adding to them. `KIT_SKIP_EXAMPLE_PLUGIN=1` skips it.
@Suite(
    .enabled(if: ProcessInfo.processInfo.environment["KIT_SKIP_EXAMPLE_PLUGIN"] == nil),
    .timeLimit(.minutes(15)))
struct ExamplePluginTests {
    static let scratch = TestPaths.packageRoot.appendingPathComponent(".build-example")

    @Test func theExamplePackageBuildsSeparatelyPassesItsOwnTestsAndLoads() async throws {
        let swift = try #require(TestPaths.tool("swift"), "swift not on /usr/bin or /opt/swift/usr/bin")
        let package = ["--package-path", TestPaths.packageRoot.appendingPathComponent("examples/plugin-example").path]
        let scratch = ["--scratch-path", Self.scratch.path]
        let build = try await runProgram(
            swift, ["build", "--build-tests"] + package + scratch, timeout: .seconds(14 * 60))
        try #require(build.status == 0, "example build failed:\n\(build.output.suffix(4000))")
        // Its own tests, written with PluginTesting.
        let tests = try await runProgram(
            swift, ["test", "--skip-build"] + package + scratch, timeout: .seconds(5 * 60))
        #expect(tests.status == 0, "the example's tests:\n\(tests.output.suffix(4000))")
        #expect(tests.output.contains("PersonAlertTests passed"), "\(tests.output.suffix(2000))")
        let library = Self.scratch.appendingPathComponent("debug/libPersonAlert.so")
        try #require(FileManager.default.fileExists(atPath: library.path))

        try await withTemporaryDirectory { directory in
            let plugins = try LoaderTests.pluginDirectory(in: directory)
            let installed = plugins.appendingPathComponent("libPersonAlert.so")
            try FileManager.default.copyItem(at: library, to: installed)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: installed.path)
            let alerts = directory.appendingPathComponent("alerts.jsonl")
            // The example's configuration comes from its manifest beside the library, as a user would install it.
            try Data(#"{"alertsFile":"\#(alerts.path)","threshold":0.9}"#.utf8)
                .write(to: plugins.appendingPathComponent("libPersonAlert.json"))
            let host = TestHost(configuration: .init(pluginDirectory: plugins.path))
            let reports = await host.load()
            try #require(reports.count == 1 && reports[0].isLoaded, "\(reports)")
            #expect(reports[0].name == "PersonAlert" && reports[0].version == "0.2.0" && reports[0].abiVersion == 2)
            let records = [
                Records.make(sequence: 1),  // a person at 0.97: alert
                Records.make(
                    sequence: 2, data: Records.kitJSON(stream: "cam-1", output: #"{"prediction":[[0,0.5,0,0,1,1]]}"#)),
                // The endpoint never answered for this frame: an alert saying so, not an empty scene.
                Records.make(sequence: 3, data: FailedRecord.json(stream: "cam-1", timeCode: 480)),
            ]
            try await host.run {
                #expect(await host.dispatcher.enqueue(stream: "cam-1", records: records).wait())
            }
            let lines = try String(contentsOf: alerts, encoding: .utf8).split(separator: "\n")
            try #require(lines.count == 2, "\(lines)")
            let alert = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect(alert?["kind"] as? String == "person")
            #expect(alert?["stream"] as? String == "cam-1")
            #expect(alert?["score"] as? Double == 0.97)
            // The plugin's own swift-metrics counter, through the host, with the plugin dimension added.
            let personAlerts = host.metrics.counters.filter {
                $0.label == "PersonAlerts" && $0.dimensions.contains { $0 == ("kind", "person") }
            }
            let seen = host.metrics.counters.map { "\($0.label)\($0.dimensions)=\($0.totalValue)" }
            #expect(personAlerts.count == 1 && personAlerts.first?.totalValue == 1, "\(seen)")
            #expect(personAlerts.first?.dimensions.contains { $0 == ("plugin", "PersonAlert") } == true)
            #expect(!host.logs.messages(containing: "PersonAlert ready").isEmpty)

            // What the example read from the failed record: the error, its status, the attempts, the typed times.
            let failed = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
            #expect(failed["kind"] as? String == "inferenceFailed")
            #expect(failed["inferenceError"] as? String == FailedRecord.message)
            #expect(failed["status"] as? Int == 503)
            #expect(failed["attempts"] as? Int == 8)
            #expect(failed["frameTimecode"] as? Int == 480)
            #expect((failed["frameTimestampMillis"] as? NSNumber)?.int64Value == FailedRecord.producerMillis + 480)
            #expect((failed["serverTimestampMillis"] as? NSNumber)?.int64Value == 1_511_852_109_126)
            #expect((failed["producerTimestampMillis"] as? NSNumber)?.int64Value == FailedRecord.producerMillis)
            #expect(failed["frameTimestamp"] as? String == "2017-11-28T06:55:08.993Z")
            #expect(failed["score"] == nil && failed["people"] == nil)
            #expect(
                host.metrics.counters.contains {
                    $0.label == "PersonAlerts" && $0.dimensions.contains { $0 == ("kind", "inferenceFailed") }
                })
            #expect(!host.logs.messages(containing: "inference failed for cam-1/").isEmpty)
        }
    }
}
