import KITRecords

/// The records of the golden test, as the engine made them (see ``Golden`` for their bytes): a success, a failed
/// inference, odd strings and edge numbers, a latency that is not finite.
enum GoldenRecords {
    static let detection = Array(#"{"prediction":[[0,0.97,0.1,0.2,0.3,0.4]]}"#.utf8)

    static func fragmentString(
        _ number: String, server: Int64, producer: Int64, bigInteger: String? = nil, success: Bool = true,
        errorId: Int64 = 0, errorCode: String = "null", millisBehindNow: String = "OptionalLong.empty",
        continuationToken: String = "Optional.empty"
    ) -> String {
        "FragmentMetadata(fragmentNumberString=\(number), serverSideTimestampMillis=\(server), "
            + "producerSideTimestampMillis=\(producer), fragmentNumber=\(bigInteger ?? number), success=\(success), "
            + "errorId=\(errorId), errorCode=\(errorCode), millisBehindNow=\(millisBehindNow), "
            + "continuationToken=\(continuationToken))"
    }

    static func frameString(
        track: String = "1", timeCode: Int, invisible: Bool = false, discardable: Bool = false, lacing: String = "NO"
    ) -> String {
        "Frame(trackNumber=\(track), timeCode=\(timeCode), keyFrame=true, invisible=\(invisible), "
            + "discardable=\(discardable), lacing=\(lacing))"
    }

    static let success = KITRecord(
        streamName: "cam \"1\"",
        fragmentMetaData: fragmentString(
            "91343852333181432392682062607743920146264916666", server: 1_511_852_109_126,
            producer: 1_511_852_108_513),
        frameMetaData: frameString(timeCode: 0), sageMakerOutput: detection,
        fragment: .init(
            fragmentNumber: "91343852333181432392682062607743920146264916666",
            serverTimestampMillis: 1_511_852_109_126, producerTimestampMillis: 1_511_852_108_513),
        frame: .init(trackNumber: 1, timeCode: 0, timestampMillis: 1_511_852_108_513),
        image: .init(
            contentType: "image/jpeg", byteCount: 1234, sha256: String(repeating: "ab", count: 32), width: 640,
            height: 480),
        inference: .init(outputContentType: "application/json", endpointLatencyMillis: 12.5, attempts: 1),
        processing: .init(workerId: "w1", receivedAtMillis: 1_511_852_109_900, processedAtMillis: 1_511_852_110_000))

    static let failed = KITRecord(
        streamName: "front-door",
        fragmentMetaData: fragmentString(
            "91343852333181432392682062607743920146264916667", server: 1_700_000_000_001,
            producer: 1_700_000_000_000, millisBehindNow: "OptionalLong[15858]",
            continuationToken: "Optional[91343852333181432392682062607743920146264916667]"),
        frameMetaData: frameString(timeCode: 480), sageMakerOutput: [],
        fragment: .init(
            fragmentNumber: "91343852333181432392682062607743920146264916667",
            serverTimestampMillis: 1_700_000_000_001, producerTimestampMillis: 1_700_000_000_000,
            millisBehindNow: 15858, continuationToken: "91343852333181432392682062607743920146264916667"),
        frame: .init(trackNumber: 1, timeCode: 480, timestampMillis: 1_700_000_000_480),
        image: .init(
            contentType: "image/png", byteCount: 98765,
            sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", width: 1280, height: 720),
        inference: .init(
            outputContentType: nil, endpointLatencyMillis: 1234.5678, attempts: 8,
            failure: .init(
                message:
                    "AWSError(service, Container.Invocations, 503, HTTP 503): injected \"failure\"\n\tnext line")),
        processing: .init(
            workerId: "worker-a", receivedAtMillis: 1_700_000_000_900, processedAtMillis: 1_700_000_002_200))

    static let odd = KITRecord(
        streamName: "카메라/front\\door \u{1}\u{8}\u{c}\u{7f}\u{2028} 🎥 </script>",
        fragmentMetaData: fragmentString(
            "00123", server: -1, producer: -1, bigInteger: "123", success: false, errorId: 4,
            errorCode: "ERR \"x\"", millisBehindNow: "OptionalLong[0]", continuationToken: "Optional[tok,en=1]"),
        frameMetaData: frameString(
            track: "18446744073709551615", timeCode: -5, invisible: true, discardable: true, lacing: "EBML"),
        sageMakerOutput: [0, 255, 10, 13],
        fragment: .init(
            fragmentNumber: "00123", serverTimestampMillis: -1, producerTimestampMillis: -1, success: false,
            errorId: 4, errorCode: "ERR \"x\"", millisBehindNow: 0, continuationToken: "tok,en=1"),
        frame: .init(
            trackNumber: Int.max, timeCode: -5, keyFrame: true, invisible: true, discardable: true, lacing: "EBML",
            timestampMillis: -6),
        image: .init(contentType: "image/jpeg", byteCount: 0, sha256: "", width: 0, height: 0),
        inference: .init(
            outputContentType: "text/plain; charset=\"utf-8\"", endpointLatencyMillis: 0.0005, attempts: 0,
            failure: .init(message: "")),
        processing: .init(workerId: "\u{0}w\r", receivedAtMillis: 0, processedAtMillis: Int64.max))

    static let notFinite = {
        var record = success
        record.inference.endpointLatencyMillis = .infinity
        record.frame.timeCode = Int(Int16.min)
        record.sageMakerOutput = Array(repeating: 0xfb, count: 7)
        return record
    }()

    static let all: [(name: String, record: KITRecord, bytes: String)] = [
        ("success", success, Golden.success), ("failed", failed, Golden.failed), ("odd", odd, Golden.odd),
        ("notFinite", notFinite, Golden.notFinite),
    ]
}
