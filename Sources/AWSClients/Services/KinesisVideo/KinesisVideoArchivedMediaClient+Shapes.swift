import Foundation

/// Which fragments `ListFragments` returns: those whose producer or server timestamp falls in a range.
public struct FragmentSelector: Sendable, Hashable, Encodable {
    /// `PRODUCER_TIMESTAMP` or `SERVER_TIMESTAMP`.
    public var type: String
    public var start: Date
    public var end: Date

    public static func producerTimestamp(from start: Date, to end: Date) -> FragmentSelector {
        FragmentSelector(type: "PRODUCER_TIMESTAMP", start: start, end: end)
    }
    public static func serverTimestamp(from start: Date, to end: Date) -> FragmentSelector {
        FragmentSelector(type: "SERVER_TIMESTAMP", start: start, end: end)
    }

    enum CodingKeys: String, CodingKey {
        case type = "FragmentSelectorType"
        case range = "TimestampRange"
    }
    enum RangeKeys: String, CodingKey {
        case start = "StartTimestamp"
        case end = "EndTimestamp"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        var range = container.nestedContainer(keyedBy: RangeKeys.self, forKey: .range)
        try range.encode(start, forKey: .start)
        try range.encode(end, forKey: .end)
    }
}

public struct ListFragmentsInput: Sendable, Hashable, Encodable {
    public var stream: KinesisVideoStreamID
    public var fragmentSelector: FragmentSelector?
    public var maxResults: Int?
    public var nextToken: String?

    public init(
        stream: KinesisVideoStreamID, fragmentSelector: FragmentSelector? = nil, maxResults: Int? = nil,
        nextToken: String? = nil
    ) {
        self.stream = stream
        self.fragmentSelector = fragmentSelector
        self.maxResults = maxResults
        self.nextToken = nextToken
    }

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case maxResults = "MaxResults"
        case nextToken = "NextToken"
        case fragmentSelector = "FragmentSelector"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try stream.encode(into: &container, nameKey: .streamName, arnKey: .streamARN)
        try container.encodeIfPresent(maxResults, forKey: .maxResults)
        try container.encodeIfPresent(nextToken, forKey: .nextToken)
        try container.encodeIfPresent(fragmentSelector, forKey: .fragmentSelector)
    }
}

public struct KinesisVideoFragment: Sendable, Hashable, Codable {
    public var fragmentNumber: String?
    public var fragmentSizeInBytes: Int64?
    public var producerTimestamp: Date?
    public var serverTimestamp: Date?
    public var fragmentLengthInMilliseconds: Int64?

    /// Every member absent: the server side fills in what it has.
    package init() {}

    enum CodingKeys: String, CodingKey {
        case fragmentNumber = "FragmentNumber"
        case fragmentSizeInBytes = "FragmentSizeInBytes"
        case producerTimestamp = "ProducerTimestamp"
        case serverTimestamp = "ServerTimestamp"
        case fragmentLengthInMilliseconds = "FragmentLengthInMilliseconds"
    }
}

public struct ListFragmentsOutput: Sendable, Hashable, Codable {
    /// In no particular order (the API says so); sort by number or timestamp as needed.
    public var fragments: [KinesisVideoFragment]
    public var nextToken: String?

    package init(fragments: [KinesisVideoFragment], nextToken: String?) {
        self.fragments = fragments
        self.nextToken = nextToken
    }

    enum CodingKeys: String, CodingKey {
        case fragments = "Fragments"
        case nextToken = "NextToken"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fragments = try container.decodeIfPresent([KinesisVideoFragment].self, forKey: .fragments) ?? []
        nextToken = try container.decodeIfPresent(String.self, forKey: .nextToken)
    }
}

struct GetMediaForFragmentListRequest: Encodable {
    var stream: KinesisVideoStreamID
    var fragments: [String]

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case fragments = "Fragments"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try stream.encode(into: &container, nameKey: .streamName, arnKey: .streamARN)
        try container.encode(fragments, forKey: .fragments)
    }
}
