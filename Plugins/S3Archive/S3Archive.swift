import Foundation
import PluginAPI
import Synchronization

/// The blog's Lambda as a KIT plugin. For each record: read the stream and fragment number, call
/// `GetDataEndpoint(GET_MEDIA_FOR_FRAGMENT_LIST)` and `GetMediaForFragmentList([fragment])`, store the fragment as
/// `{prefix}{stream}/{yyyy}/{mm}/{dd}/{fragmentNumber}.webm` (once per fragment) and the record as
/// `{fragmentNumber}-{frameTimecode}.txt` beside it (JSON: the blog's StreamName, fragmentMetaData, frameMetaData
/// and decoded sageMakerOutput, plus the record's typed keys — timestamps, image, attempts, latency, and
/// `inferenceError` with its status and body when the inference failed). Unlike the blog's
/// `stream_YYYYmmdd-HHMMSS` names, these keys never collide. The date is the fragment's server timestamp (UTC), so
/// a replayed record lands on the same keys.
///
/// Configuration (JSON):
/// - `destination`: `s3://bucket/prefix/` or `file:///directory/prefix/` (required)
/// - `region`, `s3Endpoint`, `kinesisVideoEndpoint`: optional overrides (default: the host's region and the
///   endpoints the AWS CLI would use)
/// - `concurrency`: fragments archived at once per batch (default 4)
/// - `addressingStyle`: `path`, `virtual` or (default) automatic, as the AWS CLI's `s3.addressing_style`
public struct S3ArchiveHandler: KITPluginHandler {
    public static let name = "S3Archive"
    public static let version = "1.0.0"

    struct Configuration: Decodable {
        var destination: String
        var region: String?
        var s3Endpoint: String?
        var kinesisVideoEndpoint: String?
        var concurrency: Int?
        var addressingStyle: String?
    }

    let store: ArchiveStore
    let aws: PluginAWS
    let configuration: Configuration
    let archived = ArchivedFragments()
    let endpoints = EndpointCache()

    public init(context: PluginInitContext) throws {
        // Strict: a misspelled key is an error naming it, not a silently ignored setting.
        let configuration = try context.configuration.decode(Configuration.self)
        self.configuration = configuration
        aws = context.services.aws
        store = try ArchiveStore(
            destination: configuration.destination, aws: aws, region: configuration.region,
            endpoint: configuration.s3Endpoint,
            addressingStyle: configuration.addressingStyle == "virtual"
                ? .virtualHosted : configuration.addressingStyle == "path" ? .path : .automatic)
    }

