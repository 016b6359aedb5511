import Foundation
import KITRecords
import Testing

/// Records with only KIT's four keys, as the original Java KIT publishes them: the typed fields come from the
/// Java strings, and what only our host knows is `nil`.
@Suite struct FourKeyTests {
    /// MISSION.md item 6, verbatim (placeholders included).
    static let missionSample = """
        {"streamName": "...",
         "fragmentMetaData": "FragmentMetadata(fragmentNumberString=913..., serverSideTimestampMillis=1511852109126, producerSideTimestampMillis=1511852108513, fragmentNumber=913..., success=true, errorId=0, errorCode=null, millisBehindNow=OptionalLong.empty, continuationToken=Optional.empty)",
         "frameMetaData": "Frame(trackNumber=1, timeCode=0, keyFrame=true, invisible=false, discardable=false, lacing=NO)",
         "sageMakerOutput": "<base64 of the endpoint's response body>"}
        """

    static let output = #"{"prediction":[[0,0.97,0.1,0.2,0.5,0.9]]}"#

    @Test func theMissionSampleVerbatimNamesItsPlaceholderOutput() {
        #expect {
            try KITRecord(json: Array(Self.missionSample.utf8))
        } throws: { error in
            let error = error as? KITRecordError
            return error?.code == .invalidField && error?.key == "sageMakerOutput"
        }
    }

    /// The verbatim sample with a real body in place of its `<base64 …>` placeholder.
    @Test func theMissionSampleDecodes() throws {
        let json = Self.missionSample.replacingOccurrences(
            of: "<base64 of the endpoint's response body>", with: Data(Self.output.utf8).base64EncodedString())
        let record = try KITRecord(json: Array(json.utf8))
        #expect(record.streamName == "...")
        #expect(record.fragment.fragmentNumber == "913...")
        #expect(record.fragment.serverTimestampMillis == 1_511_852_109_126)
        #expect(record.fragment.producerTimestampMillis == 1_511_852_108_513)
        #expect(record.fragment.success && record.fragment.errorId == 0 && record.fragment.errorCode == nil)
        #expect(record.fragment.millisBehindNow == nil && record.fragment.continuationToken == nil)
        #expect(record.frame.trackNumber == 1 && record.frame.timeCode == 0 && record.frame.keyFrame)
        #expect(!record.frame.invisible && !record.frame.discardable && record.frame.lacing == "NO")
        // Derived: the producer timestamp + timeCode.
        #expect(record.frameTimestampMillis == 1_511_852_108_513)
        #expect(record.frameTimestamp == Date(timeIntervalSince1970: 1_511_852_108.513))
        #expect(record.fragment.serverTimestamp == Date(timeIntervalSince1970: 1_511_852_109.126))
        #expect(record.image == nil && record.processing == nil)
        #expect(record.inference == KITRecord.Inference())
        #expect(try record.objectDetection().detections.map(\.classID) == [0])
        #expect(record.id == .init(streamName: "...", fragmentNumber: "913...", frameTimecode: 0))
    }

    @Test func optionalsAndAFrameInsideItsCluster() throws {
        let record = try KITRecord(
            streamName: "cam",
            fragmentMetaData:
                "FragmentMetadata(fragmentNumberString=91343852333181432392682062607743920146264485262, "
                + "serverSideTimestampMillis=1511852109126, producerSideTimestampMillis=1511852108513, "
                + "fragmentNumber=91343852333181432392682062607743920146264485262, success=true, errorId=0, "
                + "errorCode=null, millisBehindNow=OptionalLong[15858], "
                + "continuationToken=Optional[91343852333181432392682062607743920146264485262])",
            frameMetaData:
                "Frame(trackNumber=2, timeCode=1280, keyFrame=true, invisible=false, discardable=true, lacing=XIPH)",
            sageMakerOutput: Array(Self.output.utf8))
        #expect(record.fragment.millisBehindNow == 15858)
        #expect(record.fragment.continuationToken == "91343852333181432392682062607743920146264485262")
        #expect(record.frame.trackNumber == 2 && record.frame.timeCode == 1280)
        #expect(record.frame.discardable && record.frame.lacing == "XIPH")
        #expect(record.frameTimestampMillis == 1_511_852_108_513 + 1280)
    }

    @Test func anErrorFragment() throws {
        let fragment = try KITRecord.Fragment(
            javaString:
                "FragmentMetadata(fragmentNumberString=1, serverSideTimestampMillis=-1, producerSideTimestampMillis=-1, "
                + "fragmentNumber=1, success=false, errorId=4, errorCode=ERR, millisBehindNow=OptionalLong.empty, "
                + "continuationToken=Optional.empty)")
        #expect(!fragment.success && fragment.errorId == 4 && fragment.errorCode == "ERR")
        #expect(fragment.serverTimestampMillis == -1)
    }

    /// Encoding a four-key record writes the derived typed keys; reading that back gives the same record.
    @Test func aFourKeyRecordReencodesWithItsDerivedKeys() throws {
        let json = Self.missionSample.replacingOccurrences(
            of: "<base64 of the endpoint's response body>", with: Data(Self.output.utf8).base64EncodedString())
        let record = try KITRecord(json: Array(json.utf8))
        let written = record.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written)) as? [String: Any])
        #expect(object["fragmentNumber"] as? String == "913...")
        #expect((object["frameTimestampMillis"] as? NSNumber)?.int64Value == 1_511_852_108_513)
        #expect(object["outputContentType"] is NSNull)
        for absent in ["imageContentType", "endpointLatencyMillis", "attempts", "inferenceError", "workerId"] {
            #expect(object[absent] == nil, "\(absent)")
        }
        #expect(try KITRecord(json: written) == record)
        #expect(try JSONDecoder().decode(KITRecord.self, from: try JSONEncoder().encode(record)) == record)
    }

    /// When a typed key and a Java string disagree, the typed key wins; the string is kept as it arrived.
    @Test func typedKeysWinOverTheJavaStrings() throws {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(GoldenRecords.success.json())) as? [String: Any])
        object["fragmentNumber"] = "42"
        object["frameTimecode"] = 40
        object["frameTimestampMillis"] = 7
        let record = try KITRecord(json: Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(record.fragment.fragmentNumber == "42")
        #expect(record.frame.timeCode == 40 && record.frameTimestampMillis == 7)
        #expect(record.fragmentMetaData == GoldenRecords.success.fragmentMetaData)
    }
}
