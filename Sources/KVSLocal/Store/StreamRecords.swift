/// A stream's identity: streams are regional, as in AWS (the region comes from the request's credential scope).
struct StreamKey: Hashable, Sendable, CustomStringConvertible {
    var region: String
    var name: String
    var description: String { "\(region)/\(name)" }
}

/// What `stream.json` holds: the control-plane view of a stream.
struct StreamMetadata: Codable, Sendable, Equatable {
    var name: String
    var arn: String
    var region: String
    var deviceName: String?
    var mediaType: String?
    var kmsKeyId: String
    var version: String
    var creationMillis: Int64
    var retentionHours: Int
    var tags: [String: String]

    static func arn(region: String, account: String, name: String, creationMillis: Int64) -> String {
        "arn:aws:kinesisvideo:\(region):\(account):stream/\(name)/\(creationMillis)"
    }

    /// (region, name) of a stream ARN (`arn:aws:kinesisvideo:REGION:ACCOUNT:stream/NAME/CREATION`).
    static func parseARN(_ arn: String) -> StreamKey? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "kinesisvideo" else { return nil }
        let resource = parts[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count == 3, resource[0] == "stream", !resource[1].isEmpty else { return nil }
        return StreamKey(region: String(parts[3]), name: String(resource[1]))
    }

    /// A new version string (KVS's are opaque alphanumerics).
    static func newVersion() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

/// One line of a stream's `index.log`: what the server knows about a stored fragment without opening it. Keys are
/// short because there is one line per fragment.
struct FragmentRecord: Codable, Sendable, Equatable {
    /// The fragment number.
    var number: String
    var serverMillis: Int64
    var producerMillis: Int64
    var durationMillis: Int64
    /// Bytes of the stored file (the fragment's Matroska document).
    var fileSize: Int
    /// Where the Cluster starts in the file: KVS's tags go in front of it.
    var clusterOffset: Int

    enum CodingKeys: String, CodingKey {
        case number = "n"
        case serverMillis = "s"
        case producerMillis = "p"
        case durationMillis = "d"
        case fileSize = "z"
        case clusterOffset = "c"
    }

    var fileName: String { number + ".mkv" }
}
