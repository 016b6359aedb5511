import AWSCore

/// The few HTTP calls credential providers make (STS, the container endpoint, instance metadata), behind a protocol
/// so this module needs no HTTP stack: the host plugs in its libcurl transport, tests plug in a fake or a
/// loopback server.
public protocol CredentialHTTPClient: Sendable {
    /// Sends one request and returns the whole response. Throws only for transport failures (connection refused,
    /// timeout); HTTP error statuses come back as responses.
    func send(_ request: CredentialHTTPRequest) async throws -> CredentialHTTPResponse
}

public struct CredentialHTTPRequest: Sendable, Hashable {
    public var method: String
    /// Absolute URL, e.g. `http://169.254.169.254/latest/api/token`.
    public var url: String
    public var headers: [SigV4Request.Header]
    public var body: [UInt8]
    /// The whole exchange must finish within this time.
    public var timeout: Duration

    public init(
        method: String, url: String, headers: [SigV4Request.Header] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(5)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

extension CredentialHTTPRequest: CustomStringConvertible {
    /// Method and URL only: headers and bodies carry tokens.
    public var description: String { "\(method) \(url)" }
}

public struct CredentialHTTPResponse: Sendable, Hashable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}
