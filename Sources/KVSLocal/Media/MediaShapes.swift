import AWSClients
import Foundation

/// Request bodies of the media and archived-media planes (botocore's `kinesis-video-media` and
/// `kinesis-video-archived-media` models); `ListFragments` answers with AWSClients' `ListFragmentsOutput`.

struct GetMediaInput: Decodable, Sendable {
    struct StartSelector: Decodable, Sendable {
        var startSelectorType: String
        var afterFragmentNumber: String?
        var startTimestamp: EpochSeconds?
        var continuationToken: String?

        enum CodingKeys: String, CodingKey {
            case startSelectorType = "StartSelectorType"
            case afterFragmentNumber = "AfterFragmentNumber"
            case startTimestamp = "StartTimestamp"
            case continuationToken = "ContinuationToken"
        }
    }
    var streamName: String?
    var streamARN: String?
    var startSelector: StartSelector

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case startSelector = "StartSelector"
    }
}

struct ListFragmentsInput: Decodable, Sendable {
    struct FragmentSelector: Decodable, Sendable {
        struct TimestampRange: Decodable, Sendable {
            var startTimestamp: EpochSeconds
            var endTimestamp: EpochSeconds

            enum CodingKeys: String, CodingKey {
                case startTimestamp = "StartTimestamp"
                case endTimestamp = "EndTimestamp"
            }
        }
        var fragmentSelectorType: String
        var timestampRange: TimestampRange

        enum CodingKeys: String, CodingKey {
            case fragmentSelectorType = "FragmentSelectorType"
            case timestampRange = "TimestampRange"
        }
    }
    var streamName: String?
    var streamARN: String?
    var maxResults: Int?
    var nextToken: String?
    var fragmentSelector: FragmentSelector?

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case maxResults = "MaxResults"
        case nextToken = "NextToken"
        case fragmentSelector = "FragmentSelector"
    }
}

extension KinesisVideoFragment {
    init(_ record: FragmentRecord) {
        self.init()
        fragmentNumber = record.number
        fragmentSizeInBytes = Int64(record.fileSize)
        producerTimestamp = Date(epochMillis: record.producerMillis)
        serverTimestamp = Date(epochMillis: record.serverMillis)
        fragmentLengthInMilliseconds = record.durationMillis
    }
}

struct GetMediaForFragmentListInput: Decodable, Sendable {
    var streamName: String?
    var streamARN: String?
    var fragments: [String]

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case fragments = "Fragments"
    }
}
