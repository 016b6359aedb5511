import CFFmpeg

/// One cached swscale context and its output frame: converts decoded pictures to the pixel format, matrix and range
/// an encoder needs in a single `sws_scale` pass, recreating the context only when the input geometry, format or
/// colour description changes (a stream's pictures almost never do).
final class PictureConverter {
  struct Key: Equatable {
    var width: Int32
    var height: Int32
    var source: AVPixelFormat.RawValue
    var destination: AVPixelFormat.RawValue
    var sourceMatrix: ColorDescription.Matrix
    var sourceFullRange: Bool
    var destinationFullRange: Bool
  }

  private var context: OpaquePointer?
  private var key: Key?
  private var output: UnsafeMutablePointer<AVFrame>?

  init() {}

  deinit {
    sws_freeContext(context)
    av_frame_free(&output)
  }

  /// Converts `picture` to `format` (always BT.601 coefficients on the output side, which is what JFIF wants and
  /// what RGB output ignores) and lends the result to `body`. The frame is reused by the next call.
  func convert<R>(
    _ picture: DecodedPicture, to format: AVPixelFormat, fullRange: Bool,
    _ body: (UnsafePointer<AVFrame>) throws(MediaError) -> R
  ) throws(MediaError) -> R {
    let key = Key(
      width: Int32(picture.width), height: Int32(picture.height),
      source: picture.pixelFormat.rawValue,
      destination: format.rawValue, sourceMatrix: picture.color.matrix,
      sourceFullRange: picture.effectiveRange == .full, destinationFullRange: fullRange)
    let (context, output) = try prepare(for: key)
    try picture.withFrame { (frame) throws(MediaError) in
      let status = sws_scale(
        context, kit_frame_source_planes(frame), kit_frame_linesizes(frame), 0, key.height,
        kit_frame_planes(output), kit_frame_linesizes(output))
      try MediaError.ffmpeg(
        "sws_scale", .conversionFailed, "cannot convert \(picture.pixelFormatName)"
      ) {
        status
      }
      guard status == key.height else {
        throw MediaError(
          code: .conversionFailed, message: "swscale wrote \(status) of \(key.height) rows",
          function: "sws_scale")
      }
    }
    return try body(output)
  }

  private func prepare(for key: Key) throws(MediaError) -> (
    OpaquePointer, UnsafeMutablePointer<AVFrame>
  ) {
    if let context, let output, self.key == key { return (context, output) }
    sws_freeContext(context)
    context = nil
    av_frame_free(&output)
    self.key = nil

    let newContext = try MediaError.nonNull(
      sws_alloc_context(), "sws_alloc_context", .outOfMemory, "cannot allocate a swscale context")
    context = newContext
    // The ranges are options set before sws_init_context: set afterwards, swscale may already have picked a
    // plain-copy path that ignores them.
    let options: [(String, Int64)] = [
      ("srcw", Int64(key.width)), ("srch", Int64(key.height)), ("src_format", Int64(key.source)),
      ("dstw", Int64(key.width)), ("dsth", Int64(key.height)),
      ("dst_format", Int64(key.destination)),
      ("src_range", key.sourceFullRange ? 1 : 0), ("dst_range", key.destinationFullRange ? 1 : 0),
      // Same size, so the scaler only matters for chroma; bicubic is what the ffmpeg CLI uses.
      ("sws_flags", Int64(SWS_BICUBIC)),
    ]
    for (name, value) in options {
      try MediaError.ffmpeg(
        "av_opt_set_int", .conversionFailed, "cannot set swscale option \(name)"
      ) {
        av_opt_set_int(UnsafeMutableRawPointer(newContext), name, value, 0)
      }
    }
    try MediaError.ffmpeg(
      "sws_init_context", .conversionFailed, "cannot convert this picture format to the encoder's"
    ) { sws_init_context(newContext, nil, nil) }
    let sourceTable = ColorDescription(matrix: key.sourceMatrix).swsCoefficients
    let destinationTable = ColorDescription(matrix: .bt470bg).swsCoefficients
    let brightness: Int32 = 0
    let unity: Int32 = 1 << 16
    // When the matrices differ for YUV→YUV, swscale builds an internal two-step conversion through RGB.
    try MediaError.ffmpeg(
      "sws_setColorspaceDetails", .conversionFailed,
      "cannot convert from \(key.sourceMatrix) coefficients"
    ) {
      sws_setColorspaceDetails(
        newContext, sourceTable, key.sourceFullRange ? 1 : 0, destinationTable,
        key.destinationFullRange ? 1 : 0, brightness, unity, unity)
    }

    let newOutput = try MediaError.nonNull(
      av_frame_alloc(), "av_frame_alloc", .outOfMemory, "cannot allocate a frame")
    output = newOutput
    newOutput.pointee.width = key.width
    newOutput.pointee.height = key.height
    newOutput.pointee.format = key.destination
    try MediaError.ffmpeg(
      "av_frame_get_buffer", .outOfMemory, "cannot allocate the converted picture"
    ) {
      av_frame_get_buffer(newOutput, 0)
    }
    self.key = key
    return (newContext, newOutput)
  }
}
