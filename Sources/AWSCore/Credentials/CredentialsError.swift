/// Why credentials (or the configuration around them) could not be obtained.
///
/// A struct with an opaque ``Code`` so new failure kinds break no caller. The message never contains a secret key,
/// session token, web identity token or authorization token; a service's own error code (`serviceCode`, e.g. STS's
/// `InvalidIdentityToken`) is kept exactly as it arrived.
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case notConfigured
            case invalidConfiguration
            case unsupportedConfiguration
            case fileUnreadable
            case processFailed
            case transportFailed
            case httpStatus
            case serviceError
            case invalidResponse
            case expired
        }
        private let kind: Kind

        /// The source does not apply here (variables unset, no profile, no metadata service); chains move on.
        public static let notConfigured = Code(kind: .notConfigured)
        /// The source is configured but wrongly (a key id without a secret, a bad URL, a missing profile).
        public static let invalidConfiguration = Code(kind: .invalidConfiguration)
        /// Configured with a feature this module does not implement (SSO, `source_profile` role chaining).
        public static let unsupportedConfiguration = Code(kind: .unsupportedConfiguration)
        /// A token or configuration file could not be read.
        public static let fileUnreadable = Code(kind: .fileUnreadable)
        /// `credential_process` failed to start, exited non-zero or timed out.
        public static let processFailed = Code(kind: .processFailed)
        /// The HTTP client could not complete the exchange.
        public static let transportFailed = Code(kind: .transportFailed)
        /// An endpoint answered with an unexpected HTTP status.
        public static let httpStatus = Code(kind: .httpStatus)
        /// The service answered with an error document (`serviceCode` holds its code).
        public static let serviceError = Code(kind: .serviceError)
        /// The answer could not be understood (bad JSON/XML, missing fields, wrong version).
        public static let invalidResponse = Code(kind: .invalidResponse)
        /// The only credentials available have expired.
        public static let expired = Code(kind: .expired)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// Which provider failed (`environment`, `profile`, `process`, `web-identity`, `container`, `imds`, …).
    public var provider: String
    public var message: String
    /// The service's error code as it arrived, when there is one.
    public var serviceCode: String?
    /// The HTTP status, when one was received.
    public var status: Int?
    public var underlying: (any Error)?

    public init(
        _ code: Code, provider: String, _ message: String, serviceCode: String? = nil,
        status: Int? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.provider = provider
        self.message = message
        self.serviceCode = serviceCode
        self.status = status
        self.underlying = underlying
    }

    public var description: String {
        var text = "CredentialsError(\(code), \(provider)): \(message)"
        if let serviceCode { text += " [\(serviceCode)]" }
        if let status { text += " (HTTP \(status))" }
        if let underlying { text += " — \(underlying)" }
        return text
    }
}
