import CFFmpeg
import CTurboJPEG

// The one door for C statuses: every status-returning FFmpeg or turbojpeg call in KITMedia goes through
// `MediaError.check`, so each failure carries the function name, the library's code and the library's message.
// The two thin adapters below only differ in how they ask their library for the message.

extension MediaError {
    /// Throws a ``MediaError`` with `code` when `status` is negative; returns `status` otherwise.
    @discardableResult
    static func check(
        _ status: Int32, _ function: StaticString, _ code: Code, _ message: @autoclosure () -> String,
        libraryMessage: (Int32) -> String
    ) throws(MediaError) -> Int32 {
        guard status < 0 else { return status }
        throw MediaError(
            code: code, message: message(), function: "\(function)", libraryCode: status,
            libraryMessage: libraryMessage(status))
    }

    /// An FFmpeg call returning an `int` status (negative `AVERROR` on failure).
    @discardableResult
    static func ffmpeg(
        _ function: StaticString, _ code: Code, _ message: @autoclosure () -> String,
        _ call: () -> Int32
    ) throws(MediaError) -> Int32 {
        try check(call(), function, code, message(), libraryMessage: ffmpegErrorString)
    }

    /// A turbojpeg call returning `0` / `-1`; the message comes from the handle (`tjGetErrorStr2`). Warnings only
    /// fail a call under `TJFLAG_STOPONWARNING`, which KITMedia never sets.
    static func turboJPEG(
        _ function: StaticString, _ handle: tjhandle, _ message: @autoclosure () -> String,
        _ call: () -> Int32
    ) throws(MediaError) {
        try check(
            call(), function, .encodeFailed, message(),
            libraryMessage: { _ in
                tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown turbojpeg error"
            })
    }

    /// A C allocation or lookup that signals failure with NULL.
    static func nonNull<T>(
        _ pointer: T?, _ function: StaticString, _ code: Code, _ message: @autoclosure () -> String
    ) throws(MediaError) -> T {
        guard let pointer else {
            throw MediaError(code: code, message: message(), function: "\(function)")
        }
        return pointer
    }
}

/// `av_strerror`, as a Swift string (the `av_err2str` macro cannot be imported).
func ffmpegErrorString(_ status: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 128)
    let found = buffer.withUnsafeMutableBufferPointer {
        av_strerror(status, $0.baseAddress, $0.count)
    }
    guard found == 0 else { return "FFmpeg error \(status)" }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
