import Foundation
import PluginAPI

/// Raises an alert when the endpoint saw a person: one JSON line per alerting record appended to `alertsFile`,
/// and, when `webhookURL` is set, the same JSON POSTed there through the host's HTTP transport.
///
/// A frame whose inference failed is an alert of its own (`"kind": "inferenceFailed"`, with the error, its HTTP
/// status, the attempts and the frame's times), logged and counted: a model that stopped answering must not look
/// like an empty scene.
///
/// It is a `KITRecordHandler`: records come one at a time, in order, already decoded. When the webhook fails for
/// a record, that record is reported as failed — the host delivers it and the ones after it again, but never the
/// ones before it, so an alert already sent is not sent again.
///
/// Configuration: `{"alertsFile": "/var/lib/kit/alerts.jsonl", "threshold": 0.8, "webhookURL": "https://…"}`.
struct PersonAlert: KITRecordHandler {
    static let name = "PersonAlert"
    static let version = "0.2.0"

    struct Configuration: Decodable {
        var alertsFile: String
        var threshold: Double?
        var webhookURL: String?
    }

    let configuration: Configuration
    let alerts: AlertsFile

    init(context: PluginInitContext) async throws {
        configuration = try context.configuration.decode(Configuration.self)
        alerts = try AlertsFile(path: configuration.alertsFile)
        context.logger.info("PersonAlert ready", metadata: ["alertsFile": "\(configuration.alertsFile)"])
    }

    func handle(_ record: KITRecord, context: PluginContext) async throws {
        guard let alert = alert(for: record, logger: context.logger) else { return }
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: alert, options: [.sortedKeys]), as: UTF8.self)
        if let webhook = configuration.webhookURL {
            try await post(json, to: webhook, context: context)
        }
        try alerts.append(json)
        Counter(label: "PersonAlerts", dimensions: [("stream", record.streamName), ("kind", "\(alert["kind"] ?? "")")])
            .increment()
    }

    /// The alert document for `record`, or `nil` when it shows no one.
    func alert(for record: KITRecord, logger: Logger) -> [String: Any]? {
        var alert: [String: Any] = [
            "stream": record.streamName, "fragmentNumber": record.fragment.fragmentNumber,
            "frameTimecode": record.frame.timeCode, "frameTimestampMillis": record.frameTimestampMillis,
            "frameTimestamp": Self.iso8601(record.frameTimestamp),
            "serverTimestampMillis": record.fragment.serverTimestampMillis,
            "producerTimestampMillis": record.fragment.producerTimestampMillis,
        ]
        if let failure = record.inference.failure {
            alert["kind"] = "inferenceFailed"
            alert["inferenceError"] = failure.message
            alert["status"] = failure.status ?? NSNull()
            alert["attempts"] = record.inference.attempts ?? NSNull()
            logger.warning(
                "inference failed for \(record.id)",
                metadata: [
                    "attempts": "\(record.inference.attempts.map(String.init) ?? "unknown")",
                    "status": "\(failure.status.map(String.init) ?? "none")", "error": "\(failure.message)",
                ])
            return alert
        }
        guard let detection = try? record.objectDetection() else { return nil }
        // Class 0 is "person" in the COCO classes the SageMaker object-detection model uses.
        let people = detection.detections.filter { $0.classID == 0 && $0.score >= (configuration.threshold ?? 0.8) }
        guard let best = people.map(\.score).max() else { return nil }
        alert["kind"] = "person"
        alert["people"] = people.count
        alert["score"] = best
        return alert
    }

    private func post(_ json: String, to url: String, context: PluginContext) async throws {
        let response = try await context.aws.transport.execute(
            HTTPRequest(method: .post, url: url, headers: ["Content-Type": "application/json"], body: .string(json)),
            deadline: context.deadline)
        guard (200..<300).contains(response.head.status) else {
            throw AlertError(description: "webhook answered HTTP \(response.head.status)")
        }
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The alerts file, one JSON line per alert, appended.
struct AlertsFile: Sendable {
    let url: URL

    init(path: String) throws {
        url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
    }

    func append(_ line: String) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
    }
}

struct AlertError: Error, CustomStringConvertible {
    var description: String
}

// The one line that makes this library a KIT plugin.
@c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry { PersonAlert.export(abi) }
