import AWSClients
import Foundation

/// Request and response bodies of the control plane that the clients in AWSClients do not send or read, with the
/// JSON member names of botocore's `kinesisvideo` model (REST-JSON: timestamps are epoch seconds as numbers). The
/// others are AWSClients' own shapes (`CreateKinesisVideoStreamInput`, `KinesisVideoStreamInfo`, …), one set both
/// sides code.

struct StreamSelector: Decodable, Sendable {
    var streamName: String?
    var streamARN: String?

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
    }
}

struct CreateStreamOutput: Encodable, Sendable {
    var streamARN: String

    enum CodingKeys: String, CodingKey {
        case streamARN = "StreamARN"
    }
}

extension KinesisVideoStreamInfo {
    init(_ metadata: StreamMetadata) {
        self.init()
        deviceName = metadata.deviceName
        streamName = metadata.name
        streamARN = metadata.arn
        mediaType = metadata.mediaType
        kmsKeyId = metadata.kmsKeyId
        version = metadata.version
        status = "ACTIVE"
        creationTime = Date(epochMillis: metadata.creationMillis)
        dataRetentionInHours = metadata.retentionHours
    }
}

struct DescribeStreamOutput: Encodable, Sendable {
    var streamInfo: KinesisVideoStreamInfo

    enum CodingKeys: String, CodingKey {
        case streamInfo = "StreamInfo"
    }
}

struct ListStreamsInput: Decodable, Sendable {
    struct Condition: Decodable, Sendable {
        var comparisonOperator: String?
        var comparisonValue: String?

        enum CodingKeys: String, CodingKey {
            case comparisonOperator = "ComparisonOperator"
            case comparisonValue = "ComparisonValue"
        }
    }
    var maxResults: Int?
    var nextToken: String?
    var streamNameCondition: Condition?

    enum CodingKeys: String, CodingKey {
        case maxResults = "MaxResults"
        case nextToken = "NextToken"
        case streamNameCondition = "StreamNameCondition"
    }
}

struct DeleteStreamInput: Decodable, Sendable {
    var streamARN: String?
    var streamName: String?
    var currentVersion: String?

    enum CodingKeys: String, CodingKey {
        case streamARN = "StreamARN"
        case streamName = "StreamName"
        case currentVersion = "CurrentVersion"
    }
}

struct UpdateDataRetentionInput: Decodable, Sendable {
    var streamName: String?
    var streamARN: String?
    var currentVersion: String
    var operation: String
    var dataRetentionChangeInHours: Int

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case currentVersion = "CurrentVersion"
        case operation = "Operation"
        case dataRetentionChangeInHours = "DataRetentionChangeInHours"
    }
}

struct UpdateStreamInput: Decodable, Sendable {
    var streamName: String?
    var streamARN: String?
    var currentVersion: String
    var deviceName: String?
    var mediaType: String?

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case currentVersion = "CurrentVersion"
        case deviceName = "DeviceName"
        case mediaType = "MediaType"
    }
}

struct GetDataEndpointInput: Decodable, Sendable {
    var streamName: String?
    var streamARN: String?
    var apiName: String

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case apiName = "APIName"
    }
}

struct GetDataEndpointOutput: Encodable, Sendable {
    var dataEndpoint: String

    enum CodingKeys: String, CodingKey {
        case dataEndpoint = "DataEndpoint"
    }
}

struct TagStreamInput: Decodable, Sendable {
    var streamARN: String?
    var streamName: String?
    var tags: [String: String]

    enum CodingKeys: String, CodingKey {
        case streamARN = "StreamARN"
        case streamName = "StreamName"
        case tags = "Tags"
    }
}

struct UntagStreamInput: Decodable, Sendable {
    var streamARN: String?
    var streamName: String?
    var tagKeyList: [String]

    enum CodingKeys: String, CodingKey {
        case streamARN = "StreamARN"
        case streamName = "StreamName"
        case tagKeyList = "TagKeyList"
    }
}

struct ListTagsForStreamOutput: Encodable, Sendable {
    var tags: [String: String]
    var nextToken: String?

    enum CodingKeys: String, CodingKey {
        case tags = "Tags"
        case nextToken = "NextToken"
    }
}

/// `TagResource` / `UntagResource` / `ListTagsForResource` (by ARN, tags as a list): the newer generic forms.
struct TagResourceInput: Decodable, Sendable {
    var resourceARN: String
    var tags: [AWSTag]

    enum CodingKeys: String, CodingKey {
        case resourceARN = "ResourceARN"
        case tags = "Tags"
    }
}

struct UntagResourceInput: Decodable, Sendable {
    var resourceARN: String
    var tagKeyList: [String]

    enum CodingKeys: String, CodingKey {
        case resourceARN = "ResourceARN"
        case tagKeyList = "TagKeyList"
    }
}

struct ListTagsForResourceInput: Decodable, Sendable {
    var resourceARN: String

    enum CodingKeys: String, CodingKey {
        case resourceARN = "ResourceARN"
    }
}

struct ListTagsForResourceOutput: Encodable, Sendable {
    var tags: [AWSTag]

    enum CodingKeys: String, CodingKey {
        case tags = "Tags"
    }
}

struct EmptyOutput: Encodable, Sendable {}

/// Resource Groups Tagging API `GetResources` (JSON 1.1).
struct GetResourcesInput: Decodable, Sendable {
    struct TagFilter: Decodable, Sendable {
        var key: String?
        var values: [String]?

        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case values = "Values"
        }
    }
    var paginationToken: String?
    var tagFilters: [TagFilter]?
    var resourcesPerPage: Int?
    var resourceTypeFilters: [String]?
    var resourceARNList: [String]?

    enum CodingKeys: String, CodingKey {
        case paginationToken = "PaginationToken"
        case tagFilters = "TagFilters"
        case resourcesPerPage = "ResourcesPerPage"
        case resourceTypeFilters = "ResourceTypeFilters"
        case resourceARNList = "ResourceARNList"
    }
}
