import AWSCore
import Foundation
import HTTPTransportCore

/// Kinesis Data Streams over the JSON 1.1 protocol: creating and describing a stream, reading shards, and
/// publishing with ``putRecords(streamName:records:limits:deadline:)``, which batches and retries failed records.
public struct KinesisClient: AWSServiceClient {
    public static let service = AWSService.kinesis
    public let client: AWSClient
    static let rpc = JSONRPCProtocol.kinesis

    public init(client: AWSClient) {
        self.client = client
    }

    /// Creates a stream: provisioned with `shardCount` shards, or on-demand when `shardCount` is `nil`.
    public func createStream(_ name: String, shardCount: Int? = 1, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError)
    {
        struct Mode: Encodable {
            var streamMode: String
            enum CodingKeys: String, CodingKey { case streamMode = "StreamMode" }
        }
        struct Input: Encodable {
            var streamName: String
            var shardCount: Int?
            var streamModeDetails: Mode?
            enum CodingKeys: String, CodingKey {
                case streamName = "StreamName"
                case shardCount = "ShardCount"
                case streamModeDetails = "StreamModeDetails"
            }
        }
        let input = Input(
            streamName: name, shardCount: shardCount,
            streamModeDetails: shardCount == nil ? Mode(streamMode: "ON_DEMAND") : nil)
        let _: AWSEmptyOutput = try await client.jsonRPC(
            Self.rpc, "CreateStream", input: input, isIdempotent: false, deadline: deadline)
    }

    public func describeStreamSummary(_ name: String, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> KinesisStreamDescriptionSummary
    {
        struct Output: Decodable {
            var summary: KinesisStreamDescriptionSummary
            enum CodingKeys: String, CodingKey { case summary = "StreamDescriptionSummary" }
        }
        let output: Output = try await client.jsonRPC(
            Self.rpc, "DescribeStreamSummary", input: StreamNameBody(streamName: name), isIdempotent: true,
            deadline: deadline)
        return output.summary
    }

    /// Polls `DescribeStreamSummary` until the stream is `ACTIVE` (at most `attempts` times).
    public func waitUntilActive(_ name: String, interval: Duration = .seconds(1), attempts: Int = 60)
        async throws(AWSError) -> KinesisStreamDescriptionSummary
    {
        var summary = try await describeStreamSummary(name)
        var polls = 1
        while summary.streamStatus != "ACTIVE", polls < attempts {
            do {
                try await Task.sleep(for: interval)
            } catch {
                throw AWSError.cancelled("Kinesis.DescribeStreamSummary")
            }
            summary = try await describeStreamSummary(name)
            polls += 1
        }
        guard summary.streamStatus == "ACTIVE" else {
            throw AWSError(
                .timedOut, operation: "Kinesis.DescribeStreamSummary",
                "stream \(name) is still \(summary.streamStatus) after \(attempts) polls")
        }
        return summary
    }

    /// Every shard of the stream (all pages of `ListShards`).
    public func listShards(_ streamName: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> [KinesisShard]
    {
        struct Input: Encodable {
            var streamName: String?
            var nextToken: String?
            enum CodingKeys: String, CodingKey {
                case streamName = "StreamName"
                case nextToken = "NextToken"
            }
        }
        struct Output: Decodable, Sendable {
            var shards: [KinesisShard]?
            var nextToken: String?
            enum CodingKeys: String, CodingKey {
                case shards = "Shards"
                case nextToken = "NextToken"
            }
        }
        let client = self.client
        // With a NextToken the API refuses a StreamName: the token already names the stream.
        let pages = AWSPaginator<Output>(operation: "Kinesis.ListShards") { (token) async throws(AWSError) in
            let page: Output = try await client.jsonRPC(
                Self.rpc, "ListShards", input: Input(streamName: token == nil ? streamName : nil, nextToken: token),
                isIdempotent: true, deadline: deadline)
            return (page, page.nextToken)
        }
        return try await pages.collect { $0.shards ?? [] }
    }

    public func getShardIterator(
        streamName: String, shardId: String, position: ShardIteratorPosition,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> String {
        struct Input: Encodable {
            var streamName: String
            var shardId: String
            var shardIteratorType: String
            var startingSequenceNumber: String?
            var timestamp: Date?
            enum CodingKeys: String, CodingKey {
                case streamName = "StreamName"
                case shardId = "ShardId"
                case shardIteratorType = "ShardIteratorType"
                case startingSequenceNumber = "StartingSequenceNumber"
                case timestamp = "Timestamp"
            }
        }
        struct Output: Decodable {
            var shardIterator: String?
            enum CodingKeys: String, CodingKey { case shardIterator = "ShardIterator" }
        }
        let output: Output = try await client.jsonRPC(
            Self.rpc, "GetShardIterator",
            input: Input(
                streamName: streamName, shardId: shardId, shardIteratorType: position.type,
                startingSequenceNumber: position.sequenceNumber, timestamp: position.timestamp),
            isIdempotent: true, deadline: deadline)
        guard let iterator = output.shardIterator else {
            throw AWSError(.invalidResponse, operation: "Kinesis.GetShardIterator", "no ShardIterator in response")
        }
        return iterator
    }

    public func getRecords(shardIterator: String, limit: Int? = nil, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> GetRecordsOutput
    {
        struct Input: Encodable {
            var shardIterator: String
            var limit: Int?
            enum CodingKeys: String, CodingKey {
                case shardIterator = "ShardIterator"
                case limit = "Limit"
            }
        }
        return try await client.jsonRPC(
            Self.rpc, "GetRecords", input: Input(shardIterator: shardIterator, limit: limit), isIdempotent: true,
            deadline: deadline)
    }
}

struct StreamNameBody: Encodable {
    var streamName: String
    enum CodingKeys: String, CodingKey { case streamName = "StreamName" }
}
