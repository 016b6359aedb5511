import Foundation
import PluginTesting
import Testing

@testable import PersonAlert

/// The example plugin's own tests, with KIT-Swift's PluginTesting: the handler in process, records built as the
/// host makes them, the alerts file and the metrics checked.
@Suite struct PersonAlertTests {
    func alertsFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("person-alert-\(UUID().uuidString).jsonl")
    }

    func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func aPersonAboveTheThresholdRaisesOneAlert() async throws {
        let file = alertsFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let plugin = try await PluginHarness(
            PersonAlert.export, configuration: #"{"alertsFile":"\#(file.path)","threshold":0.9}"#)
        let person = KITRecord.test(output: #"{"prediction":[[0,0.97,0.1,0.1,0.5,0.9]]}"#)
        let unsure = KITRecord.test(frameTimecode: 40, output: #"{"prediction":[[0,0.5,0,0,1,1]]}"#)
        #expect(try await plugin.invoke([person, unsure]).isSuccess)
        let alerts = try lines(file)
        #expect(alerts.count == 1)
        #expect(alerts.first?["kind"] as? String == "person" && alerts.first?["score"] as? Double == 0.97)
        #expect(plugin.metrics.total("PersonAlerts", dimensions: [("kind", "person")]) == 1)
    }

    @Test func aFailedInferenceIsAnAlertWithItsErrorAttemptsAndTimes() async throws {
        let file = alertsFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let plugin = try await PluginHarness(PersonAlert.export, configuration: #"{"alertsFile":"\#(file.path)"}"#)
        let failed = KITRecord.test(inferenceError: "HTTP 503 from the endpoint", errorStatus: 503, attempts: 8)
        #expect(try await plugin.invoke([failed]).isSuccess)
        let alert = try #require(try lines(file).first)
        #expect(alert["kind"] as? String == "inferenceFailed")
        #expect(alert["status"] as? Int == 503 && alert["attempts"] as? Int == 8)
        #expect(alert["frameTimestampMillis"] as? Int64 == failed.frameTimestampMillis)
    }

    @Test func aWebhookThatFailsFailsOnlyThatRecordAndTheOnesAfterIt() async throws {
        let file = alertsFile()
        defer { try? FileManager.default.removeItem(at: file) }
        // Nothing listens on the discard port: the POST fails.
        let plugin = try await PluginHarness(
            PersonAlert.export,
            configuration: #"{"alertsFile":"\#(file.path)","webhookURL":"http://127.0.0.1:9/alerts"}"#)
        let nobody = KITRecord.test(output: #"{"prediction":[]}"#)
        let person = KITRecord.test(frameTimecode: 40)
        let response = try await plugin.invoke([nobody, person, KITRecord.test(frameTimecode: 80)])
        #expect(response.batchItemFailures.map(\.itemIdentifier) == ["2"], "from the first alert that failed on")
        #expect(try lines(file).isEmpty, "an alert that was not sent is not written either")
    }
}
