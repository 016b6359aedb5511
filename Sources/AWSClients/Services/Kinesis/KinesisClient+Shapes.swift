import Foundation

public struct KinesisStreamDescriptionSummary: Sendable, Hashable, Decodable {
    public var streamName: String
    public var streamARN: String
    /// `CREATING`, `DELETING`, `ACTIVE`, `UPDATING`.
    public var streamStatus: String
    public var retentionPeriodHours: Int?
    public var openShardCount: Int?
    public var streamCreationTimestamp: Date?
    /// `PROVISIONED` or `ON_DEMAND`.
    public var streamMode: String?

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case streamStatus = "StreamStatus"
        case retentionPeriodHours = "RetentionPeriodHours"
        case openShardCount = "OpenShardCount"
        case streamCreationTimestamp = "StreamCreationTimestamp"
        case streamModeDetails = "StreamModeDetails"
    }
    enum ModeKeys: String, CodingKey { case streamMode = "StreamMode" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        streamName = try container.decode(String.self, forKey: .streamName)
        streamARN = try container.decode(String.self, forKey: .streamARN)
        streamStatus = try container.decode(String.self, forKey: .streamStatus)
        retentionPeriodHours = try container.decodeIfPresent(Int.self, forKey: .retentionPeriodHours)
        openShardCount = try container.decodeIfPresent(Int.self, forKey: .openShardCount)
        streamCreationTimestamp = try container.decodeIfPresent(Date.self, forKey: .streamCreationTimestamp)
        if container.contains(.streamModeDetails) {
            let mode = try container.nestedContainer(keyedBy: ModeKeys.self, forKey: .streamModeDetails)
            streamMode = try mode.decodeIfPresent(String.self, forKey: .streamMode)
        }
    }
}

public struct KinesisShard: Sendable, Hashable, Decodable {
    public var shardId: String
    public var parentShardId: String?
    public var startingHashKey: String?
    public var endingHashKey: String?
    public var startingSequenceNumber: String?
    public var endingSequenceNumber: String?

    enum CodingKeys: String, CodingKey {
        case shardId = "ShardId"
        case parentShardId = "ParentShardId"
        case hashKeyRange = "HashKeyRange"
        case sequenceNumberRange = "SequenceNumberRange"
    }
    enum HashKeys: String, CodingKey {
        case start = "StartingHashKey"
        case end = "EndingHashKey"
    }
    enum SequenceKeys: String, CodingKey {
        case start = "StartingSequenceNumber"
        case end = "EndingSequenceNumber"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        shardId = try container.decode(String.self, forKey: .shardId)
        parentShardId = try container.decodeIfPresent(String.self, forKey: .parentShardId)
        if container.contains(.hashKeyRange) {
            let range = try container.nestedContainer(keyedBy: HashKeys.self, forKey: .hashKeyRange)
            startingHashKey = try range.decodeIfPresent(String.self, forKey: .start)
            endingHashKey = try range.decodeIfPresent(String.self, forKey: .end)
        }
        if container.contains(.sequenceNumberRange) {
            let range = try container.nestedContainer(keyedBy: SequenceKeys.self, forKey: .sequenceNumberRange)
            startingSequenceNumber = try range.decodeIfPresent(String.self, forKey: .start)
            endingSequenceNumber = try range.decodeIfPresent(String.self, forKey: .end)
        }
    }
}

/// Where `GetShardIterator` starts.
public struct ShardIteratorPosition: Sendable, Hashable {
    public let type: String
    public let sequenceNumber: String?
    public let timestamp: Date?

    public static let trimHorizon = Self(type: "TRIM_HORIZON", sequenceNumber: nil, timestamp: nil)
    public static let latest = Self(type: "LATEST", sequenceNumber: nil, timestamp: nil)
    public static func atSequenceNumber(_ number: String) -> Self {
        Self(type: "AT_SEQUENCE_NUMBER", sequenceNumber: number, timestamp: nil)
    }
    public static func afterSequenceNumber(_ number: String) -> Self {
        Self(type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: number, timestamp: nil)
    }
    public static func atTimestamp(_ date: Date) -> Self {
        Self(type: "AT_TIMESTAMP", sequenceNumber: nil, timestamp: date)
    }
}

