import Foundation
import KITMedia
import KVSMatroska
import Testing

/// Bad input gives a typed `MediaError`, never a crash, and the decoder keeps working afterwards.
@Suite("Decoder errors")
struct DecoderErrorTests {
    /// Runs `body`, requiring a `MediaError` with `code`.
    func expectError(
        _ code: MediaError.Code, _ comment: Comment? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        let error = #expect(throws: MediaError.self, comment, sourceLocation: sourceLocation) {
            try body()
        }
        if let error { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
    }

    func decoder(for clip: Clip) throws -> KeyFrameDecoder {
        try KeyFrameDecoder(matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate)
    }

    /// Length-prefixed (4-byte) NAL units of a frame: (offset of the prefix, payload length).
    func nalUnits(_ frame: [UInt8]) -> [(offset: Int, length: Int)] {
        var units: [(Int, Int)] = []
        var offset = 0
        while offset + 4 <= frame.count {
            let length = frame[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            units.append((offset, length))
            offset += 4 + length
        }
        return units
    }

    @Test("unsupported Matroska codec IDs")
    func unsupportedCodec() {
        for id in ["V_MS/VFW/FOURCC", "V_VP8", "V_AV1", "A_AAC", ""] {
            #expect(VideoCodec(matroskaCodecID: id) == nil)
            expectError(.unsupportedCodec) {
                _ = try KeyFrameDecoder(matroskaCodecID: id, codecPrivate: nil)
            }
        }
        #expect(VideoCodec(matroskaCodecID: "V_MPEG4/ISO/AVC") == .h264)
        #expect(VideoCodec(matroskaCodecID: "V_MPEGH/ISO/HEVC") == .hevc)
    }

    @Test("invalid avcC records")
    func invalidAvcC() throws {
        let valid = try #require(try Clip(path: try Fixture.untagged.get()).track.codecPrivate)
        _ = try KeyFrameDecoder(codec: .h264, codecPrivate: valid)
        var badVersion = valid
        badVersion[0] = 0
        var threeByteLengths = valid
        threeByteLengths[4] = 0xFE
        var spsTooLong = valid
        spsTooLong[6] = 0xFF
        spsTooLong[7] = 0xFF
        var notAnSPS = valid
        notAnSPS[8] = 0x68  // a PPS header where the SPS should be
        let cases: [(String, [UInt8])] = [
            ("short", [1, 0x64, 0, 0x1F]), ("version 0", badVersion),
            ("3-byte NAL lengths", threeByteLengths),
            ("SPS length past the end", spsTooLong), ("cut inside the SPS", Array(valid.prefix(12))),
            ("PPS header in SPS slot", notAnSPS), ("garbage", [UInt8](repeating: 0xAB, count: 40)),
        ]
        for (name, bytes) in cases {
            expectError(.invalidCodecPrivate, "\(name)") {
                _ = try KeyFrameDecoder(codec: .h264, codecPrivate: bytes)
            }
        }
    }

    @Test("invalid hvcC records")
    func invalidHvcC() throws {
        let valid = try #require(try Clip(path: try Fixture.hevc.get()).track.codecPrivate)
        _ = try KeyFrameDecoder(codec: .hevc, codecPrivate: valid)
        var badVersion = valid
        badVersion[0] = 2
        var tooManyArrays = valid
        tooManyArrays[22] = 0xFF
        for (name, bytes) in [
            ("short", Array(valid.prefix(20))), ("version 2", badVersion),
            ("arrays past the end", tooManyArrays),
            ("truncated", Array(valid.prefix(valid.count - 3))),
        ] {
            expectError(.invalidCodecPrivate, "\(name)") {
                _ = try KeyFrameDecoder(codec: .hevc, codecPrivate: bytes)
            }
        }
    }

    @Test("empty and garbage frames", arguments: [VideoCodec.h264, .hevc])
    func garbage(codec: VideoCodec) throws {
        let clip = try Clip(path: codec == .h264 ? try Fixture.untagged.get() : try Fixture.hevc.get())
        let framed = try decoder(for: clip)
        let annexB = try KeyFrameDecoder(codec: codec, codecPrivate: nil)
        for decoder in [framed, annexB] {
            expectError(.invalidFrame) { _ = try decoder.decode([UInt8]()) }
            expectError(.invalidFrame) { _ = try decoder.decode([UInt8](repeating: 0xFF, count: 64)) }
            expectError(.invalidFrame) { _ = try decoder.decode([0, 0, 1]) }
        }
        // Seeded random bytes, bare and behind a start code or a plausible length: whatever they hit, a MediaError.
        var generator = SplitMix64(seed: 42)
        for round in 0..<300 {
            let count = Int(generator.next() % 2000) + 1
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            switch round % 3 {
            case 1: bytes = [0, 0, 0, 1] + bytes
            case 2: bytes = [0, 0, UInt8(count >> 8), UInt8(count & 0xFF)] + bytes
            default: break
            }
            for decoder in [framed, annexB] {
                #expect(throws: MediaError.self) { _ = try decoder.decode(bytes) }
            }
        }
        // Still decodes real key frames.
        #expect(try framed.decode(clip.keyFrames[0]).width == 1280)
    }

    @Test("truncated key frames", arguments: [VideoCodec.h264, .hevc])
    func truncated(codec: VideoCodec) throws {
        let clip = try Clip(path: codec == .h264 ? try Fixture.untagged.get() : try Fixture.hevc.get())
        let decoder = try decoder(for: clip)
        let key = clip.keyFrames[0]
        for fraction in [0.1, 0.5, 0.9] {
            let cut = Array(key.prefix(Int(Double(key.count) * fraction)))
            // Cut mid-NAL: the length prefix now runs past the end.
            expectError(.invalidFrame, "cut at \(fraction)") { _ = try decoder.decode(cut) }
            // Cut and the last length prefix rewritten to match: a well-framed but truncated slice.
            var consistent = cut
            if let last = nalUnits(key).last(where: { $0.offset + 4 < cut.count }) {
                let length = cut.count - last.offset - 4
                for i in 0..<4 {
                    consistent[last.offset + i] = UInt8(truncatingIfNeeded: length >> (24 - 8 * i))
                }
                expectError(.decodeFailed, "truncated slice at \(fraction)") {
                    _ = try decoder.decode(consistent)
                }
            }
        }
        #expect(try decoder.decode(key).height == 720)
    }

    @Test("corrupted slice data", arguments: [VideoCodec.h264, .hevc])
    func corrupted(codec: VideoCodec) throws {
        let clip = try Clip(path: codec == .h264 ? try Fixture.untagged.get() : try Fixture.hevc.get())
        let decoder = try decoder(for: clip)
        let key = clip.keyFrames[0]
        var damaged = key
        let start = key.count * 3 / 10
        for i in start..<start + 64 { damaged[i] ^= 0x5A }
        let error = #expect(throws: MediaError.self) { _ = try decoder.decode(damaged) }
        if let error {
            #expect(error.code == .decodeFailed, "\(error)")
            if codec == .hevc {
                // Reported by libavcodec itself: the error carries the C function, its status and av_strerror.
                #expect(error.function == "avcodec_send_packet")
                #expect(error.libraryCode != nil && error.libraryCode ?? 0 < 0)
                #expect(error.libraryMessage == "Invalid data found when processing input")
            }
        }
        #expect(try decoder.decode(key).width == 1280)
    }

    @Test("non-key frames are refused without being decoded", arguments: [VideoCodec.h264, .hevc])
    func nonKeyFrames(codec: VideoCodec) throws {
        let clip = try Clip(path: codec == .h264 ? try Fixture.untagged.get() : try Fixture.hevc.get())
        let decoder = try decoder(for: clip)
        for frame in clip.nonKeyFrames.prefix(5) {
            expectError(.notKeyFrame) { _ = try decoder.decode(frame) }
        }
        #expect(try decoder.decode(clip.keyFrames[1]).isKeyFrame)
    }

    @Test("parameter sets without a picture, and a picture without parameter sets")
    func missingParts() throws {
        let accessUnit = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try Fixture.annexB.get())))
        // Split the Annex B access unit at its start codes (3 bytes; units carry them as 00 00 00 01).
        var starts: [Int] = []
        for i in 0..<(accessUnit.count - 3) where accessUnit[i..<i + 3] == [0, 0, 1] {
            starts.append(i + 3)
        }
        let units = starts.indices.map { n in
            [0, 0, 0, 1]
                + Array(
                    accessUnit[starts[n]..<(n + 1 < starts.count ? starts[n + 1] - 3 : accessUnit.count)])
        }
        let parameterSets = units.filter { [7, 8].contains($0[4] & 0x1F) }.flatMap { $0 }
        let idr = units.filter { $0[4] & 0x1F == 5 }.flatMap { $0 }
        try #require(!parameterSets.isEmpty && !idr.isEmpty)

        let decoder = try KeyFrameDecoder(codec: .h264, codecPrivate: nil)
        expectError(.noPicture) { _ = try decoder.decode(parameterSets) }
        expectError(.noPicture) { _ = try decoder.decode(idr) }
        #expect(try decoder.decode(parameterSets + idr).width == 1280)
    }

    @Test("encoder arguments")
    func encoderArguments() throws {
        for quality in [0, 101, -5] {
            expectError(.invalidArgument) { _ = try ImageEncoder(format: .jpeg, quality: quality) }
        }
        expectError(.invalidArgument) { _ = try ImageEncoder(format: .png, pngCompressionLevel: 10) }
        _ = try ImageEncoder(format: .jpeg, quality: 1)
        _ = try ImageEncoder(format: .jpeg, quality: 100)
    }

    @Test("MediaError describes itself with the C function and the library's message")
    func errorDescription() {
        let error = MediaError(
            code: .decodeFailed, message: "the hevc decoder rejected the frame",
            function: "avcodec_send_packet",
            libraryCode: -1_094_995_529, libraryMessage: "Invalid data found when processing input")
        #expect(
            error.description
                == "MediaError(decodeFailed): the hevc decoder rejected the frame [avcodec_send_packet → "
                + "-1094995529: Invalid data found when processing input]")
        #expect(MediaError.Code.noPicture != .notKeyFrame)
    }
}

/// A small deterministic generator, so the garbage is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
