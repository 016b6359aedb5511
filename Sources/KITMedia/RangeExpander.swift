import CFFmpeg

/// Stretches TV-range (luma 16–235, chroma 16–240) 8-bit planar YCbCr to full range (0–255), plane by plane, into a
/// reused buffer: the one conversion a BT.601 stream (and every untagged one) needs before JFIF.
///
/// This is done here rather than by swscale because swscale's YUV→YUV range conversion goes through its general
/// scaler: measured on this project's machine at 1080p it took ≈3.5 ms per picture against ≈0.65 ms for this
/// loop, which the compiler vectorises. The arithmetic is 14-bit fixed point of 255/219 and 255/224 with rounding,
/// within one level of swscale's own result.
final class RangeExpander {
    private var output: FrameBuffer?

    init() {}

    /// Expands `picture` (an 8-bit planar 4:2:0, 4:2:2 or 4:4:4 format) and lends the full-range result to `body`.
    func expand<R>(
        _ picture: DecodedPicture, _ body: (UnsafePointer<AVFrame>) throws(MediaError) -> R
    ) throws(MediaError) -> R {
        let format = picture.pixelFormat.withoutJPEGRange
        let width = Int32(picture.width)
        let height = Int32(picture.height)
        let buffer: FrameBuffer
        if let output, output.fits(width: width, height: height, format: format) {
            buffer = output
        } else {
            output = nil
            buffer = try FrameBuffer(width: width, height: height, format: format)
            output = buffer
        }
        let (shiftW, shiftH) = format.chromaShift
        return try buffer.withFrame { (destination) throws(MediaError) in
            picture.withFrame { source in
                for plane in 0..<3 {
                    let chroma = plane > 0
                    let planeWidth = chroma ? (Int(width) + (1 << shiftW) - 1) >> shiftW : Int(width)
                    let planeHeight = chroma ? (Int(height) + (1 << shiftH) - 1) >> shiftH : Int(height)
                    guard let from = kit_frame_plane(source, Int32(plane)),
                        let to = kit_frame_plane(destination, Int32(plane))
                    else { continue }
                    let fromStride = Int(kit_frame_linesize(source, Int32(plane)))
                    let toStride = Int(kit_frame_linesize(destination, Int32(plane)))
                    for row in 0..<planeHeight {
                        let input = UnsafePointer(from + row * fromStride)
                        let out = to + row * toStride
                        if chroma {
                            Self.expandChroma(input, out, planeWidth)
                        } else {
                            Self.expandLuma(input, out, planeWidth)
                        }
                    }
                }
            }
            return try body(destination)
        }
    }

    @inline(__always)
    static func expandLuma(
        _ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<UInt8>, _ count: Int
    ) {
        for i in 0..<count {
            let y = min(max(Int32(source[i]), 16), 235)
            destination[i] = UInt8(truncatingIfNeeded: ((y &- 16) &* 19077 &+ 8192) >> 14)
        }
    }

    @inline(__always)
    static func expandChroma(
        _ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<UInt8>, _ count: Int
    ) {
        for i in 0..<count {
            let c = min(max(Int32(source[i]), 16), 240)
            destination[i] = UInt8(
                truncatingIfNeeded: min((((c &- 128) &* 18654 &+ 8192) >> 14) &+ 128, 255))
        }
    }
}
