import HTTPTransportCore

/// Kinesis Video archived media at a stream's data endpoint
/// (``KinesisVideoClient/archivedMediaClient(for:api:deadline:)``): listing stored fragments and fetching them.
public struct KinesisVideoArchivedMediaClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    /// One page of `ListFragments`.
    public func listFragments(_ input: ListFragmentsInput, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> ListFragmentsOutput
    {
        try await client.restJSON(
            "KinesisVideoArchivedMedia.ListFragments", path: "/listFragments", input: input, isIdempotent: true,
            deadline: deadline)
    }

    /// Every page of `ListFragments` for `input` (its `nextToken` is ignored).
    public func listFragmentsPages(_ input: ListFragmentsInput) -> AWSPaginator<ListFragmentsOutput> {
        let client = self
        return AWSPaginator(operation: "KinesisVideoArchivedMedia.ListFragments") { (token) async throws(AWSError) in
            var pageInput = input
            pageInput.nextToken = token
            let page = try await client.listFragments(pageInput)
            return (page, page.nextToken)
        }
    }

    /// The media of 1…1000 fragments, in the order given, as one Matroska stream.
    public func getMediaForFragmentList(
        _ stream: KinesisVideoStreamID, fragments: [String], deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> KinesisVideoMediaStream {
        let operation = "KinesisVideoArchivedMedia.GetMediaForFragmentList"
        guard (1...1000).contains(fragments.count) else {
            throw AWSError(
                .invalidRequest, operation: operation, "between 1 and 1000 fragments, not \(fragments.count)")
        }
        let response = try await client.restJSONStream(
            operation, path: "/getMediaForFragmentList",
            input: GetMediaForFragmentListRequest(stream: stream, fragments: fragments), isIdempotent: true,
            deadline: deadline)
        return KinesisVideoMediaStream(
            contentType: response.headers["Content-Type"], requestId: response.requestId, payload: response.body)
    }
}
