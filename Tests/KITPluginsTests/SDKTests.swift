import Foundation
import KITTestSupport
import PluginAPI
import Testing

/// The SDK's typed views: the Lambda event, KIT's record with its Java metadata strings, the detection shape.
@Suite struct SDKTests {
    @Test func parsesTheRecordAndItsJavaMetadataStrings() throws {
        let record = try KITRecord(json: Records.kitJSON(stream: "front door", fragment: "913438", timeCode: 1280))
        #expect(record.streamName == "front door")
        #expect(record.fragment.fragmentNumber == "913438")
        #expect(record.fragment.serverTimestampMillis == 1_511_852_109_126)
        #expect(record.fragment.producerTimestampMillis == 1_511_852_108_513)
        #expect(record.fragment.success && record.fragment.errorId == 0 && record.fragment.errorCode == nil)
        #expect(record.fragment.millisBehindNow == 15858)
        #expect(record.fragment.continuationToken == "913438")
        #expect(record.frame.trackNumber == 1 && record.frame.timeCode == 1280 && record.frame.keyFrame)
        #expect(!record.frame.invisible && record.frame.lacing == "NO")
        // The blog's positional parse of the same string still works on what we keep.
        let inner = record.fragmentMetaData.dropFirst(17).dropLast()
        #expect(inner.split(separator: ",")[0].split(separator: "=")[1] == "913438")
        let detection = try record.objectDetection()
        #expect(detection.detections.count == 3 && detection.malformedEntries == 0)
        #expect(detection.top(5, minimumScore: 0.5).map(\.classID) == [0, 16])
    }

    @Test func emptyOptionalsAndErrorsParse() throws {
        let text =
            "FragmentMetadata(fragmentNumberString=1, serverSideTimestampMillis=2, producerSideTimestampMillis=3, "
            + "fragmentNumber=1, success=false, errorId=4, errorCode=ERR, millisBehindNow=OptionalLong.empty, "
            + "continuationToken=Optional.empty)"
        let metadata = try KITRecord.Fragment(javaString: text)
        #expect(!metadata.success && metadata.errorId == 4 && metadata.errorCode == "ERR")
        #expect(metadata.millisBehindNow == nil && metadata.continuationToken == nil)
        #expect(throws: KITRecordError.self) { try KITRecord.Fragment(javaString: "Frame(trackNumber=1)") }
        #expect(throws: KITRecordError.self) { try KITRecord(json: Array(#"{"streamName":"x"}"#.utf8)) }
        #expect(throws: KITRecordError.self) { try KITRecord(json: Array("not json".utf8)) }
    }

    @Test func detectionOutputsThatAreNotDetectionsAreNamedAsSuch() throws {
        let mixed = try ObjectDetection(
            json: Array(#"{"prediction":[[1,0.9,0,0,1,1],[2,true,0,0,1,1],[3],"x",[1.5,0.9,0,0,1,1]]}"#.utf8))
        #expect(mixed.detections.map(\.classID) == [1])
        #expect(mixed.malformedEntries == 4)
        #expect(throws: KITRecordError.self) { try ObjectDetection(json: Array(#"{"label":"cat"}"#.utf8)) }
        do {
            _ = try ObjectDetection(json: Array("<html>".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidJSON)
        }
    }

    @Test func decodesALambdaKinesisEvent() throws {
        let data = Data(Records.kitJSON(stream: "cam")).base64EncodedString()
        let json = """
            {"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"cam","sequenceNumber":"4959",
            "data":"\(data)","approximateArrivalTimestamp":1545084650.987},"eventSource":"aws:kinesis",
            "eventVersion":"1.0","eventID":"shardId-000000000006:4959","eventName":"aws:kinesis:record",
            "invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role","awsRegion":"us-east-2",
            "eventSourceARN":"arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"}]}
            """
        let event = try KinesisEvent(json: Array(json.utf8))
        #expect(event.records.count == 1)
        #expect(event.records[0].kinesis.approximateArrivalTimestamp == 1545084650.987)
        #expect(try event.records[0].kitRecord().streamName == "cam")
        #expect(event.records[0].awsRegion == "us-east-2")
    }
}

/// The SDK's configuration decoding names the key at fault: unknown (a typo), missing, or of the wrong type.
@Suite struct ConfigurationDecodingTests {
    struct Archive: Decodable {
        struct Limits: Decodable {
            var concurrency: Int
            var timeoutMs: Int?
        }
        var destination: String
        var region: String?
        var limits: Limits?
        var tags: [String: String]?
    }

    func decode(_ json: String, allowingUnknownKeys: Bool = false) throws(PluginConfigurationError) -> Archive {
        try PluginConfiguration(json: Array(json.utf8)).decode(Archive.self, allowingUnknownKeys: allowingUnknownKeys)
    }

    @Test func unknownKeysAreNamedWithTheKnownOnes() throws {
        do {
            _ = try decode(#"{"destination":"s3://b/","bucket":"b","limits":{"concurrency":2,"timeout":5}}"#)
            Issue.record("expected an unknown-key error")
        } catch {
            #expect(error.code == .unknownKey)
            #expect(error.key == "bucket")
            #expect(error.message.contains("bucket, limits.timeout"), "\(error.message)")
            #expect(error.message.contains("known: destination, limits, region, tags"), "\(error.message)")
        }
        // Optional keys, a dictionary's free-form keys and the SDK's own logLevel are all known.
        let decoded = try decode(#"{"destination":"d","logLevel":"debug","tags":{"any":"thing"},"region":"r"}"#)
        #expect(decoded.tags == ["any": "thing"])
        #expect(try decode(#"{"destination":"d","extra":1}"#, allowingUnknownKeys: true).destination == "d")
    }

    @Test func missingAndMistypedKeysAreNamed() {
        do {
            _ = try decode(#"{"bucket":"b"}"#)
            Issue.record("expected a missing-key error")
        } catch {
            #expect(error.code == .missingKey && error.key == "destination")
            #expect(error.message.contains("the configuration has: bucket"), "\(error.message)")
        }
        do {
            _ = try decode(#"{"destination":"d","limits":{"concurrency":"four"}}"#)
            Issue.record("expected a wrong-type error")
        } catch {
            #expect(error.code == .wrongType && error.key == "limits.concurrency", "\(error)")
        }
        #expect(throws: PluginConfigurationError.self) { try decode("not json") }
    }
}
