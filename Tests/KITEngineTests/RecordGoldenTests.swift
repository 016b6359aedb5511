import Foundation
import KVSMatroska
import Testing

@testable import KITEngine

/// The published record's exact bytes, captured from the engine's hand-written encoder before the record model
/// moved to KITRecords: keys, order, number formatting and string escapes must not change for any record the engine
/// can produce.
@Suite struct RecordGoldenTests {
    static let success = KITRecord(
        streamName: "cam \"1\"",
        fragment: FragmentMetadata(
            fragmentNumber: "91343852333181432392682062607743920146264916666",
            serverTimestampMillis: 1_511_852_109_126, producerTimestampMillis: 1_511_852_108_513),
        frameDescription:
            "Frame(trackNumber=1, timeCode=0, keyFrame=true, invisible=false, discardable=false, lacing=NO)",
        trackNumber: 1, frameTimecode: 0, frameTimestampMillis: 1_511_852_108_513,
        output: Array(#"{"prediction":[[0,0.97,0.1,0.2,0.3,0.4]]}"#.utf8), outputContentType: "application/json",
        imageContentType: "image/jpeg", imageBytes: 1234, imageSHA256: String(repeating: "ab", count: 32),
        width: 640, height: 480, endpointLatencyMillis: 12.5, attempts: 1, inferenceError: nil,
        workerId: "w1", receivedAtMillis: 1_511_852_109_900, processedAtMillis: 1_511_852_110_000)

    static let failed = KITRecord(
        streamName: "front-door",
        fragment: FragmentMetadata(
            fragmentNumber: "91343852333181432392682062607743920146264916667",
            serverTimestampMillis: 1_700_000_000_001, producerTimestampMillis: 1_700_000_000_000,
            millisBehindNow: 15858, continuationToken: "91343852333181432392682062607743920146264916667"),
        frameDescription:
            "Frame(trackNumber=1, timeCode=480, keyFrame=true, invisible=false, discardable=false, lacing=NO)",
        trackNumber: 1, frameTimecode: 480, frameTimestampMillis: 1_700_000_000_480, output: [],
        outputContentType: nil, imageContentType: "image/png", imageBytes: 98765,
        imageSHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", width: 1280, height: 720,
        endpointLatencyMillis: 1234.5678, attempts: 8,
        inferenceError: "AWSError(service, Container.Invocations, 503, HTTP 503): injected \"failure\"\n\tnext line",
        workerId: "worker-a", receivedAtMillis: 1_700_000_000_900, processedAtMillis: 1_700_000_002_200)

    static let odd = KITRecord(
        streamName: "카메라/front\\door \u{1}\u{8}\u{c}\u{7f}\u{2028} 🎥 </script>",
        fragment: FragmentMetadata(
            fragmentNumber: "00123", serverTimestampMillis: -1, producerTimestampMillis: -1, success: false,
            errorId: 4, errorCode: "ERR \"x\"", millisBehindNow: 0, continuationToken: "tok,en=1"),
        frameDescription:
            "Frame(trackNumber=18446744073709551615, timeCode=-5, keyFrame=true, invisible=true, discardable=true, lacing=EBML)",
        trackNumber: UInt64.max, frameTimecode: -5, frameTimestampMillis: -6, output: [0, 255, 10, 13],
        outputContentType: "text/plain; charset=\"utf-8\"", imageContentType: "image/jpeg", imageBytes: 0,
        imageSHA256: "", width: 0, height: 0, endpointLatencyMillis: 0.0005, attempts: 0,
        inferenceError: "", workerId: "\u{0}w\r", receivedAtMillis: 0, processedAtMillis: Int64.max)

    static let notFinite = {
        var record = success
        record.endpointLatencyMillis = .infinity
        record.frameTimecode = Int16.min
        record.output = Array(repeating: 0xfb, count: 7)
        return record
    }()

    // The bytes today's encoder writes for the records above; regenerate only if the published format is meant to
    // change.
    static let golden: [(KITRecord, String)] = [
        (success, Golden.success), (failed, Golden.failed), (odd, Golden.odd), (notFinite, Golden.notFinite),
    ]

    @Test(arguments: 0..<4) func publishedBytesAreUnchanged(_ index: Int) {
        let (record, expected) = Self.golden[index]
        let text = String(decoding: record.json(), as: UTF8.self)
        #expect(text == expected)
    }
}

// The published bytes of `RecordGoldenTests`' records, as the engine wrote them before the record moved to
// KITRecords.
enum Golden {
    static let success = [
        #"{"streamName":"cam \"1\"","#,
        #""fragmentMetaData":"FragmentMetadata(fragmentNumberString=91343852333181432392682062607743920146264916666, "#,
        #"serverSideTimestampMillis=1511852109126, producerSideTimestampMillis=1511852108513, "#,
        #"fragmentNumber=91343852333181432392682062607743920146264916666, "#,
        #"success=true, errorId=0, errorCode=null, millisBehindNow=OptionalLong.empty, "#,
        #"continuationToken=Optional.empty)","#,
        #""frameMetaData":"Frame(trackNumber=1, timeCode=0, keyFrame=true, "#,
        #"invisible=false, discardable=false, lacing=NO)","#,
        #""sageMakerOutput":"eyJwcmVkaWN0aW9uIjpbWzAsMC45NywwLjEsMC4yLDAuMywwLjRdXX0=","#,
        #""fragmentNumber":"91343852333181432392682062607743920146264916666","#,
        #""serverTimestampMillis":1511852109126,"#,
        #""producerTimestampMillis":1511852108513,"#,
        #""trackNumber":1,"#,
        #""frameTimecode":0,"#,
        #""frameTimestampMillis":1511852108513,"#,
        #""outputContentType":"application/json","#,
        #""imageContentType":"image/jpeg","#,
        #""imageBytes":1234,"#,
        #""imageSha256":"abababababababababababababababababababababababababababababababab","#,
        #""width":640,"#,
        #""height":480,"#,
        #""endpointLatencyMillis":12.500,"#,
        #""attempts":1,"#,
        #""workerId":"w1","#,
        #""receivedAtMillis":1511852109900,"#,
        #""processedAtMillis":1511852110000}"#,
    ].joined()

