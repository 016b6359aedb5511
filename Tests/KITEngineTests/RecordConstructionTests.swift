import Foundation
import KITRecords
import KVSMatroska
import Testing

@testable import KITEngine

/// The engine fills KITRecords' model from the parser's fragment metadata and frame, the encoded image and the
/// inference outcome; the bytes that record publishes are pinned by KITRecordsTests' golden test.
@Suite struct RecordConstructionTests {
    static let metadata = FragmentMetadata(
        fragmentNumber: "91343852333181432392682062607743920146264916667", serverTimestampMillis: 1_700_000_000_001,
        producerTimestampMillis: 1_700_000_000_000, millisBehindNow: 15858,
        continuationToken: "91343852333181432392682062607743920146264916667")
    static let frame = MatroskaFrame(
        trackNumber: 1, timeCode: 480, keyFrame: true, invisible: false, discardable: false, lacing: .none, data: [])
    static let processing = KITRecord.Processing(
        workerId: "worker-a", receivedAtMillis: 1_700_000_000_900, processedAtMillis: 1_700_000_002_200)

    static func sampled(_ outcome: InferenceOutcome) -> StreamPipeline.SampledFrame {
        StreamPipeline.SampledFrame(
            frame: frame, trackNumber: 1, offsetMillis: 480,
            image: FrameImager.Image(bytes: Array("abc".utf8), width: 1280, height: 720),
            outcome: OutcomeSlot())
    }

    static func record(_ outcome: InferenceOutcome) -> KITRecord {
        KITRecord(
            streamName: "front-door", fragment: metadata, sampled: sampled(outcome), imageContentType: "image/png",
            outcome: outcome, processing: processing)
    }

    static func expected(_ inference: KITRecord.Inference, output: [UInt8]) -> KITRecord {
        KITRecord(
            streamName: "front-door", fragmentMetaData: metadata.description, frameMetaData: frame.description,
            sageMakerOutput: output,
            fragment: .init(
                fragmentNumber: metadata.fragmentNumber, serverTimestampMillis: 1_700_000_000_001,
                producerTimestampMillis: 1_700_000_000_000, millisBehindNow: 15858,
                continuationToken: metadata.continuationToken),
            frame: .init(trackNumber: 1, timeCode: 480, timestampMillis: 1_700_000_000_480),
            image: .init(
                contentType: "image/png", byteCount: 3,
                sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", width: 1280, height: 720),
            inference: inference, processing: processing)
    }

    @Test func aSuccessfulFrame() throws {
        let body = Array(#"{"prediction":[]}"#.utf8)
        let outcome = InferenceOutcome(
            response: InferenceResponse(body: body, contentType: "application/json"), failure: nil, attempts: 2,
            latency: .microseconds(12_500), cancelled: false)
        let record = Self.record(outcome)
        #expect(
            record
                == Self.expected(
                    .init(outputContentType: "application/json", endpointLatencyMillis: 12.5, attempts: 2),
                    output: body))
        #expect(record.id.description == "front-door/91343852333181432392682062607743920146264916667/480")
        #expect(try KITRecord(json: record.json()) == record)
    }

    @Test func aFrameWhoseInferenceFailed() throws {
        let failure = KITRecord.Inference.Failure(
            message: "AWSError(service, Container.Invocations, 503, HTTP 503): injected", status: 503,
            responseBody: Array(#"{"message":"injected failure"}"#.utf8))
        let outcome = InferenceOutcome(
            response: nil, failure: failure, attempts: 8, latency: .milliseconds(1500), cancelled: false)
        let record = Self.record(outcome)
        #expect(
            record
                == Self.expected(
                    .init(outputContentType: nil, endpointLatencyMillis: 1500, attempts: 8, failure: failure),
                    output: []))
        let text = String(decoding: record.json(), as: UTF8.self)
        #expect(
            text.contains(
                #","attempts":8,"inferenceError":"AWSError(service, Container.Invocations, 503, HTTP 503): injected","#
                    + #""inferenceErrorStatus":503,"inferenceErrorBody":"{\"message\":\"injected failure\"}","#
                    + #""workerId":"worker-a","#))
        #expect(throws: KITRecordError.self) { try record.objectDetection() }
    }
}
