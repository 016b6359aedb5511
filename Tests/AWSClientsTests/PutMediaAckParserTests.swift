import AWSSigV4
import Testing

@testable import AWSClients

@Suite("PutMedia acknowledgements")
struct PutMediaAckParserTests {
    static let stream = """
        {"EventType":"BUFFERING","FragmentTimecode":0,"FragmentNumber":"91343852333754009371412493862204112772176002064"}
        {"EventType":"RECEIVED","FragmentTimecode":0,"FragmentNumber":"91343852333754009371412493862204112772176002064"}
        {"EventType":"PERSISTED","FragmentTimecode":0,"FragmentNumber":"91343852333754009371412493862204112772176002064"}
        {"EventType":"ERROR","FragmentTimecode":2000,"ErrorId":4002,"ErrorCode":"INVALID_MKV_DATA"}{"EventType":"IDLE"}
        {"EventType":"RECEIVED","FragmentTimecode":4000,"FragmentNumber":"x\\"}{y"}
        """

    static let expected: [PutMediaAck] = [
        PutMediaAck(
            eventType: .buffering, fragmentTimecode: 0,
            fragmentNumber: "91343852333754009371412493862204112772176002064"),
        PutMediaAck(
            eventType: .received, fragmentTimecode: 0, fragmentNumber: "91343852333754009371412493862204112772176002064"
        ),
        PutMediaAck(
            eventType: .persisted, fragmentTimecode: 0,
            fragmentNumber: "91343852333754009371412493862204112772176002064"),
        PutMediaAck(eventType: .error, fragmentTimecode: 2000, errorId: 4002, errorCode: "INVALID_MKV_DATA"),
        PutMediaAck(eventType: .idle),
        PutMediaAck(eventType: .received, fragmentTimecode: 4000, fragmentNumber: "x\"}{y"),
    ]

    @Test("Whole stream in one chunk")
    func oneChunk() throws {
        var parser = PutMediaAckParser()
        #expect(try parser.feed(Self.stream.bytes) == Self.expected)
        #expect(!parser.hasPartialAck)
    }

    @Test("Split at every byte position, and fed byte by byte")
    func everySplit() throws {
        let bytes = Self.stream.bytes
        for split in 0...bytes.count {
            var parser = PutMediaAckParser()
            let acks = try parser.feed(Array(bytes[..<split])) + parser.feed(Array(bytes[split...]))
            #expect(acks == Self.expected, "split at \(split)")
        }
        var parser = PutMediaAckParser()
        var acks: [PutMediaAck] = []
        for byte in bytes { acks += try parser.feed([byte]) }
        #expect(acks == Self.expected)
    }

    @Test("A truncated ack is reported; garbage and oversized objects are refused")
    func failures() throws {
        var parser = PutMediaAckParser()
        _ = try parser.feed(#"{"EventType":"RECEI"#.bytes)
        #expect(parser.hasPartialAck)
        var bad = PutMediaAckParser()
        #expect(throws: PutMediaAckParser.Failure.self) { try bad.feed(#"{"NoEvent":1}"#.bytes) }
        var huge = PutMediaAckParser()
        #expect(throws: PutMediaAckParser.Failure.self) {
            try huge.feed(("{\"EventType\":\"" + String(repeating: "x", count: 70_000)).bytes)
        }
    }
}
