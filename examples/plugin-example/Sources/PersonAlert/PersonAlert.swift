import Foundation
import PluginAPI

/// Raises an alert when the endpoint saw a person: one JSON line per alerting record appended to `alertsFile`,
/// and, when `webhookURL` is set, the same JSON POSTed there through the host's HTTP transport.
///
/// A frame whose inference failed is an alert of its own (`"kind": "inferenceFailed"`, with the error, its HTTP
/// status, the attempts and the frame's times), logged and counted: a model that stopped answering must not look
/// like an empty scene.
///
/// Configuration: `{"alertsFile": "/var/lib/kit/alerts.jsonl", "threshold": 0.8, "webhookURL": "https://…"}`.
struct PersonAlert: KITPluginHandler {
    static let name = "PersonAlert"
    static let version = "0.1.0"

    struct Configuration: Decodable {
        var alertsFile: String
        var threshold: Double?
        var webhookURL: String?
    }

    let configuration: Configuration

    init(context: PluginInitContext) throws {
        configuration = try context.configuration.decode(Configuration.self)
        context.logger.info("PersonAlert ready", metadata: ["alertsFile": "\(configuration.alertsFile)"])
    }

    func handle(_ event: KinesisEvent, context: PluginContext) async throws {
        var lines: [String] = []
        for record in event.records {
            let result = try record.kitRecord()
            var alert: [String: Any] = [
                "stream": result.streamName, "fragmentNumber": result.fragment.fragmentNumber,
                "frameTimecode": result.frame.timeCode, "frameTimestampMillis": result.frameTimestampMillis,
                "frameTimestamp": Self.iso8601(result.frameTimestamp),
                "serverTimestampMillis": result.fragment.serverTimestampMillis,
                "producerTimestampMillis": result.fragment.producerTimestampMillis,
            ]
            if let failure = result.inference.failure {
                alert["kind"] = "inferenceFailed"
                alert["inferenceError"] = failure.message
                alert["status"] = failure.status ?? NSNull()
                alert["attempts"] = result.inference.attempts ?? NSNull()
                context.logger.warning(
                    "inference failed for \(result.id)",
                    metadata: [
                        "attempts": "\(result.inference.attempts.map(String.init) ?? "unknown")",
                        "status": "\(failure.status.map(String.init) ?? "none")", "error": "\(failure.message)",
                    ])
                context.services.increment("PersonAlertInferenceFailures", dimensions: [("stream", result.streamName)])
            } else {
                guard let detection = try? result.objectDetection() else { continue }
                // Class 0 is "person" in the COCO classes the SageMaker object-detection model uses.
                let threshold = configuration.threshold ?? 0.8
                let people = detection.detections.filter { $0.classID == 0 && $0.score >= threshold }
                guard let best = people.map(\.score).max() else { continue }
                alert["kind"] = "person"
                alert["people"] = people.count
                alert["score"] = best
                context.services.increment("PersonAlerts", dimensions: [("stream", result.streamName)])
            }
            let json = String(
                decoding: try JSONSerialization.data(withJSONObject: alert, options: [.sortedKeys]), as: UTF8.self)
            lines.append(json)
            if let webhook = configuration.webhookURL {
                try await post(json, to: webhook, context: context)
            }
        }
        guard !lines.isEmpty else { return }
        try append(lines)
        context.logger.info("\(lines.count) alert(s) raised")
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    private func post(_ json: String, to url: String, context: PluginContext) async throws {
        let response = try await context.aws.transport.execute(
            HTTPRequest(method: .post, url: url, headers: ["Content-Type": "application/json"], body: .string(json)),
            deadline: context.deadline)
        guard (200..<300).contains(response.head.status) else {
            throw AlertError(description: "webhook answered HTTP \(response.head.status)")
        }
    }

    private func append(_ lines: [String]) throws {
        let url = URL(fileURLWithPath: configuration.alertsFile)
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}

struct AlertError: Error, CustomStringConvertible {
    var description: String
}

// The one line that makes this library a KIT plugin.
@c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry { PersonAlert.export(abi) }