public struct KinesisRecord: Sendable, Hashable, Decodable {
    public var sequenceNumber: String
    public var partitionKey: String
    public var data: [UInt8]
    public var approximateArrivalTimestamp: Date?

    enum CodingKeys: String, CodingKey {
        case sequenceNumber = "SequenceNumber"
        case partitionKey = "PartitionKey"
        case data = "Data"
        case approximateArrivalTimestamp = "ApproximateArrivalTimestamp"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sequenceNumber = try container.decode(String.self, forKey: .sequenceNumber)
        partitionKey = try container.decode(String.self, forKey: .partitionKey)
        data = Array(try container.decode(Data.self, forKey: .data))
        approximateArrivalTimestamp = try container.decodeIfPresent(Date.self, forKey: .approximateArrivalTimestamp)
    }
}

public struct GetRecordsOutput: Sendable, Hashable, Decodable {
    public var records: [KinesisRecord]
    /// `nil` when the shard is closed and fully read.
    public var nextShardIterator: String?
    public var millisBehindLatest: Int64?

    enum CodingKeys: String, CodingKey {
        case records = "Records"
        case nextShardIterator = "NextShardIterator"
        case millisBehindLatest = "MillisBehindLatest"
    }
}

/// One record to publish.
public struct PutRecordsEntry: Sendable, Hashable {
    public var data: [UInt8]
    public var partitionKey: String
    public var explicitHashKey: String?

    public init(data: [UInt8], partitionKey: String, explicitHashKey: String? = nil) {
        self.data = data
        self.partitionKey = partitionKey
        self.explicitHashKey = explicitHashKey
    }

    /// What counts against the request's size limit: the data and the partition key.
    var wireSize: Int { data.count + partitionKey.utf8.count }
}

/// The outcome for one record of ``KinesisClient/putRecords(streamName:records:limits:deadline:)``.
public struct PutRecordsResultEntry: Sendable, Hashable {
    public var sequenceNumber: String?
    public var shardId: String?
    /// `ProvisionedThroughputExceededException`, `InternalFailure`, …, or the request's error code when the whole
    /// request for this record's batch failed.
    public var errorCode: String?
    public var errorMessage: String?
    public var isSuccess: Bool { errorCode == nil && sequenceNumber != nil }
}

public struct PutRecordsOutcome: Sendable {
    /// One entry per input record, in input order.
    public var results: [PutRecordsResultEntry]
    /// How many `PutRecords` requests were sent (batches and retries).
    public var requestCount: Int
    /// The error of the last batch request that failed as a whole, if any.
    public var lastRequestError: AWSError?

    public var failedRecordCount: Int { results.count { !$0.isSuccess } }
}

struct PutRecordsRequestBody: Encodable {
    struct Entry: Encodable {
        var data: Data
        var partitionKey: String
        var explicitHashKey: String?
        enum CodingKeys: String, CodingKey {
            case data = "Data"
            case partitionKey = "PartitionKey"
            case explicitHashKey = "ExplicitHashKey"
        }
    }
    var streamName: String
    var records: [Entry]
    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case records = "Records"
    }
}

struct PutRecordsResponseBody: Decodable {
    struct Entry: Decodable {
        var sequenceNumber: String?
        var shardId: String?
        var errorCode: String?
        var errorMessage: String?
        enum CodingKeys: String, CodingKey {
            case sequenceNumber = "SequenceNumber"
            case shardId = "ShardId"
            case errorCode = "ErrorCode"
            case errorMessage = "ErrorMessage"
        }
    }
    var failedRecordCount: Int?
    var records: [Entry]
    enum CodingKeys: String, CodingKey {
        case failedRecordCount = "FailedRecordCount"
        case records = "Records"
    }
}
