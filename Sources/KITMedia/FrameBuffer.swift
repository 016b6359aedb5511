import CFFmpeg

/// An `AVFrame` with its own planes, for conversion output: allocated for one geometry and format, reused while they
/// stay the same, freed in `deinit`.
final class FrameBuffer {
    let width: Int32
    let height: Int32
    let format: AVPixelFormat
    private let frame: UnsafeMutablePointer<AVFrame>

    init(width: Int32, height: Int32, format: AVPixelFormat) throws(MediaError) {
        var frame: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()
        let allocated = try MediaError.nonNull(
            frame, "av_frame_alloc", .outOfMemory, "cannot allocate a frame")
        allocated.pointee.width = width
        allocated.pointee.height = height
        allocated.pointee.format = format.rawValue
        do throws(MediaError) {
            try MediaError.ffmpeg(
                "av_frame_get_buffer", .outOfMemory, "cannot allocate a \(width)x\(height) picture"
            ) {
                av_frame_get_buffer(allocated, 0)
            }
        } catch {
            av_frame_free(&frame)
            throw error
        }
        self.width = width
        self.height = height
        self.format = format
        self.frame = allocated
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&owned)
    }

    func fits(width: Int32, height: Int32, format: AVPixelFormat) -> Bool {
        self.width == width && self.height == height && self.format == format
    }

    /// Lends the frame out; it must not outlive this buffer.
    func withFrame<R, E: Error>(_ body: (UnsafeMutablePointer<AVFrame>) throws(E) -> R) throws(E) -> R {
        defer { withExtendedLifetime(self) {} }
        return try body(frame)
    }
}
