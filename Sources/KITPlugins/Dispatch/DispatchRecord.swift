/// One published KIT result on its way to the plugins: the record exactly as it went to Kinesis (or the JSONL
/// sink) plus where it went, which is what a Lambda Kinesis event carries, and the frame the endpoint saw.
public struct DispatchRecord: Sendable {
    public var streamName: String
    /// The KIT record JSON bytes exactly as published.
    public var data: [UInt8]
    public var partitionKey: String
    /// The Kinesis sequence number, or a per-stream counter for the JSONL sink.
    public var sequenceNumber: String
    /// Seconds since the epoch.
    public var approximateArrivalTimestamp: Double
    /// The Kinesis stream ARN, or e.g. `arn:kit:jsonl:::<path>` for the JSONL sink.
    public var eventSourceARN: String
    public var awsRegion: String
    /// The encoded frame sent to the endpoint, offered to plugins through the host-services table.
    public var image: [UInt8]?
    public var imageContentType: String?

    public init(
        streamName: String, data: [UInt8], partitionKey: String, sequenceNumber: String,
        approximateArrivalTimestamp: Double, eventSourceARN: String, awsRegion: String, image: [UInt8]? = nil,
        imageContentType: String? = nil
    ) {
        self.streamName = streamName
        self.data = data
        self.partitionKey = partitionKey
        self.sequenceNumber = sequenceNumber
        self.approximateArrivalTimestamp = approximateArrivalTimestamp
        self.eventSourceARN = eventSourceARN
        self.awsRegion = awsRegion
        self.image = image
        self.imageContentType = imageContentType
    }

    /// The record's Lambda `eventID`, unique across streams (a JSONL sink numbers each stream from 1), and the key
    /// a plugin asks the host's `frame_image` for.
    public var eventID: String { "\(streamName):\(sequenceNumber)" }
}
