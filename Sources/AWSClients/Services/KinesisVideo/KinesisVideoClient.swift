import AWSCore
import Foundation
import HTTPTransportCore

/// The Kinesis Video Streams control plane (REST-JSON, SigV4 service `kinesisvideo`): finding streams, their tags
/// and their data endpoints. Media itself goes through ``KinesisVideoMediaClient`` and
/// ``KinesisVideoArchivedMediaClient`` at the endpoint ``getDataEndpoint(_:api:deadline:)`` returns.
public struct KinesisVideoClient: AWSServiceClient {
    public static let service = AWSService.kinesisVideo
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    /// One page of `ListStreams`.
    public func listStreams(_ input: ListKinesisVideoStreamsInput = .init(), deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> ListKinesisVideoStreamsOutput
    {
        try await client.restJSON(
            "KinesisVideo.ListStreams", path: "/listStreams", input: input, isIdempotent: true, deadline: deadline)
    }

    /// Every page of `ListStreams`, optionally only streams whose name begins with `nameBeginsWith`.
    public func listStreamsPages(nameBeginsWith: String? = nil, pageSize: Int? = nil)
        -> AWSPaginator<ListKinesisVideoStreamsOutput>
    {
        let client = self
        return AWSPaginator(operation: "KinesisVideo.ListStreams") { (token) async throws(AWSError) in
            let page = try await client.listStreams(
                ListKinesisVideoStreamsInput(maxResults: pageSize, nextToken: token, nameBeginsWith: nameBeginsWith))
            return (page, page.nextToken)
        }
    }

    public func describeStream(_ stream: KinesisVideoStreamID, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> KinesisVideoStreamInfo
    {
        struct Output: Decodable {
            var streamInfo: KinesisVideoStreamInfo
            enum CodingKeys: String, CodingKey { case streamInfo = "StreamInfo" }
        }
        let output: Output = try await client.restJSON(
            "KinesisVideo.DescribeStream", path: "/describeStream", input: KinesisVideoStreamRequest(stream: stream),
            isIdempotent: true, deadline: deadline)
        return output.streamInfo
    }

    /// The endpoint (`https://…`) to send `api`'s calls for `stream` to.
    public func getDataEndpoint(
        _ stream: KinesisVideoStreamID, api: KinesisVideoAPIName, deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> String {
        struct Output: Decodable {
            var dataEndpoint: String?
            enum CodingKeys: String, CodingKey { case dataEndpoint = "DataEndpoint" }
        }
        let output: Output = try await client.restJSON(
            "KinesisVideo.GetDataEndpoint", path: "/getDataEndpoint",
            input: KinesisVideoStreamRequest(stream: stream, apiName: api), isIdempotent: true, deadline: deadline)
        guard let endpoint = output.dataEndpoint, !endpoint.isEmpty else {
            throw AWSError(.invalidResponse, operation: "KinesisVideo.GetDataEndpoint", "no DataEndpoint in response")
        }
        return endpoint
    }

    /// Every tag of `stream` (all pages of `ListTagsForStream`).
    public func listTagsForStream(_ stream: KinesisVideoStreamID, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> [String: String]
    {
        struct Output: Decodable, Sendable {
            var nextToken: String?
            var tags: [String: String]?
            enum CodingKeys: String, CodingKey {
                case nextToken = "NextToken"
                case tags = "Tags"
            }
        }
        let client = self.client
        let pages = AWSPaginator<Output>(operation: "KinesisVideo.ListTagsForStream") {
            (token) async throws(AWSError) in
            let page: Output = try await client.restJSON(
                "KinesisVideo.ListTagsForStream", path: "/listTagsForStream",
                input: KinesisVideoStreamRequest(stream: stream, nextToken: token), isIdempotent: true,
                deadline: deadline)
            return (page, page.nextToken)
        }
        var tags: [String: String] = [:]
        for (key, value) in try await pages.collect({ Array($0.tags ?? [:]) }) { tags[key] = value }
        return tags
    }

    /// Creates a stream and returns its ARN. Not retried after a 5xx (a repeat would answer
    /// `ResourceInUseException`).
    public func createStream(_ input: CreateKinesisVideoStreamInput, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> String
    {
        struct Output: Decodable {
            var streamARN: String?
            enum CodingKeys: String, CodingKey { case streamARN = "StreamARN" }
        }
        let output: Output = try await client.restJSON(
            "KinesisVideo.CreateStream", path: "/createStream", input: input, isIdempotent: false, deadline: deadline)
        return output.streamARN ?? ""
    }

    /// Adds or overwrites tags (setting the same tags twice is harmless, so it is retried).
    public func tagStream(
        _ stream: KinesisVideoStreamID, tags: [String: String], deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) {
        let _: AWSEmptyOutput = try await client.restJSON(
            "KinesisVideo.TagStream", path: "/tagStream", input: KinesisVideoStreamRequest(stream: stream, tags: tags),
            isIdempotent: true, deadline: deadline)
    }

    /// A media client (GetMedia, PutMedia) at the data endpoint for `api` (`.getMedia` or `.putMedia`).
    public func mediaClient(
        for stream: KinesisVideoStreamID, api: KinesisVideoAPIName = .getMedia,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> KinesisVideoMediaClient {
        let endpoint = try await getDataEndpoint(stream, api: api, deadline: deadline)
        return KinesisVideoMediaClient(client: try client.withEndpoint(endpoint, service: .kinesisVideoMedia))
    }

    /// An archived-media client (ListFragments, GetMediaForFragmentList) at the data endpoint for `api`.
    public func archivedMediaClient(
        for stream: KinesisVideoStreamID, api: KinesisVideoAPIName = .getMediaForFragmentList,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> KinesisVideoArchivedMediaClient {
        let endpoint = try await getDataEndpoint(stream, api: api, deadline: deadline)
        return KinesisVideoArchivedMediaClient(
            client: try client.withEndpoint(endpoint, service: .kinesisVideoArchivedMedia))
    }
}
