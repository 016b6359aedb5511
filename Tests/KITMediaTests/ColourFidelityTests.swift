import Foundation
import KITMedia
import KVSMatroska
import Testing

/// Our JPEG/PNG, decoded by an independent decoder (ffmpeg), against ffmpeg's own decode of the same key frame:
/// ≥ 38 dB PSNR means the matrix, range and plane handling are right (``wrongMatrixIsCaught`` shows a BT.709 picture
/// converted as BT.601 falls far below). JPEGs are written at quality 95 here so that compression noise does not
/// mask colour errors: at the default 85, the real capture's camera noise alone holds PSNR near 34 dB.
@Suite("Colour fidelity against ffmpeg")
struct ColourFidelityTests {
    static let minimumPSNR = 38.0
    static let jpegQuality = 95

    /// Decodes the first `maxKeyFrames` key frames of `path` with one decoder, encodes each, and compares.
    @discardableResult
    func compareKeyFrames(
        _ path: String, format: ImageFormat, quality: Int = jpegQuality, maxKeyFrames: Int = 3,
        expectColor: ColorDescription? = nil, referenceFilter: String? = nil
    ) throws -> [Double] {
        let clip = try Clip(path: path)
        let decoder = try KeyFrameDecoder(
            matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate,
            colorHint: ColorDescription(
                matroskaMatrixCoefficients: clip.track.matrixCoefficients,
                matroskaRange: clip.track.colourRange))
        let encoder = try ImageEncoder(format: format, quality: quality)
        let keyFrames = Array(clip.keyFrames.prefix(maxKeyFrames))
        try #require(!keyFrames.isEmpty)
        var references: [[UInt8]] = []
        var scores: [Double] = []
        for (index, keyFrame) in keyFrames.enumerated() {
            let picture = try decoder.decode(keyFrame)
            if let expectColor { #expect(picture.color == expectColor) }
            if references.isEmpty {
                references = try Fixture.referenceKeyFrames(
                    path, count: keyFrames.count, width: picture.width, height: picture.height,
                    filter: referenceFilter)
            }
            let image = try encoder.encode(picture)
            let ours = try Fixture.decodeImage(image, named: "frame\(index).\(format.rawValue)")
            let score = psnr(ours, references[index])
            scores.append(score)
            #expect(score >= Self.minimumPSNR, "key frame \(index) of \(path) as \(format): \(score) dB")
        }
        print(
            "PSNR \((path as NSString).lastPathComponent) \(format): \(scores.map { String(format: "%.1f", $0) })"
        )
        return scores
    }

    @Test("untagged x264 (BT.601 by default, TV range)", arguments: ImageFormat.allCases)
    func untagged(format: ImageFormat) throws {
        try compareKeyFrames(
            try Fixture.untagged.get(), format: format,
            expectColor: .init(matrix: .unspecified, range: .unspecified))
    }

    @Test("BT.709-tagged x264 (matrix converted to JFIF's BT.601)", arguments: ImageFormat.allCases)
    func bt709(format: ImageFormat) throws {
        try compareKeyFrames(
            try Fixture.bt709.get(), format: format, expectColor: .init(matrix: .bt709, range: .limited))
    }

    @Test("full-range BT.601 x264 (straight from the planes)", arguments: ImageFormat.allCases)
    func fullRange(format: ImageFormat) throws {
        try compareKeyFrames(try Fixture.fullRange.get(), format: format)
    }

    @Test("4:4:4 BT.709 x264", arguments: ImageFormat.allCases)
    func yuv444(format: ImageFormat) throws {
        try compareKeyFrames(try Fixture.yuv444.get(), format: format)
    }

    @Test("HEVC with hvcC, BT.709", arguments: ImageFormat.allCases)
    func hevc(format: ImageFormat) throws {
        try compareKeyFrames(
            try Fixture.hevc.get(), format: format, expectColor: .init(matrix: .bt709, range: .limited))
    }

    /// A JPEG holds 8-bit 4:2:0, and swscale upsamples 10-bit chroma differently from 8-bit chroma: ffmpeg's own
    /// `format=yuv420p` of this clip scores 36.9 dB against its direct rgb24 conversion. So the JPEG is compared
    /// with ffmpeg's 8-bit 4:2:0 rendering of the frame, like with like; the PNG with the direct conversion.
    @Test("10-bit HEVC", arguments: ImageFormat.allCases)
    func hevc10(format: ImageFormat) throws {
        try compareKeyFrames(
            try Fixture.hevc10.get(), format: format,
            referenceFilter: format == .jpeg ? "format=yuv420p" : nil)
    }

    @Test("real KVS GetMedia capture (BT.709, every key frame)", arguments: ImageFormat.allCases)
    func kvsCapture(format: ImageFormat) throws {
        try compareKeyFrames(
            Fixture.kvsCapture, format: format, maxKeyFrames: .max,
            expectColor: .init(matrix: .bt709, range: .limited))
    }

    @Test("Annex B H.264 with in-band parameter sets", arguments: ImageFormat.allCases)
    func annexB(format: ImageFormat) throws {
        let path = try Fixture.annexB.get()
        let accessUnit = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(accessUnit.starts(with: [0, 0, 0, 1]))
        let decoder = try KeyFrameDecoder(codec: .h264, codecPrivate: nil)
        let picture = try decoder.decode(accessUnit)
        let reference = try Fixture.referenceKeyFrames(
            try Fixture.untagged.get(), count: 1, width: picture.width, height: picture.height)
        let image = try ImageEncoder(format: format, quality: Self.jpegQuality).encode(picture)
        let score = psnr(
            try Fixture.decodeImage(image, named: "annexb.\(format.rawValue)"), reference[0])
        #expect(score >= Self.minimumPSNR, "\(score) dB")
    }

    @Test("an Annex B key frame in an avcC track is accepted")
    func annexBInAvcCTrack() throws {
        let clip = try Clip(path: try Fixture.untagged.get())
        let accessUnit = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try Fixture.annexB.get())))
        let decoder = try KeyFrameDecoder(
            matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate)
        let fromAnnexB = try ImageEncoder(format: .png).encode(try decoder.decode(accessUnit))
        let fromAvcC = try ImageEncoder(format: .png).encode(try decoder.decode(clip.keyFrames[0]))
        #expect(fromAnnexB == fromAvcC)
    }

    @Test(
        "a BT.709 picture converted as BT.601 fails the same comparison",
        arguments: ImageFormat.allCases)
    func wrongMatrixIsCaught(format: ImageFormat) throws {
        let path = try Fixture.bt709.get()
        let clip = try Clip(path: path)
        let decoder = try KeyFrameDecoder(
            matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate)
        let picture = try decoder.decode(clip.keyFrames[0])
        #expect(picture.color.matrix == .bt709)
        picture.color.matrix = .unspecified  // the caller's override wins over the bitstream
        let image = try ImageEncoder(format: format, quality: Self.jpegQuality).encode(picture)
        let reference = try Fixture.referenceKeyFrames(
            path, count: 1, width: picture.width, height: picture.height)
        let score = psnr(
            try Fixture.decodeImage(image, named: "wrong.\(format.rawValue)"), reference[0])
        print("PSNR bt709 as bt601 \(format): \(score)")
        #expect(score < 32, "\(score) dB")
    }

    @Test(
        "the container's colour hint applies where the bitstream is silent, and the bitstream wins otherwise"
    )
    func colourHint() throws {
        let hint = ColorDescription(matroskaMatrixCoefficients: 1, matroskaRange: 1)
        #expect(hint == ColorDescription(matrix: .bt709, range: .limited))
        let untagged = try Clip(path: try Fixture.untagged.get())
        let hinted = try KeyFrameDecoder(
            matroskaCodecID: untagged.track.codecID, codecPrivate: untagged.track.codecPrivate,
            colorHint: hint)
        #expect(try hinted.decode(untagged.keyFrames[0]).color == hint)

        let tagged = try Clip(path: try Fixture.bt709.get())
        let wrongHint = ColorDescription(matrix: .smpte170m, range: .full)
        let decoder = try KeyFrameDecoder(
            matroskaCodecID: tagged.track.codecID, codecPrivate: tagged.track.codecPrivate,
            colorHint: wrongHint)
        #expect(
            try decoder.decode(tagged.keyFrames[0]).color
                == ColorDescription(matrix: .bt709, range: .limited))
    }
}
