import Foundation
import KITTestSupport
import Testing

@testable import KVSLocal

/// The server's parts on their own: KVS's tag bytes, the PutMedia framer, fragment numbers, SigV4 header parsing,
/// and loading a data directory left by a crash.
@Suite struct ComponentTests {
    static let capture = TestPaths.captures.appendingPathComponent("output_get_media.mkv")

    /// The Tags the server writes are byte for byte those of a real GetMedia response (4-byte sizes, no Targets).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: capture.path)))
    func kvsTagsMatchARealCapture() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.capture))
        let leading = MatroskaWriter.kvsTags([
            ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", "91343852333181432392682062607743920146159169392"),
            ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", "1511852109.126"),
            ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", "1511852108.513"),
        ])
        #expect(Array(bytes[916..<1159]) == leading)
        let trailing = MatroskaWriter.kvsTags([
            ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "14155"),
            ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", "91343852333181432397633822764885441725874549018"),
        ])
        #expect(Array(bytes[1_040_268..<1_040_439]) == trailing)
        // The Segment header and the Cluster's 8-byte size, too.
        #expect(Array(bytes[47..<59]) == MatroskaWriter.unknownSizeSegmentHeader)
        #expect(Array(bytes[1159..<1171]) == MatroskaWriter.clusterHeader(payloadSize: 546_583))
        #expect(KVSTime.secondsText(millis: 1_511_852_109_126) == "1511852109.126")
        #expect(KVSTime.secondsText(millis: 1_511_852_109_006) == "1511852109.006")
    }

    /// A GetMedia capture sent back through the framer: its Clusters become fragments, its old KVS tags are dropped,
    /// whatever the chunking.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: capture.path)))
    func fragmenterSplitsACaptureAtAnyChunking() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.capture))
        func run(chunk: Int) throws -> [(prefix: Int, children: Int, payload: Int)] {
            var fragmenter = MatroskaFragmenter()
            var out: [(prefix: Int, children: Int, payload: Int)] = []
            var children = 0
            var prefix = 0
            let handle: (MatroskaFragmenter.Event) -> Void = { event in
                switch event {
                case .clusterStarted(let p):
                    prefix = p.count
                    children = 0
                    #expect(!p.containsSequence(Array("AWS_KINESISVIDEO_".utf8)), "old KVS tags are not kept")
                case .clusterChild: children += 1
                case .clusterEnded(let size): out.append((prefix, children, size))
                }
            }
            var i = 0
            while i < bytes.count {
                try fragmenter.feed(bytes[i..<min(bytes.count, i + chunk)], handle)
                i += chunk
            }
            try fragmenter.finish(handle)
            return out
        }
        let whole = try run(chunk: bytes.count)
        #expect(whole.count == 5)
        #expect(whole.first?.payload == 546_583)
        for chunk in [1, 7, 4096] {
            let pieces = try run(chunk: chunk)
            #expect(pieces.map(\.payload) == whole.map(\.payload), "chunk \(chunk)")
            #expect(pieces.map(\.children) == whole.map(\.children), "chunk \(chunk)")
            #expect(pieces.map(\.prefix) == whole.map(\.prefix), "chunk \(chunk)")
        }
    }

    /// Unknown-size Clusters (the KVS producer SDK's) end where the next level-1 element or document begins, or at
    /// the end of the body; garbage is a framing error.
    @Test func fragmenterHandlesUnknownSizesAndGarbage() throws {
        let timecode: (UInt64) -> [UInt8] = { MatroskaWriter.element(0xE7, uint: $0) }
        let block = MatroskaWriter.element(0xA3, bytes: [0x81, 0x00, 0x00, 0x80, 1, 2, 3])
        let cluster = { (tc: UInt64) -> [UInt8] in
            [0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + timecode(tc) + block + block
        }
        let tracks = MatroskaWriter.element(
            0x1654_AE6B, bytes: MatroskaWriter.element(0xAE, bytes: MatroskaWriter.element(0xD7, uint: 1)))
        let document = MatroskaWriter.defaultEBMLHeader + MatroskaWriter.unknownSizeSegmentHeader + tracks
        let stream = document + cluster(0) + cluster(1000) + document + cluster(2000)
        var fragmenter = MatroskaFragmenter()
        var ended: [Int] = []
        var started = 0
        for byte in stream {
            try fragmenter.feed([byte]) { event in
                if case .clusterEnded(let size) = event { ended.append(size) }
                if case .clusterStarted(let prefix) = event {
                    started += 1
                    #expect(prefix == document, "the prefix is the document's header")
                }
            }
        }
        #expect(ended.count == 2, "the last Cluster is open until the body ends")
        try fragmenter.finish { if case .clusterEnded(let size) = $0 { ended.append(size) } }
        #expect(started == 3)
        #expect(
            ended == Array(repeating: timecode(0).count + 2 * block.count, count: 1) + [
                timecode(1000).count + 2 * block.count, timecode(2000).count + 2 * block.count,
            ])

        var broken = MatroskaFragmenter()
        #expect(throws: MatroskaFragmenter.Failure.self) { try broken.feed([0x00, 0x01, 0x02]) { _ in } }
        var huge = MatroskaFragmenter(limits: .init(maxElementSize: 1024, maxFragmentSize: 4096))
        #expect(
            throws: MatroskaFragmenter.Failure(
                kind: .fragmentTooLarge, message: "a Cluster of 100000 bytes is over the limit")
        ) {
            try huge.feed(document + [0x1F, 0x43, 0xB6, 0x75] + MatroskaWriter.sizeBytes8(100_000)) { _ in }
        }
    }

    @Test func fragmentNumbersIncreaseAndCompareNumerically() {
        let a = FragmentNumber.make(counter: FragmentNumber.nextCounter(after: 0, serverMillis: 1_700_000_000_000))
        let b = FragmentNumber.make(
            counter: FragmentNumber.nextCounter(
                after: FragmentNumber.counter(of: a) ?? 0, serverMillis: 1_600_000_000_000))
        #expect(a.count == 47 && b.count == 47)
        #expect(a < b, "a clock going back does not make numbers go back")
        #expect(FragmentNumber.compare("9", "10") < 0)
        #expect(FragmentNumber.compare("0010", "10") == 0)
        #expect(FragmentNumber.isWellFormed(a))
        #expect(!FragmentNumber.isWellFormed("12a"))
        #expect(FragmentNumber.counter(of: "123") == nil)
    }

    @Test func sigV4HeaderForm() throws {
        let good =
            "AWS4-HMAC-SHA256 Credential=AKID/20240102/eu-west-1/kinesisvideo/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "0f", count: 32)
        let auth = try SigV4Authorization.parse(
            header: good, amzDate: "20240102T030405Z", expectedService: "kinesisvideo")
        #expect(auth.region == "eu-west-1")
        #expect(auth.accessKeyID == "AKID")
        #expect(SigV4Authorization.date(fromAmzDate: "20240102T030405Z") == Date(timeIntervalSince1970: 1_704_164_645))
        let cases: [(String?, String?, String)] = [
            (nil, "20240102T030405Z", "NotAuthorizedException"),
            (good, nil, "IncompleteSignatureException"),
            (good, "20240103T030405Z", "IncompleteSignatureException"),
            (
                good.replacingOccurrences(of: "kinesisvideo", with: "s3"), "20240102T030405Z",
                "InvalidSignatureException"
            ),
            (good.replacingOccurrences(of: "host;", with: ""), "20240102T030405Z", "IncompleteSignatureException"),
            (
                "AWS4-HMAC-SHA256 Credential=AKID/2024/eu-west-1/kinesisvideo/aws4_request", "20240102T030405Z",
                "IncompleteSignatureException"
            ),
        ]
        for (header, date, code) in cases {
            #expect(
                performing: {
                    _ = try SigV4Authorization.parse(header: header, amzDate: date, expectedService: "kinesisvideo")
                }, throws: { ($0 as? KVSError)?.code.serviceCode == code })
        }
    }

    /// A data directory after a crash: a torn index line, a fragment file that was never indexed (never
    /// acknowledged), a temporary file. Loading keeps exactly the acknowledged fragments.
    @Test func loadingRecoversFromACrash() async throws {
        try await withTemporaryDirectory { directory in
            let metadata = StreamMetadata(
                name: "crash", arn: "arn:aws:kinesisvideo:us-east-1:1:stream/crash/1", region: "us-east-1",
                deviceName: nil, mediaType: nil, kmsKeyId: "k", version: "v", creationMillis: 1, retentionHours: 1,
                tags: [:])
            let path = directory.appendingPathComponent("crash-1").path
            let store = try await StreamStore.create(metadata: metadata, directory: path, syncWrites: true)
            var numbers: [String] = []
            for i in 0..<3 {
                let number = await store.reserveFragmentNumber(serverMillis: 1_700_000_000_000 + Int64(i))
                numbers.append(number)
                let record = FragmentRecord(
                    number: number, serverMillis: 1, producerMillis: 2, durationMillis: 3, fileSize: 4, clusterOffset: 0
                )
                try await store.persist(record, chunks: [[1, 2, 3, 4]])
            }
            let index = URL(fileURLWithPath: path + "/index.log")
            let handle = try FileHandle(forWritingTo: index)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"n":"913438523331814329999","s":1,"p"#.utf8))
            try handle.close()
            let orphan = path + "/fragments/91343852333181432000000000009999999999999999999.mkv"
            try Data([9]).write(to: URL(fileURLWithPath: orphan))
            try Data([9]).write(to: URL(fileURLWithPath: path + "/fragments/x.mkv.tmp"))

            let loaded = try #require(try await StreamStore.load(directory: path, syncWrites: true))
            #expect(await loaded.fragments(after: nil, limit: 10).map(\.number) == numbers)
            #expect(!FileManager.default.fileExists(atPath: orphan))
            #expect(await loaded.metadata == metadata)
            let next = await loaded.reserveFragmentNumber(serverMillis: 0)
            #expect(next > numbers[2], "numbering continues after a restart")
        }
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
