import CFFmpeg

/// Encodes ``DecodedPicture``s as JPEG (libturbojpeg) or PNG (libavcodec), with correct colours.
///
/// JFIF means full-range BT.601 YCbCr, so a picture that already is (a `yuvj420p` stream, say) goes to turbojpeg
/// straight from its planes; any other goes through one cached swscale pass to full-range BT.601 first, honouring the
/// picture's matrix (BT.601/BT.709/BT.2020; unspecified is BT.601, as in FFmpeg) and range (TV/full). PNG gets `rgb24`
/// from the same single pass. Keep one encoder per stream: the swscale context, the compressor and its output buffer
/// are reused while the picture geometry stays the same. Use it from one task at a time.
public final class ImageEncoder {
  /// The output format.
  public let format: ImageFormat
  /// JPEG quality, 1…100. PNG is lossless and ignores it.
  public let quality: Int

  private let converter = PictureConverter()
  private let jpeg: TurboJPEGCompressor?
  private let png: PNGCodec?

  /// - Parameters:
  ///   - quality: JPEG quality 1…100 (85 by default; `ffmpeg -q:v 3` is about 90).
  ///   - pngCompressionLevel: zlib level 0…9 for PNG; lower is faster (the default, 3, is about 3× faster than
  ///     zlib's 6 for a few percent more bytes).
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
      return try converter.convert(picture, to: AV_PIX_FMT_RGB24, fullRange: true) {
        (rgb) throws(MediaError) in
        try png.encode(rgb)
      }
    }
    throw MediaError(code: .encodeFailed, message: "no encoder for \(format)")
  }

  private func encodeJPEG(_ picture: DecodedPicture, with jpeg: TurboJPEGCompressor)
    throws(MediaError) -> [UInt8]
  {
    let source = picture.pixelFormat
    if let subsampling = TurboJPEGCompressor.subsampling(of: source),
      picture.effectiveRange == .full,
      picture.color.matrix.isBT601
    {
      return try picture.withFrame { (frame) throws(MediaError) in
        try jpeg.compress(frame, subsampling: subsampling, quality: quality)
      }
    }
    // Keep the source's chroma resolution where turbojpeg can take it; anything else (10-bit, NV12, 4:1:1…) is
    // brought to 4:2:0.
    let target: AVPixelFormat
    switch chromaShift(of: source) {
    case (1, 0): target = AV_PIX_FMT_YUV422P
    case (0, 0): target = AV_PIX_FMT_YUV444P
    default: target = AV_PIX_FMT_YUV420P
    }
    guard let subsampling = TurboJPEGCompressor.subsampling(of: target) else {
      throw MediaError(
        code: .unsupportedPicture, message: "no JPEG subsampling for \(picture.pixelFormatName)")
    }
    return try converter.convert(picture, to: target, fullRange: true) { (yuv) throws(MediaError) in
      try jpeg.compress(yuv, subsampling: subsampling, quality: quality)
    }
  }

  private func chromaShift(of format: AVPixelFormat) -> (Int, Int) {
    guard let descriptor = av_pix_fmt_desc_get(format), descriptor.pointee.nb_components >= 3 else {
      return (1, 1)
    }
    return (Int(descriptor.pointee.log2_chroma_w), Int(descriptor.pointee.log2_chroma_h))
  }
}
