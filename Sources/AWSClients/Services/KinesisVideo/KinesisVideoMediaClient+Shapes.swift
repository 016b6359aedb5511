import Foundation

/// Where `GetMedia` starts (`StartSelector`).
public struct KinesisVideoStartSelector: Sendable, Hashable, Encodable {
    /// `FRAGMENT_NUMBER`, `SERVER_TIMESTAMP`, `PRODUCER_TIMESTAMP`, `NOW`, `EARLIEST`, `CONTINUATION_TOKEN`.
    public let type: String
    public let afterFragmentNumber: String?
    public let startTimestamp: Date?
    public let continuationToken: String?

    private init(
        _ type: String, afterFragmentNumber: String? = nil, startTimestamp: Date? = nil,
        continuationToken: String? = nil
    ) {
        self.type = type
        self.afterFragmentNumber = afterFragmentNumber
        self.startTimestamp = startTimestamp
        self.continuationToken = continuationToken
    }

    /// The chunks after fragment `number` (resuming from a checkpointed fragment number).
    public static func fragmentNumber(after number: String) -> Self {
        Self("FRAGMENT_NUMBER", afterFragmentNumber: number)
    }
    public static func serverTimestamp(_ date: Date) -> Self { Self("SERVER_TIMESTAMP", startTimestamp: date) }
    public static func producerTimestamp(_ date: Date) -> Self { Self("PRODUCER_TIMESTAMP", startTimestamp: date) }
    public static let now = Self("NOW")
    public static let earliest = Self("EARLIEST")
    /// Resumes where a previous session's `AWS_KINESISVIDEO_CONTINUATION_TOKEN` tag said it stopped.
    public static func continuationToken(_ token: String) -> Self {
        Self("CONTINUATION_TOKEN", continuationToken: token)
    }

    enum CodingKeys: String, CodingKey {
        case type = "StartSelectorType"
        case afterFragmentNumber = "AfterFragmentNumber"
        case startTimestamp = "StartTimestamp"
        case continuationToken = "ContinuationToken"
    }
}

public struct GetMediaInput: Sendable, Hashable, Encodable {
    public var stream: KinesisVideoStreamID
    public var startSelector: KinesisVideoStartSelector

    public init(stream: KinesisVideoStreamID, startSelector: KinesisVideoStartSelector) {
        self.stream = stream
        self.startSelector = startSelector
    }

    enum CodingKeys: String, CodingKey {
        case streamName = "StreamName"
        case streamARN = "StreamARN"
        case startSelector = "StartSelector"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try stream.encode(into: &container, nameKey: .streamName, arnKey: .streamARN)
        try container.encode(startSelector, forKey: .startSelector)
    }
}

/// A media payload arriving (GetMedia, GetMediaForFragmentList): Matroska bytes in chunks of any size.
public struct KinesisVideoMediaStream: Sendable {
    /// `video/webm`, `video/x-matroska`, … as the service sent it.
    public var contentType: String?
    public var requestId: String?
    public var payload: AWSByteStream
}

/// `x-amzn-fragment-timecode-type`: whether cluster timecodes are absolute or relative to the producer start.
public struct FragmentTimecodeType: RawRepresentable, Sendable, Hashable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let absolute = FragmentTimecodeType(rawValue: "ABSOLUTE")
    public static let relative = FragmentTimecodeType(rawValue: "RELATIVE")
}

public struct PutMediaInput: Sendable, Hashable {
    public var stream: KinesisVideoStreamID
    public var fragmentTimecodeType: FragmentTimecodeType
    /// Sent as seconds with millisecond decimals (`1511852109.126`).
    public var producerStartTimestamp: Date
    /// Upload buffer: writes beyond it wait for the network.
    public var bufferCapacity: Int

    public init(
        stream: KinesisVideoStreamID, fragmentTimecodeType: FragmentTimecodeType = .absolute,
        producerStartTimestamp: Date, bufferCapacity: Int = 1 << 20
    ) {
        self.stream = stream
        self.fragmentTimecodeType = fragmentTimecodeType
        self.producerStartTimestamp = producerStartTimestamp
        self.bufferCapacity = bufferCapacity
    }

    /// `1511852109.126`: whole seconds, a dot, three digits.
    static func timestampHeader(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = millis.quotientAndRemainder(dividingBy: 1000)
        let digits = String(abs(fraction))
        return "\(seconds).\(String(repeating: "0", count: 3 - digits.count))\(digits)"
    }
}

/// One PutMedia acknowledgement, as the service streams them back while fragments go up.
public struct PutMediaAck: Sendable, Hashable {
    /// `BUFFERING`, `RECEIVED`, `PERSISTED`, `ERROR`, `IDLE`.
    public struct EventType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let buffering = EventType(rawValue: "BUFFERING")
        public static let received = EventType(rawValue: "RECEIVED")
        public static let persisted = EventType(rawValue: "PERSISTED")
        public static let error = EventType(rawValue: "ERROR")
        public static let idle = EventType(rawValue: "IDLE")
        public var description: String { rawValue }
    }

    public var eventType: EventType
    /// The fragment's timecode (its cluster timecode), in the stream's timecode units.
    public var fragmentTimecode: Int64?
    public var fragmentNumber: String?
    /// For `ERROR` acks: the numeric error id (e.g. 4002 for an invalid MKV).
    public var errorId: Int64?
    /// For `ERROR` acks, when the service names the error too.
    public var errorCode: String?

    public init(
        eventType: EventType, fragmentTimecode: Int64? = nil, fragmentNumber: String? = nil, errorId: Int64? = nil,
        errorCode: String? = nil
    ) {
        self.eventType = eventType
        self.fragmentTimecode = fragmentTimecode
        self.fragmentNumber = fragmentNumber
        self.errorId = errorId
        self.errorCode = errorCode
    }
}
