import Foundation
import KITRecords
import Testing

/// A record that cannot be read says which key is at fault and why.
@Suite struct DecodingErrorTests {
    static func object() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(GoldenRecords.failed.json())) as? [String: Any])
    }

    static func error(_ object: [String: Any]) throws -> KITRecordError? {
        let bytes = Array(try JSONSerialization.data(withJSONObject: object))
        do {
            _ = try KITRecord(json: bytes)
            return nil
        } catch {
            return error
        }
    }

    static func error(_ text: String) -> KITRecordError? {
        do {
            _ = try KITRecord(json: Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func notJSONOrNotAnObject() {
        #expect(Self.error("not json")?.code == .invalidJSON)
        #expect(Self.error("[1,2]")?.code == .invalidJSON)
        #expect(Self.error("")?.code == .invalidJSON)
    }

    @Test(arguments: ["streamName", "fragmentMetaData", "frameMetaData", "sageMakerOutput"])
    func eachOfKITsKeysIsRequired(_ key: String) throws {
        var object = try Self.object()
        object[key] = nil
        let error = try #require(try Self.error(object))
        #expect(error.code == .missingField && error.key == key)
        #expect(error.message.contains("\"\(key)\""), "\(error)")
    }

    /// Values given as JSON text.
    @Test(arguments: [
        ("streamName", "5"), ("fragmentNumber", "5"), ("attempts", #""eight""#), ("serverTimestampMillis", #""soon""#),
        ("endpointLatencyMillis", #""fast""#), ("inferenceErrorStatus", #""503""#),
        ("inferenceErrorBodyTruncated", #""yes""#), ("width", "1.5"), ("workerId", "null"),
    ])
    func aValueOfTheWrongKindIsNamed(_ key: String, _ json: String) throws {
        var object = try Self.object()
        object[key] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let error = try #require(try Self.error(object), "\(key)")
        #expect(error.code == .invalidField && error.key == key, "\(error) \(String(describing: error.key))")
    }

    @Test func unreadableJavaStringsAndOutputAreNamed() throws {
        for (key, value) in [
            ("fragmentMetaData", "Frame(trackNumber=1)"), ("fragmentMetaData", "FragmentMetadata(success=true)"),
            ("frameMetaData", "Frame(trackNumber=x, timeCode=0)"), ("frameMetaData", "garbage"),
            ("sageMakerOutput", "not base64!"),
        ] {
            var object = try Self.object()
            object[key] = value
            let error = try #require(try Self.error(object), "\(key)")
            #expect(error.code == .invalidField && error.key == key, "\(error)")
        }
    }

    /// Keys written together (the image's, the worker's) are all there or all absent; a missing one is named.
    @Test(arguments: ["imageBytes", "height", "imageSha256", "receivedAtMillis", "workerId"])
    func aGroupWithAMissingKeyNamesIt(_ key: String) throws {
        var object = try Self.object()
        object[key] = nil
        let error = try #require(try Self.error(object))
        #expect(error.code == .missingField && error.key == key, "\(error)")
    }

    @Test func theJavaStringParsersNameTheirKey() {
        #expect(throws: KITRecordError.self) { try KITRecord.Fragment(javaString: "Frame(trackNumber=1)") }
        do {
            _ = try KITRecord.Frame(javaString: "Frame()", producerTimestampMillis: 0)
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "frameMetaData" && error.code == .invalidField)
        }
    }
}
