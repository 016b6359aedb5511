import Foundation
import KITRecords
import Testing

/// A frame whose inference failed is a record of its own: the error, the endpoint's status and its bounded body,
/// under keys after `inferenceError` that a successful record never has; reading its output is an error.
@Suite struct InferenceFailureTests {
    static func failed(_ failure: KITRecord.Inference.Failure) -> KITRecord {
        var record = GoldenRecords.failed
        record.inference.failure = failure
        return record
    }

    @Test func objectDetectionOfAFailedRecordSaysTheInferenceFailed() {
        do {
            _ = try GoldenRecords.failed.objectDetection()
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .inferenceFailed && error.key == "inferenceError")
            #expect(error.message.contains("after 8 attempt(s)") && error.message.contains("injected"), "\(error)")
        }
        // Not the same as an output that is not a detection.
        var record = GoldenRecords.success
        record.sageMakerOutput = Array(#"{"label":"cat"}"#.utf8)
        #expect(throws: KITRecordError.self) { try record.objectDetection() }
        do {
            _ = try record.objectDetection()
        } catch {
            #expect(error.code == .notObjectDetection)
        }
    }

    @Test func statusAndBodyFollowTheErrorOnlyWhenSet() throws {
        let record = Self.failed(
            .init(
                message: "AWSError(service, Container.Invocations, 424): ModelError", status: 424,
                responseBody: Array(#"{"OriginalMessage":"bad \"frame\""}"#.utf8)))
        let text = String(decoding: record.json(), as: UTF8.self)
        #expect(
            text.contains(
                #""attempts":8,"inferenceError":"AWSError(service, Container.Invocations, 424): ModelError","#
                    + #""inferenceErrorStatus":424,"inferenceErrorBody":"{\"OriginalMessage\":\"bad \\\"frame\\\"\"}","#
                    + #""workerId":"#), "\(text)")
        #expect(!text.contains("inferenceErrorBodyTruncated"))
        #expect(try KITRecord(json: record.json()).inference.failure == record.inference.failure)
        // A timeout has neither status nor body: only the error is written.
        let timedOut = Self.failed(.init(message: "AWSError(timedOut, Container.Invocations): deadline passed"))
        let timedOutText = String(decoding: timedOut.json(), as: UTF8.self)
        #expect(!timedOutText.contains("inferenceErrorStatus") && !timedOutText.contains("inferenceErrorBody"))
    }

    @Test func aLongBodyIsCutAndMarked() throws {
        let limit = KITRecord.Inference.Failure.maxBodyBytes
        #expect(limit == 4096)
        let exact = KITRecord.Inference.Failure(
            message: "m", status: 500, responseBody: Array(repeating: 0x61, count: limit))
        #expect(exact.body?.utf8.count == limit && !exact.bodyTruncated)
        let long = KITRecord.Inference.Failure(
            message: "m", status: 500, responseBody: Array(repeating: 0x61, count: 10_000))
        #expect(long.body?.utf8.count == limit && long.bodyTruncated)
        var record = Self.failed(long)
        record.inference.endpointLatencyMillis = 1234.5  // as the wire has it, so Codable gives the record back
        let object = try #require(try JSONSerialization.jsonObject(with: Data(record.json())) as? [String: Any])
        #expect(object["inferenceErrorBodyTruncated"] as? Bool == true)
        #expect((object["inferenceErrorBody"] as? String)?.utf8.count == limit)
        let decoded = try KITRecord(json: record.json())
        #expect(decoded.inference.failure == long)
        #expect(try JSONDecoder().decode(KITRecord.self, from: try JSONEncoder().encode(record)) == record)
    }

    /// The cut never splits a character, and invalid bytes become U+FFFD without outgrowing the bound.
    @Test func theBoundIsOnValidUTF8() {
        let limit = KITRecord.Inference.Failure.maxBodyBytes
        // "é" is two bytes: with 4095 "a"s before it, it straddles the limit and is left out whole.
        let straddling = Array(repeating: UInt8(0x61), count: limit - 1) + Array("é and more".utf8)
        let cut = KITRecord.Inference.Failure(message: "m", status: 500, responseBody: straddling)
        #expect(cut.body == String(repeating: "a", count: limit - 1) && cut.bodyTruncated)
        // Short invalid bytes are replaced, not dropped.
        let invalid = KITRecord.Inference.Failure(message: "m", status: 500, responseBody: [0x6f, 0x6b, 0xff, 0x21])
        #expect(invalid.body == "ok\u{FFFD}!" && !invalid.bodyTruncated)
        // Each of 4096 invalid bytes would be three bytes of U+FFFD: the text is still within the bound.
        let allInvalid = KITRecord.Inference.Failure(
            message: "m", status: 500, responseBody: Array(repeating: 0xff, count: limit))
        #expect((allInvalid.body?.utf8.count ?? 0) <= limit && allInvalid.bodyTruncated)
        #expect(allInvalid.body?.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" } == true)
        let empty = KITRecord.Inference.Failure(message: "m", status: 503, responseBody: [])
        #expect(empty.body == "" && !empty.bodyTruncated)
    }

    @Test func theRecordIdAndTimes() {
        let record = GoldenRecords.failed
        #expect(record.id.description == "front-door/91343852333181432392682062607743920146264916667/480")
        #expect(record.frameTimestamp == Date(timeIntervalSince1970: 1_700_000_000.48))
        #expect(record.processing?.processedAt == Date(timeIntervalSince1970: 1_700_000_002.2))
        #expect(Set([record.id, GoldenRecords.success.id]).count == 2)
    }
}
