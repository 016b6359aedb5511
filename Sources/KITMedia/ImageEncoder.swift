import CFFmpeg

/// Encodes ``DecodedPicture``s as JPEG (libturbojpeg) or PNG (libavcodec's encoder), with correct colours.
///
/// JFIF means full-range BT.601 YCbCr. The picture's matrix (BT.601/BT.709/BT.2020; unspecified is BT.601, as in
/// FFmpeg, so results match the `ffmpeg` CLI) and range (TV/full; unspecified is TV except for `yuvj*` formats) are
/// honoured on every path: see `encodeJPEG` for the three JPEG paths. PNG is `rgb24` from one swscale pass. Keep one
/// encoder per stream: the swscale context, conversion buffers, the compressor and its output buffer are reused while
/// the picture geometry stays the same. Use it from one task at a time.
public final class ImageEncoder {
    /// The output format.
    public let format: ImageFormat
    /// JPEG quality, 1…100. PNG is lossless and ignores it.
    public let quality: Int

    private let converter = PictureConverter()
    private let rangeExpander = RangeExpander()
    private let jpeg: TurboJPEGCompressor?
    private let png: PNGCodec?

    /// - Parameters:
    ///   - quality: JPEG quality 1…100 (85 by default; `ffmpeg -q:v 3` is about 90).
    ///   - pngCompressionLevel: zlib level 0…9 for PNG; lower is faster. The default, 3, measured 1.7× faster than
    ///     zlib's default 6 on a 720p picture for 12% more bytes (9 is 4× slower again for 4% less).
    /// - Throws: ``MediaError/Code/invalidArgument`` for an out-of-range quality or level.
    public init(format: ImageFormat, quality: Int = 85, pngCompressionLevel: Int = 3)
        throws(MediaError)
    {
        guard (1...100).contains(quality) else {
            throw MediaError(code: .invalidArgument, message: "JPEG quality \(quality) is outside 1…100")
        }
        guard (0...9).contains(pngCompressionLevel) else {
            throw MediaError(
                code: .invalidArgument,
                message: "PNG compression level \(pngCompressionLevel) is outside 0…9")
        }
        self.format = format
        self.quality = quality
        switch format {
        case .jpeg:
            jpeg = try TurboJPEGCompressor()
            png = nil
        case .png:
            jpeg = nil
            png = try PNGCodec(compressionLevel: Int32(pngCompressionLevel))
        }
    }

    /// Encodes `picture` as one image file (the bytes of a `.jpg` / `.png`).
    public func encode(_ picture: DecodedPicture) throws(MediaError) -> [UInt8] {
        guard picture.width > 0, picture.height > 0 else {
            throw MediaError(
                code: .unsupportedPicture, message: "empty \(picture.width)x\(picture.height) picture")
        }
        if let jpeg { return try encodeJPEG(picture, with: jpeg) }
        if let png {
            return try converter.toRGB(picture) { (rgb) throws(MediaError) in try png.encode(rgb) }
        }
        throw MediaError(code: .encodeFailed, message: "no encoder for \(format)")
    }

    /// Three paths, cheapest first (times measured at 1080p on the project machine, see docs/PERFORMANCE.md):
    /// full-range BT.601 8-bit planes go to turbojpeg as they are; TV-range BT.601 (and unspecified, as in FFmpeg)
    /// planes are stretched to full range by ``RangeExpander`` (≈0.65 ms) and then go as planes; anything else — BT.709
    /// and BT.2020 matrices, 10-bit, semi-planar — takes one swscale pass to RGB honouring its matrix and range, and
    /// turbojpeg converts that to JFIF's YCbCr. (swscale's own YUV→YUV matrix conversion chains two passes through
    /// 16-bit RGB: 13 ms against 5.6 ms this way, and 1.7 dB worse.)
    private func encodeJPEG(_ picture: DecodedPicture, with jpeg: TurboJPEGCompressor)
        throws(MediaError) -> [UInt8]
    {
        let format = picture.pixelFormat
        if let subsampling = format.turboJPEGPlanes, picture.color.matrix.isBT601 {
            if picture.effectiveRange == .full {
                return try picture.withFrame { (frame) throws(MediaError) in
                    try jpeg.compressPlanes(frame, subsampling: subsampling, quality: quality)
                }
            }
            return try rangeExpander.expand(picture) { (frame) throws(MediaError) in
                try jpeg.compressPlanes(frame, subsampling: subsampling, quality: quality)
            }
        }
        return try converter.toRGB(picture) { (rgb) throws(MediaError) in
            try jpeg.compressRGB(rgb, subsampling: format.jpegSubsampling, quality: quality)
        }
    }
}
