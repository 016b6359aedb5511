import HTTPTransportCore

/// The Kinesis Video media data plane, at a stream's data endpoint (``KinesisVideoClient/mediaClient(for:api:deadline:)``):
/// `GetMedia` (a continuous Matroska stream) and `PutMedia` (fragments up, acknowledgements down, on one
/// exchange).
public struct KinesisVideoMediaClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    /// Starts a GetMedia session and returns at the response headers; the payload then streams as long as the
    /// stream has data (hours), with back-pressure. Retried (it only reads) until the headers arrive. `deadline`,
    /// if given, bounds the whole session.
    public func getMedia(_ input: GetMediaInput, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> KinesisVideoMediaStream
    {
        let response = try await client.restJSONStream(
            "KinesisVideoMedia.GetMedia", path: "/getMedia", input: input, isIdempotent: true, deadline: deadline)
        return KinesisVideoMediaStream(
            contentType: response.headers["Content-Type"], requestId: response.requestId, payload: response.body)
    }
}
