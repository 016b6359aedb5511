import Foundation
import KITMedia
import KVSMatroska
import Testing

@Suite("Media API")
struct MediaAPITests {
    @Test("image formats and MIME types (EndPointAcceptContentType)")
    func formats() {
        #expect(ImageFormat.jpeg.mimeType == "image/jpeg")
        #expect(ImageFormat.png.mimeType == "image/png")
        #expect(ImageFormat(mimeType: "image/jpeg") == .jpeg)
        #expect(ImageFormat(mimeType: "IMAGE/PNG") == .png)
        #expect(ImageFormat(mimeType: "image/webp") == nil)
        #expect(VideoCodec.h264.matroskaCodecID == "V_MPEG4/ISO/AVC")
        #expect(VideoCodec.hevc.matroskaCodecID == "V_MPEGH/ISO/HEVC")
    }

    @Test("Matroska Colour values map to colour descriptions")
    func matroskaColour() {
        #expect(
            ColorDescription(matroskaMatrixCoefficients: 1, matroskaRange: 1)
                == .init(matrix: .bt709, range: .limited))
        #expect(
            ColorDescription(matroskaMatrixCoefficients: 6, matroskaRange: 2)
                == .init(matrix: .smpte170m, range: .full))
        #expect(ColorDescription(matroskaMatrixCoefficients: nil, matroskaRange: 3) == .init())
        #expect(
            ColorDescription(matroskaMatrixCoefficients: 9, matroskaRange: 0).matrix == .bt2020NonConstant
        )
        #expect(ColorDescription.Matrix.unspecified.isBT601 && ColorDescription.Matrix.bt470bg.isBT601)
        #expect(!ColorDescription.Matrix.bt709.isBT601)
        #expect(ColorDescription(matrix: .bt709, range: .limited).description == "bt709/tv")
    }

    @Test("pictures and images carry the stream's geometry; one encoder serves changing sizes")
    func geometry() throws {
        let hd = try Clip(path: try Fixture.untagged.get())
        let small = try Clip(path: try Fixture.yuv444.get())
        let hdDecoder = try KeyFrameDecoder(
            matroskaCodecID: hd.track.codecID, codecPrivate: hd.track.codecPrivate)
        let smallDecoder = try KeyFrameDecoder(
            matroskaCodecID: small.track.codecID, codecPrivate: small.track.codecPrivate)
        let jpeg = try ImageEncoder(format: .jpeg)
        let png = try ImageEncoder(format: .png)
        for (decoder, frame, size) in [
            (hdDecoder, hd.keyFrames[0], (1280, 720)), (smallDecoder, small.keyFrames[0], (640, 360)),
            (hdDecoder, hd.keyFrames[1], (1280, 720)),
        ] {
            let picture = try decoder.decode(frame)
            #expect(picture.width == size.0 && picture.height == size.1)
            #expect(picture.isKeyFrame)
            let jpegBytes = try jpeg.encode(picture)
            #expect(jpegBytes.starts(with: [0xFF, 0xD8, 0xFF]) && jpegBytes.suffix(2) == [0xFF, 0xD9])
            #expect(jpegDimensions(jpegBytes).map { [$0.0, $0.1] } == [size.0, size.1])
            let pngBytes = try png.encode(picture)
            #expect(pngBytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            // IHDR width and height, big-endian, right after the signature and the chunk header.
            let width = pngBytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = pngBytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == size.0 && height == size.1)
        }
        #expect(try smallDecoder.decode(small.keyFrames[0]).pixelFormatName == "yuv444p")
    }

    @Test("a picture outlives its decoder (its planes are reference-counted)")
    func pictureOutlivesDecoder() throws {
        let clip = try Clip(path: try Fixture.untagged.get())
        var decoder: KeyFrameDecoder? = try KeyFrameDecoder(
            matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate)
        let picture = try #require(try decoder?.decode(clip.keyFrames[0]))
        decoder = nil
        #expect(decoder == nil)
        let image = try ImageEncoder(format: .png).encode(picture)
        #expect(image.count > 1000)
    }

    @Test("JPEG quality changes the size")
    func quality() throws {
        let clip = try Clip(path: try Fixture.untagged.get())
        let picture = try KeyFrameDecoder(
            matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate
        )
        .decode(clip.keyFrames[0])
        let low = try ImageEncoder(format: .jpeg, quality: 30).encode(picture)
        let high = try ImageEncoder(format: .jpeg, quality: 95).encode(picture)
        #expect(low.count * 2 < high.count)
    }

    @Test("decodes and encodes every sampled key frame of the real capture with one decoder")
    func captureThroughSampler() throws {
        let clip = try Clip(path: Fixture.kvsCapture)
        #expect(clip.track.codecID == "V_MPEG4/ISO/AVC")
        let decoder = try KeyFrameDecoder(
            matroskaCodecID: clip.track.codecID, codecPrivate: clip.track.codecPrivate,
            colorHint: ColorDescription(
                matroskaMatrixCoefficients: clip.track.matrixCoefficients,
                matroskaRange: clip.track.colourRange))
        let encoder = try ImageEncoder(format: .jpeg)
        var sampler = KeyFrameSampler(everyNthKeyFrame: 2)
        var encoded = 0
        var keyFrames = 0
        for (frame, millis) in clip.frames where frame.keyFrame {
            keyFrames += 1
            guard sampler.shouldSample(keyFrameAtMillis: millis) else { continue }
            let picture = try decoder.decode(frame.data)
            #expect(picture.width == 640 && picture.height == 360)
            #expect(!(try encoder.encode(picture)).isEmpty)
            encoded += 1
        }
        #expect(keyFrames == 5)
        #expect(encoded == 3)
    }
}

/// Width and height from a JPEG's SOF0/SOF2 marker.
func jpegDimensions(_ jpeg: [UInt8]) -> (Int, Int)? {
    var i = 2
    while i + 9 < jpeg.count, jpeg[i] == 0xFF {
        let marker = jpeg[i + 1]
        let length = Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3])
        if marker == 0xC0 || marker == 0xC2 {
            return (Int(jpeg[i + 7]) << 8 | Int(jpeg[i + 8]), Int(jpeg[i + 5]) << 8 | Int(jpeg[i + 6]))
        }
        i += 2 + length
    }
    return nil
}
