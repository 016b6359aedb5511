import Foundation
import PluginAPI

/// Lambda Kinesis events from KIT records, as the host would deliver them.
public enum TestEvents {
    /// One event with `records` in order: partition key = stream name, sequence numbers counting from
    /// `firstSequenceNumber`, `eventID` `<stream>:<sequence>` (the host's JSONL form).
    public static func event(
        _ records: [KITRecord], firstSequenceNumber: Int = 1, region: String = "us-east-1",
        eventSourceARN: String = "arn:kit:jsonl:::/var/lib/kit/results.jsonl"
    ) -> KinesisEvent {
        KinesisEvent(
            records: records.enumerated().map { offset, record in
                let sequence = "\(firstSequenceNumber + offset)"
                return KinesisEvent.Record(
                    kinesis: .init(
                        partitionKey: record.streamName, sequenceNumber: sequence, data: record.json(),
                        approximateArrivalTimestamp: Double(record.fragment.serverTimestampMillis) / 1000),
                    eventID: "\(record.streamName):\(sequence)", awsRegion: region, eventSourceARN: eventSourceARN)
            })
    }

    /// An event whose record carries only KIT's four keys (what the original Java KIT publishes).
    public static func fourKeyEvent(_ records: [KITRecord], firstSequenceNumber: Int = 1) throws -> KinesisEvent {
        var event = event(records, firstSequenceNumber: firstSequenceNumber)
        for index in event.records.indices {
            let record = records[index]
            let object: [String: String] = [
                "streamName": record.streamName, "fragmentMetaData": record.fragmentMetaData,
                "frameMetaData": record.frameMetaData,
                "sageMakerOutput": Data(record.sageMakerOutput).base64EncodedString(),
            ]
            event.records[index].kinesis.data = Array(try JSONSerialization.data(withJSONObject: object))
        }
        return event
    }
}

extension KITRecord {
    /// A record as the host makes it, with the Java metadata strings KIT consumers parse: `output` is the
    /// endpoint's JSON; `inferenceError` makes it a record whose inference failed (no output, the error, status
    /// and body kept).
    public static func test(
        stream: String = "cam-1", fragmentNumber: String = "91343852333181432392682062607743920146264485262",
        serverTimestampMillis: Int64 = 1_700_000_000_126, frameTimecode: Int = 0,
        output: String = #"{"prediction":[[0,0.97,0.1,0.2,0.5,0.9]]}"#, inferenceError: String? = nil,
        errorStatus: Int? = nil, errorBody: String? = nil, attempts: Int = 1
    ) -> KITRecord {
        let producer = serverTimestampMillis - 613
        let fragmentString =
            "FragmentMetadata(fragmentNumberString=\(fragmentNumber), serverSideTimestampMillis=\(serverTimestampMillis), "
            + "producerSideTimestampMillis=\(producer), fragmentNumber=\(fragmentNumber), success=true, errorId=0, "
            + "errorCode=null, millisBehindNow=OptionalLong[412], continuationToken=Optional[\(fragmentNumber)])"
        let frameString =
            "Frame(trackNumber=1, timeCode=\(frameTimecode), keyFrame=true, invisible=false, discardable=false, lacing=NO)"
        let failure = inferenceError.map {
            KITRecord.Inference.Failure(message: $0, status: errorStatus, body: errorBody)
        }
        return KITRecord(
            streamName: stream, fragmentMetaData: fragmentString, frameMetaData: frameString,
            sageMakerOutput: failure == nil ? Array(output.utf8) : [],
            fragment: .init(
                fragmentNumber: fragmentNumber, serverTimestampMillis: serverTimestampMillis,
                producerTimestampMillis: producer, millisBehindNow: 412, continuationToken: fragmentNumber),
            frame: .init(trackNumber: 1, timeCode: frameTimecode, timestampMillis: producer + Int64(frameTimecode)),
            image: .init(contentType: "image/jpeg", byteCount: 0, sha256: "", width: 1280, height: 720),
            inference: .init(
                outputContentType: failure == nil ? "application/json" : nil, endpointLatencyMillis: 41.5,
                attempts: attempts, failure: failure),
            processing: .init(
                workerId: "plugin-test", receivedAtMillis: serverTimestampMillis + 5,
                processedAtMillis: serverTimestampMillis + 60))
    }
}
