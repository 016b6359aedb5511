import Foundation
import KITRecords

/// A Lambda Kinesis event, as Lambda's Kinesis event source mapping delivers it and as the KIT host hands it to
/// plugins: `{"Records":[{"kinesis":{…,"data":"<base64>"},"eventSource":"aws:kinesis",…}]}`. A handler written
/// against this shape ports to and from Lambda one to one.
///
/// When the host publishes to its JSONL sink instead of Kinesis, ``Record/Kinesis/sequenceNumber`` is a per-stream
/// counter and ``Record/eventSourceARN`` names the sink (`arn:kit:jsonl:::<path>`).
public struct KinesisEvent: Sendable, Decodable {
    public var records: [Record]

    public init(records: [Record]) { self.records = records }

    enum CodingKeys: String, CodingKey { case records = "Records" }

    /// Parses the event JSON (what the host sends, or a Lambda test event).
    public init(json: some Collection<UInt8>) throws {
        self = try JSONDecoder().decode(KinesisEvent.self, from: Data(json))
    }

    public struct Record: Sendable, Decodable {
        public var kinesis: Kinesis
        public var eventSource: String
        public var eventVersion: String
        /// Unique per record; also the key for ``PluginContext/image(for:)``.
        public var eventID: String
        public var eventName: String
        public var invokeIdentityArn: String
        public var awsRegion: String
        public var eventSourceARN: String

        public struct Kinesis: Sendable, Decodable {
            public var kinesisSchemaVersion: String
            public var partitionKey: String
            public var sequenceNumber: String
            /// The record's bytes, base64-decoded (for KIT: the result JSON, see ``KITRecord``).
            public var data: [UInt8]
            /// Seconds since the epoch.
            public var approximateArrivalTimestamp: Double

            enum CodingKeys: String, CodingKey {
                case kinesisSchemaVersion, partitionKey, sequenceNumber, data, approximateArrivalTimestamp
            }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                kinesisSchemaVersion =
                    try container.decodeIfPresent(String.self, forKey: .kinesisSchemaVersion) ?? "1.0"
                partitionKey = try container.decode(String.self, forKey: .partitionKey)
                sequenceNumber = try container.decode(String.self, forKey: .sequenceNumber)
                let base64 = try container.decode(String.self, forKey: .data)
                guard let bytes = Data(base64Encoded: base64) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .data, in: container, debugDescription: "kinesis.data is not base64")
                }
                data = Array(bytes)
                approximateArrivalTimestamp = try container.decode(Double.self, forKey: .approximateArrivalTimestamp)
            }
        }

        /// The KIT record this event record carries (the host's full record, or KIT's four keys only).
        public func kitRecord() throws(KITRecordError) -> KITRecord { try KITRecord(json: kinesis.data) }
    }
}
