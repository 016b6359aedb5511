import Foundation
import KITAsync
import KITRecords
import KITTestSupport
import KVSMatroska
import Testing

@testable import KITEngine

@Suite struct RecordAndMetricsTests {
    static func sampleRecord(error: String? = nil) -> KITRecord {
        let fragment = FragmentMetadata(
            fragmentNumber: "91343852333181432392682062607743920146264916666",
            serverTimestampMillis: 1_511_852_109_126, producerTimestampMillis: 1_511_852_108_513)
        return KITRecord(
            streamName: "cam \"1\"", fragmentMetaData: fragment.description,
            frameMetaData:
                "Frame(trackNumber=1, timeCode=0, keyFrame=true, invisible=false, discardable=false, lacing=NO)",
            sageMakerOutput: Array(#"{"prediction":[[0,0.97,0.1,0.2,0.3,0.4]]}"#.utf8),
            fragment: KITRecord.Fragment(fragment),
            frame: .init(trackNumber: 1, timeCode: 0, timestampMillis: 1_511_852_108_513),
            image: .init(
                contentType: "image/jpeg", byteCount: 1234, sha256: String(repeating: "ab", count: 32), width: 640,
                height: 480),
            inference: .init(
                outputContentType: "application/json", endpointLatencyMillis: 12.5, attempts: 1,
                failure: error.map { KITRecord.Inference.Failure(message: $0) }),
            processing: .init(
                workerId: "w1", receivedAtMillis: 1_511_852_109_900, processedAtMillis: 1_511_852_110_000))
    }

    /// KIT's four keys come first with Java's strings, and the blog's Lambda slicing reads them.
    @Test func recordJSONKeepsKITKeysAndParsesTheBlogsWay() async throws {
        let json = Self.sampleRecord().json()
        let text = String(decoding: json, as: UTF8.self)
        #expect(
            text.hasPrefix(#"{"streamName":"cam \"1\"","fragmentMetaData":"FragmentMetadata(fragmentNumberString="#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["frameMetaData"] as? String == Self.sampleRecord().frameMetaData)
        #expect(object["fragmentNumber"] as? String == "91343852333181432392682062607743920146264916666")
        #expect(object["inferenceError"] == nil)
        // The blog's Lambda, verbatim slicing, run by Python on our bytes.
        let script = #"""
            import json, sys, base64
            r = json.loads(sys.stdin.read())
            fragment = r["fragmentMetaData"]
            frag_id = fragment[17:-1].split(",")[0].split("=")[1]
            srv_ts = int(fragment[17:-1].split(",")[1].split("=")[1])
            prod_ts = int(fragment[17:-1].split(",")[2].split("=")[1])
            out = json.loads(base64.b64decode(r["sageMakerOutput"]))
            print(json.dumps([frag_id, srv_ts, prod_ts, out["prediction"][0][1]]))
            """#
        let output = try await Subprocess.run(TestPaths.python, ["-c", script], stdin: Data(json))
        #expect(output.status == 0, "\(output.stderrText)")
        #expect(
            output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
                == #"["91343852333181432392682062607743920146264916666", 1511852109126, 1511852108513, 0.97]"#)
    }

    @Test func failedInferenceStillMakesARecordThatSaysSo() throws {
        let json = Self.sampleRecord(error: "Service: 503").json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["inferenceError"] as? String == "Service: 503")
    }

    @Test func prometheusNames() {
        #expect(MetricName.prometheusName("FramesSampled") == "kit_frames_sampled")
        #expect(MetricName.prometheusName("ProcessCPUSeconds") == "kit_process_cpu_seconds")
        #expect(MetricName.prometheusName("MillisBehindNow") == "kit_millis_behind_now")
        #expect(MetricName.prometheusName("kit_custom") == "kit_custom")
        #expect(Set(MetricName.all.map(MetricName.prometheusName)).count == MetricName.all.count)
    }

    @Test func streamNamesFromARNs() {
        #expect(
            StreamDiscovery.streamName(
                fromARN: "arn:aws:kinesisvideo:us-east-1:123456789012:stream/cam-1/1600000000000")
                == "cam-1")
        #expect(StreamDiscovery.streamName(fromARN: "arn:aws:kinesis:us-east-1:1:stream/x") == nil)
        #expect(StreamDiscovery.streamName(fromARN: "garbage") == nil)
        #expect(StreamDiscovery.streamName(fromARN: "arn:aws:kinesisvideo:r:1:stream//1") == nil)
    }

    /// Lines are whole, in order, and sequence numbers increase per stream.
    @Test func jsonlPublisherAppendsDurably() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("sub/results.jsonl").path
            let publisher = try JSONLResultPublisher(path: path)
            let a = try await publisher.publish(
                stream: "a", records: [Array(#"{"n":1}"#.utf8), Array(#"{"n":2}"#.utf8)])
            let b = try await publisher.publish(stream: "a", records: [Array(#"{"n":3}"#.utf8)])
            let c = try await publisher.publish(stream: "b", records: [Array(#"{"n":4}"#.utf8)])
            let sequence = (a + b).compactMap { UInt64($0.sequenceNumber) }
            #expect(sequence.count == 3 && sequence == sequence.sorted() && Set(sequence).count == 3)
            #expect(c.count == 1)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text == "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n")
            #expect(publisher.eventSourceARN == "arn:kit:jsonl:::" + path)
        }
    }

    @Test func jsonlPublisherRefusesAnUnwritablePath() {
        #expect(throws: PublisherError.self) { try JSONLResultPublisher(path: "/proc/kit-cannot-write/results.jsonl") }
    }

    @Test func semaphoreBoundsAndCancels() async throws {
        let semaphore = AsyncSemaphore(permits: 2)
        #expect(semaphore.tryAcquire() && semaphore.tryAcquire())
        #expect(!semaphore.tryAcquire())
        let waiter = Task { try await semaphore.acquire() }
        try await waitUntil(timeout: .seconds(120), "a waiter") { semaphore.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(semaphore.waiting == 0)
        semaphore.release()
        #expect(semaphore.tryAcquire())
    }
}

@Suite struct DocumentationTests {
    /// Every configuration key has a row in the README's configuration table.
    @Test func readmeDocumentsEveryKey() throws {
        let readme = try String(
            contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let printable = HostConfiguration(workerId: "w").printable
        guard case .object(let keys) = printable else {
            Issue.record("printable is not an object")
            return
        }
        for key in keys.keys.sorted() {
            #expect(readme.contains("| `\(key)` |"), "README lacks a row for \(key)")
        }
    }
}
