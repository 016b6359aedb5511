import KVSMatroska
import Testing

/// Bad input gets a typed error with an offset, never a crash or a hang, and one bad fragment never stops a stream.
@Suite struct CorruptionTests {
    /// Every cut point of a small capture: the first three fragments of test_mixed_tags (7 KB, Segments without EBML
    /// headers, user tags before and after each Cluster) and the tags-only capture.
    @Test(arguments: ["test_mixed_tags.mkv", "test_tags_empty_cluster.mkv"])
    func truncationAtEveryOffset(name: String) throws {
        let full = try Fixture.capture(name)
        let bytes = Array(full.prefix(Int(parse(full).fragments.prefix(3).last?.endOffset ?? Int64(full.count))))
        let complete = parse(bytes).fragments
        let ends = complete.map(\.endOffset)
        for cut in 0..<bytes.count {
            let (fragments, errors) = parse(Array(bytes[..<cut]), chunkSizes: [4096])
            // Every fragment that ended before the cut is delivered intact; nothing beyond it is invented.
            let whole = ends.filter { $0 <= Int64(cut) }.count
            #expect(fragments.count >= whole, "cut at \(cut)")
            #expect(fragments.count <= whole + 1, "cut at \(cut)")
            for e in errors { #expect(e.offset >= 0 && e.offset <= Int64(cut)) }
            if cut > 0, fragments.count == whole, Int64(cut) != ends.last, !ends.contains(Int64(cut)) {
                #expect(errors.contains { $0.code == .truncated }, "cut at \(cut)")
            }
        }
    }

    @Test func randomByteFlipsNeverCrashAndKeepTheCleanPrefix() throws {
        let bytes = try Fixture.capture("test_mixed_tags.mkv")
        let clean = parse(bytes).fragments
        var rng = SplitMix64(state: 42)
        for round in 0..<300 {
            var damaged = bytes
            let flips = Int.random(in: 1...4, using: &rng)
            for _ in 0..<flips {
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            let (fragments, errors) = parse(damaged, chunkSizes: [Int.random(in: 1...9000, using: &rng)])
            for e in errors { #expect(e.offset >= 0 && e.offset <= Int64(damaged.count), "round \(round)") }
            // Everything before the first damaged byte comes out exactly as from the clean input.
            let firstDamage = zip(bytes, damaged).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
            let intact = clean.filter { $0.endOffset <= Int64(firstDamage) }
            #expect(
                StreamingTests.digest((Array(fragments.prefix(intact.count)), []))
                    == StreamingTests.digest((intact, [])), "round \(round)")
        }
    }

    @Test func randomBytesGiveErrorsNotCrashes() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<100 {
            let junk = (0..<Int.random(in: 0...65_536, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let (fragments, errors) = parse(junk, chunkSizes: [Int.random(in: 1...5000, using: &rng)])
            #expect(fragments.allSatisfy { $0.frames.isEmpty || $0.clusterTimecode != nil })
            if !junk.isEmpty { #expect(!errors.isEmpty) }
        }
    }

    @Test func garbageBetweenFragmentsIsSkippedWithItsOffset() throws {
        let bytes = try Fixture.capture("output_get_media.mkv")
        let clean = parse(bytes).fragments
        let cut = Int(clean[2].startOffset)
        let garbage = [UInt8](repeating: 0x00, count: 100) + Array("not matroska".utf8)
        let (fragments, errors) = parse(Array(bytes[..<cut]) + garbage + Array(bytes[cut...]))
        #expect(fragments.map(\.metadata?.fragmentNumber) == clean.map(\.metadata?.fragmentNumber))
        #expect(errors.first?.offset == Int64(cut))
        // The scan starts one byte past the bad header's first byte.
        #expect(
            errors.contains {
                $0.code == .garbageSkipped && $0.offset == Int64(cut) + 1
                    && $0.message.hasPrefix("\(garbage.count - 1) bytes")
            })
    }

    @Test func corruptSizeInOneFragmentSparesTheOthers() throws {
        let bytes = try Fixture.capture("output_get_media.mkv")
        let clean = parse(bytes).fragments
        // Break the Cluster size of fragment 1 so that it overruns everything after it.
        var damaged = bytes
        let start = Int(clean[1].startOffset)
        let cluster = try #require(
            (start..<(start + 2000)).first { damaged[$0..<($0 + 4)] == [0x1F, 0x43, 0xB6, 0x75] })
        damaged[cluster + 4] = 0x01
        for k in 5..<12 { damaged[cluster + k] = 0x7F }
        let (fragments, errors) = parse(damaged)
        let numbers = fragments.compactMap(\.metadata?.fragmentNumber)
        #expect(numbers == [0, 2, 3, 4].map { clean[$0].metadata?.fragmentNumber ?? "" })
        // Found where the next Segment-level element (the trailing Tags) turns up inside the broken Cluster.
        #expect(errors.first.map { $0.offset > Int64(cluster) && $0.offset < clean[2].startOffset } == true)
        #expect(errors.first?.code == .unexpectedElement)
        #expect(errors.first?.message.contains("byte \(cluster)") == true)
    }

    @Test func hugeSizeClaimsAreRefusedWithoutAllocating() {
        let w = EBMLWriter.self
        // A SimpleBlock claiming 2^50 bytes inside an unknown-size Cluster.
        let doc =
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize + w.tracks()
            + w.id(0x1F43_B675) + w.unknownSize + [0xA3, 0x01, 0x04, 0, 0, 0, 0, 0, 0] + [1, 2, 3]
        let (fragments, errors) = parse(doc)
        #expect(fragments.isEmpty)
        #expect(errors.first?.code == .elementTooLarge)
        // A CodecPrivate over a small configured cap is refused too.
        let small = parse(
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize
                + w.master(0x1654_AE6B, [w.master(0xAE, [w.element(0x63A2, [UInt8](repeating: 1, count: 5000))])]),
            options: .init(maxElementSize: 4096))
        #expect(small.errors.first?.code == .elementTooLarge)
    }

    @Test func malformedBlockIsDroppedAndTheFragmentGoesOn() {
        let w = EBMLWriter.self
        let doc =
            w.ebmlHeader + w.id(0x1853_8067) + w.unknownSize + w.tracks()
            + w.master(
                0x1F43_B675,
                [
                    w.uint(0xE7, 0), w.simpleBlock(key: true, [1]), w.element(0xA3, [0x81, 0x00]),  // too short
                    w.element(0xA3, [0x81, 0, 0, 0x04, 9, 1, 2, 3]),  // fixed lacing: 3 bytes into 10 frames
                    w.simpleBlock(key: false, [2]),
                ])
        let (fragments, errors) = parse(doc)
        #expect(fragments.first?.frames.count == 2)
        #expect(errors.map(\.code) == [.malformedBlock, .malformedBlock])
    }

    /// Found by the fuzzer: a Segment ID with an invalid size must not be re-found by the resync scan forever.
    @Test(arguments: [1, 3, 5, 1000])
    func badSegmentHeaderDoesNotLoop(chunk: Int) throws {
        let w = EBMLWriter.self
        let next = try Fixture.capture("test_mixed_tags.mkv")
        let doc = w.ebmlHeader + [0x18, 0x53, 0x80, 0x67, 0x00, 0x00] + next
        let (fragments, errors) = parse(doc, chunkSizes: [chunk])
        #expect(errors.first?.code == .invalidSize)
        #expect(errors.first?.offset == Int64(w.ebmlHeader.count))
        // The real capture after it is found again and read whole.
        #expect(fragments.count == 10)
    }
}
