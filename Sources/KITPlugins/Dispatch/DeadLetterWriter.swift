import AWSClients
import AWSSigning
import Foundation

/// One batch that could not be delivered, as written to the dead-letter destination: who failed, why, how many
/// times it was tried, and the Lambda event exactly as the plugin was given it, so it can be replayed.
struct DeadLetter: Sendable {
    enum Reason: String, Sendable {
        /// The plugin kept failing (after retries and bisection).
        case error
        /// The invocation missed its deadline and was cancelled.
        case deadline
        /// The plugin was quarantined after repeated missed deadlines; its records are no longer offered to it.
        case quarantined
    }

    var plugin: String
    var pluginVersion: String
    var pluginSHA256: String
    var stream: String
    var reason: Reason
    var error: String
    var attempts: Int
    var sequenceNumbers: [String]
    var event: [UInt8]

    /// `{"plugin":…,"reason":…,…,"event":{"Records":[…]}}`, one JSON document.
    func document(at date: Date) -> [UInt8] {
        let header: [String: Any] = [
            "plugin": plugin, "pluginVersion": pluginVersion, "pluginSHA256": pluginSHA256, "stream": stream,
            "reason": reason.rawValue, "error": error, "attempts": attempts, "sequenceNumbers": sequenceNumbers,
            "deadLetteredAt": ISO8601DateFormatter().string(from: date),
        ]
        var bytes = Array(
            (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data("{}".utf8))
        // Splice the event in as JSON, not as an escaped string.
        if bytes.last == UInt8(ascii: "}") { bytes.removeLast() }
        bytes.append(contentsOf: (bytes.count > 1 ? #","event":"# : #""event":"#).utf8)
        bytes.append(contentsOf: event)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `{plugin}/{stream}/{UTC time}-{first}-{last}-{unique}.json`: sorted by time within a stream, never reused.
    func relativePath(at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        let first = sequenceNumbers.first ?? "none"
        let last = sequenceNumbers.last ?? "none"
        let unique = UUID().uuidString.prefix(8).lowercased()
        return "\(Self.safe(plugin))/\(Self.safe(stream))/\(formatter.string(from: date))-\(Self.safe(first))-"
            + "\(Self.safe(last))-\(unique).json"
    }

    static func safe(_ component: String) -> String {
        let cleaned = String(
            component.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "_" : String(cleaned.prefix(128))
    }
}

/// Writes ``DeadLetter``s to a local directory (atomically: a reader never sees half a file) or to S3 through
/// the host's transport and credentials.
struct DeadLetterWriter: Sendable {
    let destination: DeadLetterDestination
    let services: HostServices

    /// Where it went (a path or an `s3://` URL).
    func write(_ letter: DeadLetter) async throws -> String {
        let now = Date()
        let relative = letter.relativePath(at: now)
        let document = letter.document(at: now)
        switch destination.storage {
        case .directory(let directory):
            let url = URL(fileURLWithPath: directory).appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(document).write(to: url, options: .atomic)
            return url.path
        case .s3(let bucket, let prefix, let endpoint):
            let region = services.region
            let client = try S3Client(
                region: region, endpoint: endpoint, credentialProvider: services.credentials("s3", region),
                transport: services.transport)
            let key = prefix + relative
            try await client.putObject(bucket: bucket, key: key, body: document, contentType: "application/json")
            return "s3://\(bucket)/\(key)"
        }
    }
}
