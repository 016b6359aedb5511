import CFFmpeg

/// One decoded picture: owns the `AVFrame` the decoder produced (reference-counted planes, freed in `deinit`).
///
/// Hand it to an ``ImageEncoder``. ``color`` starts as what the bitstream (or the decoder's container hint) says and
/// may be overridden before encoding.
public final class DecodedPicture {
    private let frame: UnsafeMutablePointer<AVFrame>

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// The colour description used when converting: the frame's own, unless overridden by the caller.
    public var color: ColorDescription
    /// FFmpeg's name for the pixel format, e.g. `yuv420p`, `yuvj420p`, `yuv420p10le`.
    public let pixelFormatName: String
    /// Whether the decoder marked the picture as a key frame (always `true` for pictures from ``KeyFrameDecoder``).
    public let isKeyFrame: Bool

    /// Takes ownership of `frame`.
    init(taking frame: UnsafeMutablePointer<AVFrame>) {
        self.frame = frame
        width = Int(frame.pointee.width)
        height = Int(frame.pointee.height)
        color = ColorDescription(
            matrix: .init(rawValue: Int(frame.pointee.colorspace.rawValue)),
            range: .init(rawValue: Int(frame.pointee.color_range.rawValue)))
        pixelFormatName =
            av_get_pix_fmt_name(AVPixelFormat(frame.pointee.format)).map { String(cString: $0) } ?? "none"
        isKeyFrame = frame.pointee.key_frame != 0
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&owned)
    }

    var pixelFormat: AVPixelFormat { AVPixelFormat(frame.pointee.format) }

    /// Lends the frame to the encoders without letting the pointer escape this type's lifetime.
    func withFrame<R, E: Error>(_ body: (UnsafePointer<AVFrame>) throws(E) -> R) throws(E) -> R {
        defer { withExtendedLifetime(self) {} }
        return try body(frame)
    }

    /// The range a converter must assume: "unspecified" means limited, except for the `yuvj*` formats, whose
    /// whole point is full range (libavcodec's JPEG-range pixel formats).
    var effectiveRange: ColorDescription.Range {
        if color.range == .full || color.range == .limited { return color.range }
        switch pixelFormat {
        case AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P,
            AV_PIX_FMT_YUVJ411P:
            return .full
        default:
            return .limited
        }
    }
}
