/// The one error type of `KITMedia`.
///
/// A `Sendable` struct with an opaque ``Code`` (a private enum behind static values, so adding a case breaks no
/// caller), a human-readable message, and — when a C library reported the failure — the library's status code, the
/// name of the C function that returned it and the library's own description of it (`av_strerror`,
/// `tjGetErrorStr2`). C details stay in these plain values; no C type leaks through the error.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with the static values: `error.code == .decodeFailed`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case unsupportedCodec, invalidCodecPrivate, invalidFrame, notKeyFrame, decodeFailed, noPicture
            case unsupportedPicture, conversionFailed, encodeFailed, invalidArgument, outOfMemory
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The Matroska CodecID or codec is not one KITMedia decodes (H.264 and H.265 only).
        public static let unsupportedCodec = Code(.unsupportedCodec)
        /// The CodecPrivate (avcC / hvcC / Annex B parameter sets) is malformed.
        public static let invalidCodecPrivate = Code(.invalidCodecPrivate)
        /// The frame bytes are not a well-formed access unit (empty, garbage, NAL lengths past the end).
        public static let invalidFrame = Code(.invalidFrame)
        /// The frame is well formed but is not a key frame (no IDR/IRAP picture), so it cannot decode on its own.
        public static let notKeyFrame = Code(.notKeyFrame)
        /// libavcodec rejected the input or the picture came out damaged (concealed slices, corrupt flag).
        public static let decodeFailed = Code(.decodeFailed)
        /// The decoder accepted the input but produced no picture (e.g. missing parameter sets).
        public static let noPicture = Code(.noPicture)
        /// The decoded picture has a pixel format or geometry the encoders cannot take.
        public static let unsupportedPicture = Code(.unsupportedPicture)
        /// swscale could not set up or run the colour/range conversion.
        public static let conversionFailed = Code(.conversionFailed)
        /// The JPEG or PNG encoder failed.
        public static let encodeFailed = Code(.encodeFailed)
        /// A caller-supplied parameter is out of range (e.g. JPEG quality outside 1…100).
        public static let invalidArgument = Code(.invalidArgument)
        /// A C allocation returned NULL.
        public static let outOfMemory = Code(.outOfMemory)

        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, in words.
    public var message: String
    /// The C function that reported the failure, if one did (e.g. `avcodec_send_packet`).
    public var function: String?
    /// The C library's status code as it arrived (an `AVERROR` value for FFmpeg, the `tjGetErrorCode` value for
    /// turbojpeg), if a C call failed.
    public var libraryCode: Int32?
    /// The C library's description of ``libraryCode`` (`av_strerror` / `tjGetErrorStr2`).
    public var libraryMessage: String?

    public init(
        code: Code, message: String, function: String? = nil, libraryCode: Int32? = nil,
        libraryMessage: String? = nil
    ) {
        self.code = code
        self.message = message
        self.function = function
        self.libraryCode = libraryCode
        self.libraryMessage = libraryMessage
    }

    public var description: String {
        var text = "MediaError(\(code)): \(message)"
        if let function {
            text += " [\(function)"
            if let libraryCode { text += " → \(libraryCode)" }
            if let libraryMessage { text += ": \(libraryMessage)" }
            text += "]"
        }
        return text
    }
}
