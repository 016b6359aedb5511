import Foundation
import PluginAPI

/// Raises an alert when the endpoint saw a person: one JSON line per alerting record appended to `alertsFile`,
/// and, when `webhookURL` is set, the same JSON POSTed there through the host's HTTP transport.
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
            guard let detection = try? result.objectDetection() else { continue }
            // Class 0 is "person" in the COCO classes the SageMaker object-detection model uses.
            let people = detection.detections.filter { $0.classID == 0 && $0.score >= (configuration.threshold ?? 0.8) }
            guard let best = people.map(\.score).max() else { continue }
            let alert: [String: Any] = [
                "stream": result.streamName, "fragmentNumber": result.fragment.fragmentNumber,
                "frameTimecode": result.frame.timeCode, "people": people.count, "score": best,
                "serverTimestampMillis": result.fragment.serverSideTimestampMillis,
            ]
            let json = String(
                decoding: try JSONSerialization.data(withJSONObject: alert, options: [.sortedKeys]), as: UTF8.self)
            lines.append(json)
            context.services.increment("PersonAlerts", dimensions: [("stream", result.streamName)])
            if let webhook = configuration.webhookURL {
                try await post(json, to: webhook, context: context)
            }
        }
        guard !lines.isEmpty else { return }
        try append(lines)
        context.logger.info("\(lines.count) person alert(s) raised")
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
