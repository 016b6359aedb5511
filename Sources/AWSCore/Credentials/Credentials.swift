import Foundation

/// AWS credentials: an access key pair, plus the session token and expiration of temporary credentials.
///
/// Every textual form (`description`, `debugDescription`, `dump`, string interpolation) redacts the secret key and
/// the session token and shows only the last four characters of the access key id, as the AWS CLI does, so a stray
/// log line or error message cannot leak them.
public struct Credentials: Sendable, Hashable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// `nil` for long-term credentials that never expire.
    public var expiration: Date?

    public init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil,
        expiration: Date? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether these credentials are still usable at `date` with at least `margin` to spare.
    public func isValid(at date: Date, margin: TimeInterval = 0) -> Bool {
        guard let expiration else { return true }
        return date.addingTimeInterval(margin) < expiration
    }
}

extension Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var text =
            "Credentials(accessKeyId: \(Self.redactedAccessKeyId(accessKeyId)), secretAccessKey: <redacted>"
        if sessionToken != nil { text += ", sessionToken: <redacted>" }
        if let expiration { text += ", expiration: \(AWSTimestamp.iso8601(expiration))" }
        return text + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyId": Self.redactedAccessKeyId(accessKeyId),
                "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
                "expiration": expiration.map(AWSTimestamp.iso8601) ?? "nil",
            ], displayStyle: .struct)
    }

    static func redactedAccessKeyId(_ id: String) -> String {
        id.count <= 4 ? String(repeating: "*", count: id.count) : "****" + id.suffix(4)
    }
}
