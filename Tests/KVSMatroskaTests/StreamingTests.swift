import KVSMatroska
import Testing

/// Chunking invariance and emission timing.
@Suite struct StreamingTests {
    /// A comparable digest of everything the parser emitted.
    static func digest(_ result: (fragments: [MatroskaFragment], errors: [MatroskaParseError])) -> [String] {
        result.fragments.map { f in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for frame in f.frames { for b in frame.data { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 } }
            return [
                f.metadata?.description ?? "-", "\(f.clusterTimecode ?? -1)", "\(f.startOffset)-\(f.endOffset)",
                f.frames.map(\.description).joined(), "\(f.tags.count)", "\(f.tracks)", "\(h)",
            ].joined(separator: "|")
        } + result.errors.map(\.description)
    }

    @Test(arguments: ["output_get_media.mkv", "test_mixed_tags.mkv", "vogels_480.mkv", "empty-mkv-with-tags.mkv"])
    func randomChunkSizesGiveTheSameEvents(name: String) throws {
        let bytes = try Fixture.capture(name)
        let reference = Self.digest(parse(bytes))
        var rng = SplitMix64(state: 0x5EED_0000 ^ UInt64(bytes.count))
        for round in 0..<12 {
            // Mix tiny chunks (header straddling) with big ones (zero-copy slices).
            let maxSize = [2, 7, 64, 1000, 70_000, 3_000_000][round % 6]
            let sizes = (0..<64).map { _ in Int.random(in: 1...maxSize, using: &rng) }
            #expect(Self.digest(parse(bytes, chunkSizes: sizes)) == reference, "round \(round)")
        }
    }

    @Test func oneByteChunks() throws {
        let bytes = try Fixture.capture("test_mixed_tags.mkv")
        #expect(Self.digest(parse(bytes, chunkSizes: [1])) == Self.digest(parse(bytes)))
    }

    /// A GetMedia fragment is emitted at its trailing tags: before any byte of the next fragment arrives.
    @Test func emitsAtTrailingTagsWithoutWaitingForTheNextFragment() {
        let first = EBMLWriter.getMediaFragment(number: "101", server: "1.5", producer: "1.25", frames: 3, behind: 7)
        let second = EBMLWriter.getMediaFragment(number: "102", server: "3.5", producer: "3.25", frames: 3, behind: 5)
        var parser = MatroskaStreamParser()
        let events = parser.feed(first)
        guard case .fragment(let f)? = events.first else {
            Issue.record("no fragment after the first fragment's bytes: \(events)")
            return
        }
        #expect(events.count == 1)
        #expect(f.metadata?.fragmentNumber == "101" && f.metadata?.millisBehindNow == 7)
        #expect(f.frames.count == 3)
        let more = parser.feed(second)
        #expect(more.count == 1)
        #expect(parser.finish().isEmpty)
    }

    /// A known-size Cluster without KVS tags (plain Matroska) is emitted at the Cluster's end.
    @Test func emitsPlainClusterAtItsEnd() {
        let w = EBMLWriter.self
        let doc =
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize + w.tracks()
            + w.master(0x1F43_B675, [w.uint(0xE7, 40), w.simpleBlock(key: true, [1, 2, 3])])
        var parser = MatroskaStreamParser()
        let events = parser.feed(doc)
        #expect(events.count == 1)
        if case .fragment(let f)? = events.first {
            #expect(f.clusterTimecode == 40 && f.frames.count == 1 && f.metadata == nil)
            #expect(Array(f.frames[0].data) == [1, 2, 3])
        }
    }

    /// GetMediaForFragmentList: `…_SIDE_TIMESTAMP` tags, unknown-size Cluster, no trailing tags → emitted at the end
    /// of input (or when the next fragment begins).
    @Test func getMediaForFragmentListEndsAtEndOfInputOrNextFragment() {
        let w = EBMLWriter.self
        func fragment(_ n: String) -> [UInt8] {
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize + w.tracks()
                + w.tags([
                    ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", n),
                    ("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP", "1700000000.001"),
                    ("AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP", "1700000000.0001"),
                ])
                + w.id(0x1F43_B675) + w.unknownSize + w.uint(0xE7, 0) + w.simpleBlock(key: true, [9, 9])
        }
        var parser = MatroskaStreamParser()
        #expect(parser.feed(fragment("7")).isEmpty)
        let atSecond = parser.feed(fragment("8"))
        #expect(atSecond.count == 1)
        let atEnd = parser.finish()
        #expect(atEnd.count == 1)
        guard case .fragment(let a)? = atSecond.first, case .fragment(let b)? = atEnd.first else {
            Issue.record("expected two fragments")
            return
        }
        #expect(a.metadata?.fragmentNumber == "7" && b.metadata?.fragmentNumber == "8")
        #expect(a.metadata?.serverTimestampMillis == 1_700_000_000_001)
        // ceil: 1700000000.0001 s → …000001 ms.
        #expect(a.metadata?.producerTimestampMillis == 1_700_000_000_001)
        #expect(a.frames.count == 1 && b.frames.count == 1)
    }

