import CFFmpeg

/// One cached swscale context converting decoded pictures to full-range `rgb24` in a single `sws_scale` pass that
/// honours the picture's matrix (BT.601/BT.709/BT.2020…; unspecified is BT.601, as in FFmpeg) and range. Used for PNG,
/// and for JPEG whenever the picture is not BT.601 8-bit planar YCbCr (turbojpeg then converts RGB to JFIF's BT.601).
/// The context is recreated only when the input geometry, format or colour description changes.
final class PictureConverter {
    private struct Key: Equatable {
        var width: Int32
        var height: Int32
        var source: AVPixelFormat
        var matrix: ColorDescription.Matrix
        var fullRange: Bool
    }

    private var context: OpaquePointer?
    private var key: Key?
    private var output: FrameBuffer?

    init() {}

    deinit { sws_freeContext(context) }

    /// Converts `picture` to `rgb24` and lends the result to `body`; the frame is reused by the next call.
    func toRGB<R>(_ picture: DecodedPicture, _ body: (UnsafePointer<AVFrame>) throws(MediaError) -> R)
        throws(MediaError) -> R
    {
        let key = Key(
            width: Int32(picture.width), height: Int32(picture.height),
            source: picture.pixelFormat.withoutJPEGRange,
            matrix: picture.color.matrix, fullRange: picture.effectiveRange == .full)
        let (context, output) = try prepare(for: key)
        return try output.withFrame { (rgb) throws(MediaError) in
            try picture.withFrame { (frame) throws(MediaError) in
                let rows = sws_scale(
                    context, kit_frame_source_planes(frame), kit_frame_linesizes(frame), 0, key.height,
                    kit_frame_planes(rgb), kit_frame_linesizes(rgb))
                try MediaError.ffmpeg(
                    "sws_scale", .conversionFailed, "cannot convert \(picture.pixelFormatName) to rgb24"
                ) {
                    rows
                }
                guard rows == key.height else {
                    throw MediaError(
                        code: .conversionFailed, message: "swscale wrote \(rows) of \(key.height) rows",
                        function: "sws_scale")
                }
            }
            return try body(rgb)
        }
    }

    private func prepare(for key: Key) throws(MediaError) -> (OpaquePointer, FrameBuffer) {
        if let context, let output, self.key == key { return (context, output) }
        sws_freeContext(context)
        context = nil
        output = nil
        self.key = nil

        let newContext = try MediaError.nonNull(
            sws_alloc_context(), "sws_alloc_context", .outOfMemory, "cannot allocate a swscale context")
        context = newContext
        // Ranges are options set before sws_init_context, so the path swscale picks at init already includes them.
        let options: [(String, Int64)] = [
            ("srcw", Int64(key.width)), ("srch", Int64(key.height)),
            ("src_format", Int64(key.source.rawValue)),
            ("dstw", Int64(key.width)), ("dsth", Int64(key.height)),
            ("dst_format", Int64(AV_PIX_FMT_RGB24.rawValue)),
            ("src_range", key.fullRange ? 1 : 0), ("dst_range", 1),
            // Same size, so the scaler only matters for chroma upsampling; bicubic is what the ffmpeg CLI uses.
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
            "sws_init_context", .unsupportedPicture, "cannot convert this pixel format to rgb24"
        ) {
            sws_init_context(newContext, nil, nil)
        }
        // The source matrix; the destination table only applies to YCbCr output and is BT.601 for completeness.
        let brightness: Int32 = 0
        let unity: Int32 = 1 << 16
        try MediaError.ffmpeg(
            "sws_setColorspaceDetails", .conversionFailed,
            "cannot convert from \(key.matrix) coefficients"
        ) {
            sws_setColorspaceDetails(
                newContext, ColorDescription(matrix: key.matrix).swsCoefficients, key.fullRange ? 1 : 0,
                ColorDescription(matrix: .bt470bg).swsCoefficients, 1, brightness, unity, unity)
        }
        let newOutput = try FrameBuffer(width: key.width, height: key.height, format: AV_PIX_FMT_RGB24)
        output = newOutput
        self.key = key
        return (newContext, newOutput)
    }
}