    public func handle(_ event: KinesisEvent, context: PluginContext) async throws {
        // Parse everything first: a malformed record fails the batch before anything is written, and the host's
        // bisection then isolates it.
        var fragments: [FragmentKey: [KITRecord]] = [:]
        var order: [FragmentKey] = []
        for record in event.records {
            let kit = try record.kitRecord()
            let key = FragmentKey(stream: kit.streamName, fragment: kit.fragment.fragmentNumber)
            if fragments[key] == nil { order.append(key) }
            fragments[key, default: []].append(kit)
        }
        let limit = max(1, configuration.concurrency ?? 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for key in order {
                guard let records = fragments[key] else { continue }
                if running >= limit {
                    try await group.next()
                    running -= 1
                }
                group.addTask { try await archive(key, records: records, context: context) }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    private func archive(_ key: FragmentKey, records: [KITRecord], context: PluginContext) async throws {
        guard let first = records.first else { return }
        let base = Self.directory(stream: key.stream, serverMillis: first.fragment.serverTimestampMillis)
        let webmKey = base + "\(key.fragment).webm"
        if !archived.contains(webmKey), !(try await store.exists(webmKey)) {
            let media = try await fragmentMedia(key, deadline: context.deadline)
            try await store.put(webmKey, media, contentType: "video/webm")
            context.logger.debug("fragment archived", metadata: ["key": "\(webmKey)", "bytes": "\(media.count)"])
        }
        archived.insert(webmKey)
        for record in records {
            let textKey = base + "\(key.fragment)-\(record.frame.timeCode).txt"
            try await store.put(textKey, Self.detections(record), contentType: "application/json")
            context.logger.info(
                "Detection details and fragment stored in \(store.description) with object names : \(webmKey) & \(textKey)"
            )
        }
    }

    /// `GetMediaForFragmentList` for one fragment, its bytes exactly as the service sent them.
    private func fragmentMedia(_ key: FragmentKey, deadline: ContinuousClock.Instant) async throws -> [UInt8] {
        let client = try await archivedMediaClient(for: key.stream, deadline: deadline)
        do {
            let media = try await client.getMediaForFragmentList(
                .name(key.stream), fragments: [key.fragment], deadline: deadline)
            var bytes: [UInt8] = []
            for try await chunk in media.payload { bytes.append(contentsOf: chunk) }
            return bytes
        } catch {
            // The data endpoint may have moved: ask again next time.
            endpoints.remove(key.stream)
            throw error
        }
    }

    private func archivedMediaClient(for stream: String, deadline: ContinuousClock.Instant) async throws
        -> KinesisVideoArchivedMediaClient
    {
        if let cached = endpoints.client(for: stream) { return cached }
        let client = try await aws.archivedMedia(
            for: stream, region: configuration.region, endpoint: configuration.kinesisVideoEndpoint, deadline: deadline)
        endpoints.store(client, for: stream)
        return client
    }

    /// `{stream}/{yyyy}/{mm}/{dd}/` of the fragment's server time, UTC.
    static func directory(stream: String, serverMillis: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let date = Date(timeIntervalSince1970: Double(serverMillis) / 1000)
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(stream)/\(String(format: "%04d", parts.year ?? 0))/\(two(parts.month))/\(two(parts.day))/"
    }

    /// The blog's `detections` document — StreamName, fragmentMetaData, frameMetaData, and sageMakerOutput as
    /// JSON (or, when the endpoint did not answer JSON, as its base64 text) — with the record's typed keys beside
    /// them, under the names the record has on the wire (`frameTimestampMillis`, `imageSha256`, `attempts`,
    /// `inferenceError`, `inferenceErrorStatus`, `inferenceErrorBody`, …; each only when the record has it).
    static func detections(_ record: KITRecord) -> [UInt8] {
        let output: Any =
            record.sageMakerOutputJSON() ?? Data(record.sageMakerOutput).base64EncodedString()
        var document = (try? JSONSerialization.jsonObject(with: Data(record.json()))) as? [String: Any] ?? [:]
        document["streamName"] = nil
        document["StreamName"] = record.streamName
        document["sageMakerOutput"] = output
        let data = try? JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data("{}".utf8))
    }
}

struct FragmentKey: Hashable, Sendable {
    var stream: String
    var fragment: String
}

/// Keys already written by this process, so a fragment sampled several times is fetched once. Bounded: past the
/// limit it starts over, and the store's existence check still prevents a second fetch.
final class ArchivedFragments: Sendable {
    private let keys = Mutex<Set<String>>([])

    func contains(_ key: String) -> Bool { keys.withLock { $0.contains(key) } }

    func insert(_ key: String) {
        keys.withLock { keys in
            if keys.count >= 10_000 { keys.removeAll(keepingCapacity: true) }
            keys.insert(key)
        }
    }
}

/// Archived-media clients at each stream's data endpoint, so GetDataEndpoint is asked once per stream, not once
/// per record as in the blog (again after a failure, in case the endpoint moved).
final class EndpointCache: Sendable {
    private let clients = Mutex<[String: KinesisVideoArchivedMediaClient]>([:])

    func client(for stream: String) -> KinesisVideoArchivedMediaClient? { clients.withLock { $0[stream] } }
    func store(_ client: KinesisVideoArchivedMediaClient, for stream: String) {
        clients.withLock { $0[stream] = client }
    }
    func remove(_ stream: String) { _ = clients.withLock { $0.removeValue(forKey: stream) } }
}

struct S3ArchiveError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