    static let failed = [
        #"{"streamName":"front-door","#,
        #""fragmentMetaData":"FragmentMetadata(fragmentNumberString=91343852333181432392682062607743920146264916667, "#,
        #"serverSideTimestampMillis=1700000000001, producerSideTimestampMillis=1700000000000, "#,
        #"fragmentNumber=91343852333181432392682062607743920146264916667, "#,
        #"success=true, errorId=0, errorCode=null, millisBehindNow=OptionalLong[15858], "#,
        #"continuationToken=Optional[91343852333181432392682062607743920146264916667])","#,
        #""frameMetaData":"Frame(trackNumber=1, timeCode=480, keyFrame=true, "#,
        #"invisible=false, discardable=false, lacing=NO)","#,
        #""sageMakerOutput":"","#,
        #""fragmentNumber":"91343852333181432392682062607743920146264916667","#,
        #""serverTimestampMillis":1700000000001,"#,
        #""producerTimestampMillis":1700000000000,"#,
        #""trackNumber":1,"#,
        #""frameTimecode":480,"#,
        #""frameTimestampMillis":1700000000480,"#,
        #""outputContentType":null,"#,
        #""imageContentType":"image/png","#,
        #""imageBytes":98765,"#,
        #""imageSha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","#,
        #""width":1280,"#,
        #""height":720,"#,
        #""endpointLatencyMillis":1234.568,"#,
        #""attempts":8,"#,
        #""inferenceError":"AWSError(service, Container.Invocations, 503, "#,
        #"HTTP 503): injected \"failure\"\n\tnext line","#,
        #""workerId":"worker-a","#,
        #""receivedAtMillis":1700000000900,"#,
        #""processedAtMillis":1700000002200}"#,
    ].joined()

    static let odd = [
        #"{"streamName":"\#u{ce74}\#u{ba54}\#u{b77c}/front\\door \u0001\u0008\u000c\#u{7f}\#u{2028} \#u{1f3a5} </script>","#,
        #""fragmentMetaData":"FragmentMetadata(fragmentNumberString=00123, "#,
        #"serverSideTimestampMillis=-1, producerSideTimestampMillis=-1, "#,
        #"fragmentNumber=123, success=false, errorId=4, errorCode=ERR \"x\", "#,
        #"millisBehindNow=OptionalLong[0], continuationToken=Optional[tok,en=1])","#,
        #""frameMetaData":"Frame(trackNumber=18446744073709551615, timeCode=-5, "#,
        #"keyFrame=true, invisible=true, discardable=true, lacing=EBML)","#,
        #""sageMakerOutput":"AP8KDQ==","#,
        #""fragmentNumber":"00123","#,
        #""serverTimestampMillis":-1,"#,
        #""producerTimestampMillis":-1,"#,
        #""trackNumber":9223372036854775807,"#,
        #""frameTimecode":-5,"#,
        #""frameTimestampMillis":-6,"#,
        #""outputContentType":"text/plain; charset=\"utf-8\"","#,
        #""imageContentType":"image/jpeg","#,
        #""imageBytes":0,"#,
        #""imageSha256":"","#,
        #""width":0,"#,
        #""height":0,"#,
        #""endpointLatencyMillis":0.001,"#,
        #""attempts":0,"#,
        #""inferenceError":"","#,
        #""workerId":"\u0000w\r","#,
        #""receivedAtMillis":0,"#,
        #""processedAtMillis":9223372036854775807}"#,
    ].joined()

    static let notFinite = [
        #"{"streamName":"cam \"1\"","#,
        #""fragmentMetaData":"FragmentMetadata(fragmentNumberString=91343852333181432392682062607743920146264916666, "#,
        #"serverSideTimestampMillis=1511852109126, producerSideTimestampMillis=1511852108513, "#,
        #"fragmentNumber=91343852333181432392682062607743920146264916666, "#,
        #"success=true, errorId=0, errorCode=null, millisBehindNow=OptionalLong.empty, "#,
        #"continuationToken=Optional.empty)","#,
        #""frameMetaData":"Frame(trackNumber=1, timeCode=0, keyFrame=true, "#,
        #"invisible=false, discardable=false, lacing=NO)","#,
        #""sageMakerOutput":"+/v7+/v7+w==","#,
        #""fragmentNumber":"91343852333181432392682062607743920146264916666","#,
        #""serverTimestampMillis":1511852109126,"#,
        #""producerTimestampMillis":1511852108513,"#,
        #""trackNumber":1,"#,
        #""frameTimecode":-32768,"#,
        #""frameTimestampMillis":1511852108513,"#,
        #""outputContentType":"application/json","#,
        #""imageContentType":"image/jpeg","#,
        #""imageBytes":1234,"#,
        #""imageSha256":"abababababababababababababababababababababababababababababababab","#,
        #""width":640,"#,
        #""height":480,"#,
        #""endpointLatencyMillis":null,"#,
        #""attempts":1,"#,
        #""workerId":"w1","#,
        #""receivedAtMillis":1511852109900,"#,
        #""processedAtMillis":1511852110000}"#,
    ].joined()
}
