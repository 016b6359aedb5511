import CFFmpeg

/// The video codecs KITMedia decodes.
public enum VideoCodec: String, Sendable, CaseIterable {
    /// H.264 / AVC. Matroska CodecID `V_MPEG4/ISO/AVC`, CodecPrivate an `avcC` record (or absent for Annex B).
    case h264
    /// H.265 / HEVC. Matroska CodecID `V_MPEGH/ISO/HEVC`, CodecPrivate an `hvcC` record (or absent for Annex B).
    case hevc

    /// The codec for a Matroska `CodecID`, or `nil` when KITMedia does not decode it.
    public init?(matroskaCodecID: String) {
        switch matroskaCodecID {
        case "V_MPEG4/ISO/AVC": self = .h264
        case "V_MPEGH/ISO/HEVC": self = .hevc
        default: return nil
        }
    }

    /// The Matroska `CodecID` that carries this codec.
    public var matroskaCodecID: String {
        switch self {
        case .h264: "V_MPEG4/ISO/AVC"
        case .hevc: "V_MPEGH/ISO/HEVC"
        }
    }

    var avCodecID: AVCodecID {
        switch self {
        case .h264: AV_CODEC_ID_H264
        case .hevc: AV_CODEC_ID_HEVC
        }
    }
}
