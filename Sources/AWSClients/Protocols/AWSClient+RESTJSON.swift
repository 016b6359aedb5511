import HTTPTransportCore

extension AWSClient {
    /// A REST-JSON call whose input is all body (the Kinesis Video control and data planes): `POST {path}` with
    /// `Content-Type: application/json`.
    static func restJSONRequest(
        _ operation: String, path: String, body: [UInt8], isIdempotent: Bool
    ) -> AWSRequest {
        AWSRequest(
            operation: operation, method: .post, path: path, headers: ["Content-Type": "application/json"],
            body: .bytes(body), isIdempotent: isIdempotent)
    }

    /// Sends a REST-JSON call whose input and output are both JSON bodies.
    public func restJSON<Output: Decodable>(
        _ operation: String, path: String, input: some Encodable, output: Output.Type = Output.self,
        isIdempotent: Bool, deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> Output {
        let body = try AWSJSON.encode(input, operation: operation)
        let response = try await send(
            Self.restJSONRequest(operation, path: path, body: body, isIdempotent: isIdempotent), deadline: deadline)
        return try AWSJSON.decode(Output.self, from: response.body, operation: operation)
    }

    /// Sends a REST-JSON call whose output is a streaming payload (GetMedia, GetMediaForFragmentList).
    public func restJSONStream(
        _ operation: String, path: String, input: some Encodable, isIdempotent: Bool,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> AWSStreamingResponse {
        let body = try AWSJSON.encode(input, operation: operation)
        return try await stream(
            Self.restJSONRequest(operation, path: path, body: body, isIdempotent: isIdempotent), deadline: deadline)
    }
}
