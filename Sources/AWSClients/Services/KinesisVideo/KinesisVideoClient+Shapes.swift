import Foundation

/// A Kinesis Video stream named either way the APIs accept (`StreamName` or `StreamARN`, never both).
public struct KinesisVideoStreamID: Sendable, Hashable, CustomStringConvertible {
    public let name: String?
    public let arn: String?

    public static func name(_ name: String) -> KinesisVideoStreamID { KinesisVideoStreamID(name: name, arn: nil) }
    public static func arn(_ arn: String) -> KinesisVideoStreamID { KinesisVideoStreamID(name: nil, arn: arn) }

    public var description: String { name ?? arn ?? "" }

    func encode<Key: CodingKey>(into container: inout KeyedEncodingContainer<Key>, nameKey: Key, arnKey: Key) throws {
        try container.encodeIfPresent(name, forKey: nameKey)
        try container.encodeIfPresent(arn, forKey: arnKey)
    }
}

/// `GetDataEndpoint`'s `APIName`.
public struct KinesisVideoAPIName: RawRepresentable, Sendable, Hashable, Codable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let putMedia = KinesisVideoAPIName(rawValue: "PUT_MEDIA")
    public static let getMedia = KinesisVideoAPIName(rawValue: "GET_MEDIA")
    public static let listFragments = KinesisVideoAPIName(rawValue: "LIST_FRAGMENTS")
    public static let getMediaForFragmentList = KinesisVideoAPIName(rawValue: "GET_MEDIA_FOR_FRAGMENT_LIST")
    public static let getHLSStreamingSessionURL = KinesisVideoAPIName(rawValue: "GET_HLS_STREAMING_SESSION_URL")
    public static let getDASHStreamingSessionURL = KinesisVideoAPIName(rawValue: "GET_DASH_STREAMING_SESSION_URL")
    public static let getClip = KinesisVideoAPIName(rawValue: "GET_CLIP")
    public static let getImages = KinesisVideoAPIName(rawValue: "GET_IMAGES")
}

/// `StreamInfo`, as `DescribeStream` and `ListStreams` return it (and the local KVS server sends it).
public struct KinesisVideoStreamInfo: Sendable, Hashable, Codable {
    public var deviceName: String?
    public var streamName: String?
    public var streamARN: String?
    public var mediaType: String?
    public var kmsKeyId: String?
    public var version: String?
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`.
    public var status: String?
    public var creationTime: Date?
    public var dataRetentionInHours: Int?

    /// Every member absent: the server side fills in what it has.
    package init() {}

    enum CodingKeys: String, CodingKey {
        case deviceName = "DeviceName"
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case mediaType = "MediaType"
        case kmsKeyId = "KmsKeyId"
        case version = "Version"
        case status = "Status"
        case creationTime = "CreationTime"
        case dataRetentionInHours = "DataRetentionInHours"
    }
}

public struct ListKinesisVideoStreamsInput: Sendable, Hashable, Encodable {
    public var maxResults: Int?
    public var nextToken: String?
    /// Only streams whose name begins with this (`StreamNameCondition` `BEGINS_WITH`).
    public var nameBeginsWith: String?

    public init(maxResults: Int? = nil, nextToken: String? = nil, nameBeginsWith: String? = nil) {
        self.maxResults = maxResults
        self.nextToken = nextToken
        self.nameBeginsWith = nameBeginsWith
    }

    enum CodingKeys: String, CodingKey {
        case maxResults = "MaxResults"
        case nextToken = "NextToken"
        case streamNameCondition = "StreamNameCondition"
    }
    enum ConditionKeys: String, CodingKey {
        case comparisonOperator = "ComparisonOperator"
        case comparisonValue = "ComparisonValue"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(maxResults, forKey: .maxResults)
        try container.encodeIfPresent(nextToken, forKey: .nextToken)
        if let nameBeginsWith {
            var condition = container.nestedContainer(keyedBy: ConditionKeys.self, forKey: .streamNameCondition)
            try condition.encode("BEGINS_WITH", forKey: .comparisonOperator)
            try condition.encode(nameBeginsWith, forKey: .comparisonValue)
        }
    }
}

public struct ListKinesisVideoStreamsOutput: Sendable, Hashable, Codable {
    public var streamInfoList: [KinesisVideoStreamInfo]
    public var nextToken: String?

    package init(streamInfoList: [KinesisVideoStreamInfo], nextToken: String?) {
        self.streamInfoList = streamInfoList
        self.nextToken = nextToken
    }

    enum CodingKeys: String, CodingKey {
        case streamInfoList = "StreamInfoList"
        case nextToken = "NextToken"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        streamInfoList = try container.decodeIfPresent([KinesisVideoStreamInfo].self, forKey: .streamInfoList) ?? []
        nextToken = try container.decodeIfPresent(String.self, forKey: .nextToken)
    }
}

public struct CreateKinesisVideoStreamInput: Sendable, Hashable, Codable {
    public var streamName: String
    public var deviceName: String?
    public var mediaType: String?
    public var kmsKeyId: String?
    public var dataRetentionInHours: Int?
    public var tags: [String: String]?

    public init(
        streamName: String, deviceName: String? = nil, mediaType: String? = nil, kmsKeyId: String? = nil,
        dataRetentionInHours: Int? = nil, tags: [String: String]? = nil
    ) {
        self.streamName = streamName
        self.deviceName = deviceName
        self.mediaType = mediaType
        self.kmsKeyId = kmsKeyId
        self.dataRetentionInHours = dataRetentionInHours
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case deviceName = "DeviceName"
        case mediaType = "MediaType"
        case kmsKeyId = "KmsKeyId"
        case dataRetentionInHours = "DataRetentionInHours"
        case tags = "Tags"
    }
}

/// The body of calls that take only a stream (plus, for some, a token or tags).
struct KinesisVideoStreamRequest: Encodable {
    var stream: KinesisVideoStreamID
    var apiName: KinesisVideoAPIName?
    var nextToken: String?
    var tags: [String: String]?

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case apiName = "APIName"
        case nextToken = "NextToken"
        case tags = "Tags"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try stream.encode(into: &container, nameKey: .streamName, arnKey: .streamARN)
        try container.encodeIfPresent(apiName, forKey: .apiName)
        try container.encodeIfPresent(nextToken, forKey: .nextToken)
        try container.encodeIfPresent(tags, forKey: .tags)
    }
}
