import AWSCore
import HTTPTransportCore

/// The AWS query protocol (CloudWatch): `POST /` with a form-encoded body `Action=…&Version=…&…`, lists flattened
/// as `Name.member.N`, structures as `Name.Member`; responses are XML `<{Action}Response><{Action}Result>`.
public struct QueryParameters: Sendable {
    public private(set) var items: [(name: String, value: String)] = []

    public init(action: String, version: String) {
        items = [("Action", action), ("Version", version)]
    }

    public mutating func add(_ name: String, _ value: String?) {
        if let value { items.append((name, value)) }
    }

    public mutating func add(_ name: String, _ value: Double?) {
        if let value { items.append((name, Self.format(value))) }
    }

    public mutating func add(_ name: String, _ value: Int?) {
        if let value { items.append((name, String(value))) }
    }

    /// `application/x-www-form-urlencoded` bytes, RFC 3986 escaping (botocore's `percent_encode`).
    public var encoded: [UInt8] {
        Array(
            items.map { URIEncoding.encodeQueryComponent($0.name) + "=" + URIEncoding.encodeQueryComponent($0.value) }
                .joined(separator: "&").utf8)
    }

    /// Python's `str(float)` for the common cases: `1.0`, `0.25`, `1e-05`; integral values keep `.0`.
    static func format(_ value: Double) -> String {
        "\(value)"
    }
}

extension AWSClient {
    /// Sends one query-protocol call and returns the `<{Action}Result>` element (or the root when absent).
    func query(
        _ parameters: QueryParameters, operation: String, isIdempotent: Bool, deadline: ContinuousClock.Instant?
    ) async throws(AWSError) -> AWSXML.Element {
        let request = AWSRequest(
            operation: operation, method: .post, path: "/",
            headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
            body: .bytes(parameters.encoded), isIdempotent: isIdempotent)
        let response = try await send(request, deadline: deadline)
        let root = try Self.parseXML(response.body, operation: operation)
        let action = parameters.items.first?.value ?? ""
        return root.child("\(action)Result") ?? root
    }

    static func parseXML(_ body: [UInt8], operation: String) throws(AWSError) -> AWSXML.Element {
        do {
            return try AWSXML.parse(body)
        } catch {
            throw AWSError(.invalidResponse, operation: operation, "response is not XML", underlying: error)
        }
    }
}
