import Foundation
import KITRecords
import Testing

/// The published bytes do not change: ``KITRecord/json()`` writes exactly what the engine wrote before the record
/// model moved here, `Encodable` writes the same document, and the bytes decode back to the record.
@Suite struct GoldenTests {
    static let cases = Array(GoldenRecords.all.indices)

    @Test(arguments: cases) func publishedBytesAreUnchanged(_ index: Int) {
        let (name, record, bytes) = GoldenRecords.all[index]
        #expect(String(decoding: record.json(), as: UTF8.self) == bytes, "\(name)")
    }

    /// Same keys, same values; the keys in the same order when the encoder keeps the order of the calls.
    @Test(arguments: cases) func encodableWritesTheSameDocument(_ index: Int) throws {
        let (name, record, bytes) = GoldenRecords.all[index]
        let encoded = try JSONEncoder().encode(record)
        let fromEncoder = try #require(try JSONSerialization.jsonObject(with: encoded) as? NSDictionary)
        let fromGolden = try #require(try JSONSerialization.jsonObject(with: Data(bytes.utf8)) as? NSDictionary)
        #expect(fromEncoder == fromGolden, "\(name)")
        #expect(Self.keys(in: encoded).sorted() == Self.keys(in: Data(bytes.utf8)).sorted())
    }

    /// Decoding gives the record back, with its latency as the wire has it (three decimals; a latency that is
    /// not finite is written `null` and reads back as unknown), and encoding that gives the bytes again.
    @Test(arguments: cases) func goldenBytesDecodeToTheRecord(_ index: Int) throws {
        let (name, record, bytes) = GoldenRecords.all[index]
        let decoded = try KITRecord(json: Array(bytes.utf8))
        var expected = record
        expected.inference.endpointLatencyMillis = record.inference.endpointLatencyMillis.flatMap {
            $0.isFinite ? Double(String(format: "%.3f", $0)) : nil
        }
        #expect(decoded == expected, "\(name)")
        if record.inference.endpointLatencyMillis?.isFinite ?? true {
            #expect(String(decoding: decoded.json(), as: UTF8.self) == bytes, "\(name)")
        }
        let viaCodable = try JSONDecoder().decode(KITRecord.self, from: try JSONEncoder().encode(decoded))
        #expect(viaCodable == decoded, "\(name)")
    }

    /// The blog's Lambda parses `fragmentMetaData` by position; the strings reach it exactly.
    @Test func theBlogsPositionalParseStillWorks() throws {
        let record = try KITRecord(json: GoldenRecords.success.json())
        let inner = record.fragmentMetaData.dropFirst(17).dropLast().split(separator: ",")
        #expect(inner[0].split(separator: "=")[1] == "91343852333181432392682062607743920146264916666")
        #expect(Int64(inner[1].split(separator: "=")[1]) == 1_511_852_109_126)
        #expect(Int64(inner[2].split(separator: "=")[1]) == 1_511_852_108_513)
        #expect(record.sageMakerOutput == GoldenRecords.detection)
    }

    /// Top-level keys of a JSON object in document order (the test's own small scanner: JSONSerialization does not
    /// keep the order).
    static func keys(in data: Data) -> [String] {
        var keys: [String] = []
        var depth = 0
        var inString = false
        var escaped = false
        var current: [UInt8] = []
        var expectingKey = false
        for byte in data {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if expectingKey { keys.append(String(decoding: current, as: UTF8.self)) }
                    expectingKey = false
                    continue
                }
                current.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = depth == 1 && byte == UInt8(ascii: "{")
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ","): expectingKey = depth == 1
            case UInt8(ascii: "\""):
                inString = true
                current = []
            default: break
            }
        }
        return keys
    }

    @Test func keysAreInThePublishedOrder() {
        let keys = Self.keys(in: Data(GoldenRecords.failed.json()))
        #expect(
            keys == [
                "streamName", "fragmentMetaData", "frameMetaData", "sageMakerOutput", "fragmentNumber",
                "serverTimestampMillis", "producerTimestampMillis", "trackNumber", "frameTimecode",
                "frameTimestampMillis", "outputContentType", "imageContentType", "imageBytes", "imageSha256", "width",
                "height", "endpointLatencyMillis", "attempts", "inferenceError", "workerId", "receivedAtMillis",
                "processedAtMillis",
            ])
    }
}
