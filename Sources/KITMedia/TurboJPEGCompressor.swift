import CFFmpeg
import CTurboJPEG

/// A turbojpeg compression handle and its reusable output buffer. Writes baseline JFIF (full-range BT.601 YCbCr),
/// either straight from YCbCr planes that already are that (no conversion inside turbojpeg), or from `rgb24`, which
/// turbojpeg converts and subsamples with its SIMD code.
final class TurboJPEGCompressor {
    private let handle: tjhandle
    private var buffer: UnsafeMutablePointer<UInt8>?
    private var capacity = 0

    init() throws(MediaError) {
        handle = try MediaError.nonNull(
            tjInitCompress(), "tjInitCompress", .outOfMemory, "cannot create a compressor")
    }

    deinit {
        tjFree(buffer)
        tjDestroy(handle)
    }

    /// Compresses the three planes of `frame`, laid out as `subsampling` says, at `quality`.
    func compressPlanes(_ frame: UnsafePointer<AVFrame>, subsampling: TJSAMP, quality: Int)
        throws(MediaError)
        -> [UInt8]
    {
        let width = frame.pointee.width
        let height = frame.pointee.height
        var planes: [UnsafePointer<UInt8>?] = (0..<3).map {
            UnsafePointer(kit_frame_plane(frame, Int32($0)))
        }
        var strides: [Int32] = (0..<3).map { kit_frame_linesize(frame, Int32($0)) }
        return try compress(
            width: width, height: height, subsampling: subsampling, function: "tjCompressFromYUVPlanes"
        ) {
            output, size in
            planes.withUnsafeMutableBufferPointer { planes in
                strides.withUnsafeMutableBufferPointer { strides in
                    tjCompressFromYUVPlanes(
                        handle, planes.baseAddress, width, strides.baseAddress, height,
                        Int32(subsampling.rawValue), output, size,
                        Int32(quality), TJFLAG_NOREALLOC)
                }
            }
        }
    }

    /// Compresses a packed `rgb24` frame, subsampled as `subsampling` says, at `quality`.
    func compressRGB(_ frame: UnsafePointer<AVFrame>, subsampling: TJSAMP, quality: Int)
        throws(MediaError) -> [UInt8]
    {
        let width = frame.pointee.width
        let height = frame.pointee.height
        let rgb = UnsafePointer(kit_frame_plane(frame, 0))
        let pitch = kit_frame_linesize(frame, 0)
        return try compress(
            width: width, height: height, subsampling: subsampling, function: "tjCompress2"
        ) {
            output, size in
            tjCompress2(
                handle, rgb, width, pitch, height, Int32(TJPF_RGB.rawValue), output, size,
                Int32(subsampling.rawValue),
                Int32(quality), TJFLAG_NOREALLOC)
        }
    }

    /// Sizes the reused buffer for the worst case (so turbojpeg never reallocates it), runs `call`, and copies out the
    /// image: an exact-size array, so queued images hold no slack.
    private func compress(
        width: Int32, height: Int32, subsampling: TJSAMP, function: StaticString,
        _ call: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<UInt>) ->
            Int32
    ) throws(MediaError) -> [UInt8] {
        let needed = kit_tj_buf_size(width, height, Int32(subsampling.rawValue))
        guard needed > 0, let neededCount = Int(exactly: needed) else {
            throw MediaError(
                code: .unsupportedPicture, message: "turbojpeg cannot size a \(width)x\(height) picture",
                function: "tjBufSize")
        }
        if neededCount > capacity {
            tjFree(buffer)
            buffer = nil
            capacity = 0
            buffer = try MediaError.nonNull(
                tjAlloc(Int32(clamping: neededCount)), "tjAlloc", .outOfMemory,
                "cannot allocate \(neededCount) bytes")
            capacity = neededCount
        }
        var output = buffer
        var size = UInt(capacity)
        try MediaError.turboJPEG(function, handle, "cannot compress a \(width)x\(height) picture") {
            call(&output, &size)
        }
        guard let output, output == buffer, size > 0, size <= UInt(capacity) else {
            throw MediaError(
                code: .encodeFailed,
                message: "turbojpeg reported \(size) bytes in a \(capacity)-byte buffer",
                function: "\(function)")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
