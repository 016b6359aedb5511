import Foundation
import KITRecords

/// A Lambda Kinesis event, as Lambda's Kinesis event source mapping delivers it and as the KIT host hands it to
/// plugins: `{"Records":[{"kinesis":{…,"data":"<base64>"},"eventSource":"aws:kinesis",…}]}`. A handler written
/// against this shape ports to and from Lambda one to one.
///
/// When the host publishes to its JSONL sink instead of Kinesis, ``Record/Kinesis/sequenceNumber`` is a per-stream
/// counter and ``Record/eventSourceARN`` names the sink (`arn:kit:jsonl:::<path>`).
public struct KinesisEvent: Sendable, Codable {
    public var records: [Record]

    public init(records: [Record]) { self.records = records }

    enum CodingKeys: String, CodingKey { case records = "Records" }

    /// Parses the event JSON (what the host sends, or a Lambda test event).
    public init(json: some Collection<UInt8>) throws {
        self = try JSONDecoder().decode(KinesisEvent.self, from: Data(json))
    }

    /// The event JSON, as Lambda (and the host) would deliver it.
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    public struct Record: Sendable, Codable {
        public var kinesis: Kinesis
        public var eventSource: String
        public var eventVersion: String
        /// Unique per record; also the key for ``PluginContext/image(for:)``.
        public var eventID: String
        public var eventName: String
        public var invokeIdentityArn: String
        public var awsRegion: String
        public var eventSourceARN: String

        public init(
            kinesis: Kinesis, eventID: String, awsRegion: String, eventSourceARN: String,
            invokeIdentityArn: String = "arn:kit:iam:::plugin", eventSource: String = "aws:kinesis",
            eventVersion: String = "1.0", eventName: String = "aws:kinesis:record"
        ) {
            self.kinesis = kinesis
            self.eventSource = eventSource
            self.eventVersion = eventVersion
            self.eventID = eventID
            self.eventName = eventName
            self.invokeIdentityArn = invokeIdentityArn
            self.awsRegion = awsRegion
            self.eventSourceARN = eventSourceARN
        }

        public struct Kinesis: Sendable, Codable {
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

            public init(
                partitionKey: String, sequenceNumber: String, data: [UInt8], approximateArrivalTimestamp: Double,
                kinesisSchemaVersion: String = "1.0"
            ) {
                self.kinesisSchemaVersion = kinesisSchemaVersion
                self.partitionKey = partitionKey
                self.sequenceNumber = sequenceNumber
                self.data = data
                self.approximateArrivalTimestamp = approximateArrivalTimestamp
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(kinesisSchemaVersion, forKey: .kinesisSchemaVersion)
                try container.encode(partitionKey, forKey: .partitionKey)
                try container.encode(sequenceNumber, forKey: .sequenceNumber)
                try container.encode(Data(data).base64EncodedString(), forKey: .data)
                try container.encode(approximateArrivalTimestamp, forKey: .approximateArrivalTimestamp)
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
