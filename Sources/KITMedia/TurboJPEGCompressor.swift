import CFFmpeg
import CTurboJPEG

/// A turbojpeg compression handle and its reusable output buffer. Compresses straight from YUV planes
/// (`tjCompressFromYUVPlanes`): no colour conversion inside turbojpeg, so the planes must already be full-range BT.601.
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

  /// The turbojpeg subsampling for planar 8-bit 4:2:0, 4:2:2 and 4:4:4 formats (`yuv*` and `yuvj*`).
  static func subsampling(of format: AVPixelFormat) -> TJSAMP? {
    switch format {
    case AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P: TJSAMP_420
    case AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P: TJSAMP_422
    case AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P: TJSAMP_444
    default: nil
    }
  }

  /// Compresses the three planes of `frame` (whose format must have a ``subsampling(of:)``) at `quality`.
  func compress(_ frame: UnsafePointer<AVFrame>, subsampling: TJSAMP, quality: Int)
    throws(MediaError) -> [UInt8]
  {
    let width = frame.pointee.width
    let height = frame.pointee.height
    let needed = kit_tj_buf_size(width, height, Int32(subsampling.rawValue))
    guard needed > 0 else {
      throw MediaError(
        code: .unsupportedPicture, message: "turbojpeg cannot size a \(width)x\(height) picture",
        function: "tjBufSize")
    }
    if Int(needed) > capacity {
      tjFree(buffer)
      capacity = 0
      buffer = try MediaError.nonNull(
        tjAlloc(Int32(clamping: needed)), "tjAlloc", .outOfMemory, "cannot allocate \(needed) bytes"
      )
      capacity = Int(needed)
    }
    var planes: [UnsafePointer<UInt8>?] = (0..<3).map {
      UnsafePointer(kit_frame_plane(frame, Int32($0)))
    }
    var strides: [Int32] = (0..<3).map { kit_frame_linesize(frame, Int32($0)) }
    var output = buffer
    var size = UInt(capacity)
    try MediaError.turboJPEG(
      "tjCompressFromYUVPlanes", handle, "cannot compress a \(width)x\(height) picture"
    ) {
      planes.withUnsafeMutableBufferPointer { planes in
        strides.withUnsafeMutableBufferPointer { strides in
          tjCompressFromYUVPlanes(
            handle, planes.baseAddress, width, strides.baseAddress, height,
            Int32(subsampling.rawValue),
            &output, &size, Int32(quality), TJFLAG_NOREALLOC)
        }
      }
    }
    guard let output, size <= capacity else {
      throw MediaError(
        code: .encodeFailed,
        message: "turbojpeg reported \(size) bytes in a \(capacity)-byte buffer",
        function: "tjCompressFromYUVPlanes")
    }
    return Array(UnsafeBufferPointer(start: output, count: Int(size)))
  }
}