    @Test func getMediaErrorFragment() {
        let w = EBMLWriter.self
        let doc =
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize
            + w.tags([
                ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", "0042"), ("AWS_KINESISVIDEO_ERROR_CODE", "STREAM_DELETED"),
                ("AWS_KINESISVIDEO_ERROR_ID", "4000"),
            ])
        var parser = MatroskaStreamParser()
        let events = parser.feed(doc)
        guard case .fragment(let f)? = events.first else {
            Issue.record("no error fragment: \(events)")
            return
        }
        #expect(f.metadata?.success == false)
        #expect(
            f.metadata?.description
                == "FragmentMetadata(fragmentNumberString=0042, serverSideTimestampMillis=-1, producerSideTimestampMillis=-1, "
                + "fragmentNumber=42, success=false, errorId=4000, errorCode=STREAM_DELETED, "
                + "millisBehindNow=OptionalLong.empty, continuationToken=Optional.empty)")
    }

    @Test func allLacingKinds() throws {
        let w = EBMLWriter.self
        let a = [UInt8](repeating: 0xAA, count: 300)
        let b = [UInt8](repeating: 0xBB, count: 5)
        let c = [UInt8](repeating: 0xCC, count: 7)
        // Xiph: sizes 300 (255+45) and 5, then the rest.
        let xiph: [UInt8] = [0x82, 0x00, 0x10, 0x80 | 0x02, 2, 255, 45, 5] + a + b + c
        // EBML: first size 300 as a 2-byte VINT (0x412C), delta 5-300 = -295 as a 2-byte signed VINT (bias 8191).
        let delta = UInt16(8191 - 295) | 0x4000
        let ebml: [UInt8] =
            [0x82, 0x00, 0x20, 0x80 | 0x06, 2, 0x41, 0x2C, UInt8(delta >> 8), UInt8(delta & 0xFF)] + a + b + c
        // Fixed: three frames of 4 bytes.
        let fixed: [UInt8] = [0x82, 0x00, 0x30, 0x04, 2] + [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
        let doc =
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize + w.tracks()
            + w.master(
                0x1F43_B675,
                [
                    w.uint(0xE7, 0), w.element(0xA3, xiph), w.element(0xA3, ebml), w.element(0xA3, fixed),
                    // A BlockGroup with a ReferenceBlock is not a key frame; one without is.
                    w.master(0xA0, [w.element(0xA1, [0x81, 0x00, 0x40, 0x00, 7]), w.element(0xFB, [0xFF])]),
                    w.master(0xA0, [w.element(0xA1, [0x81, 0x00, 0x50, 0x00, 8])]),
                ])
        let (fragments, errors) = parse(doc)
        #expect(errors.isEmpty)
        let frames = try #require(fragments.first?.frames)
        #expect(frames.map(\.data.count) == [300, 5, 7, 300, 5, 7, 4, 4, 4, 1, 1])
        #expect(
            frames.map(\.lacing) == [
                .xiph, .xiph, .xiph, .ebml, .ebml, .ebml, .fixedSize, .fixedSize, .fixedSize, .none, .none,
            ])
        #expect(frames[9].keyFrame == false && frames[10].keyFrame == true)
        #expect(
            frames[3].description
                == "Frame(trackNumber=2, timeCode=32, keyFrame=true, invisible=false, discardable=false, lacing=EBML)")
        #expect(Array(frames[5].data) == c)
    }

    @Test func frameSlicesShareTheFedChunk() throws {
        let bytes = try Fixture.capture("output_get_media.mkv")
        var parser = MatroskaStreamParser()
        var frames: [MatroskaFrame] = []
        parser.feed(bytes[...]) { if case .fragment(let f) = $0 { frames += f.frames } }
        // Zero copy: each payload's storage is the fed array's (same base address).
        let base = bytes.withUnsafeBufferPointer { $0.baseAddress }
        #expect(
            frames.allSatisfy { f in
                f.data.withUnsafeBufferPointer { $0.baseAddress.map { p in p - f.data.startIndex } } == base
            })
    }
}
