import CFFmpeg
import CTurboJPEG

extension AVPixelFormat {
    /// The `yuvj*` formats only say "full range", which KITMedia tracks in ``ColorDescription``; swscale warns about
    /// them, and they are otherwise the same layouts as `yuv*`.
    var withoutJPEGRange: AVPixelFormat {
        switch self {
        case AV_PIX_FMT_YUVJ420P: AV_PIX_FMT_YUV420P
        case AV_PIX_FMT_YUVJ422P: AV_PIX_FMT_YUV422P
        case AV_PIX_FMT_YUVJ444P: AV_PIX_FMT_YUV444P
        case AV_PIX_FMT_YUVJ440P: AV_PIX_FMT_YUV440P
        case AV_PIX_FMT_YUVJ411P: AV_PIX_FMT_YUV411P
        default: self
        }
    }

    /// Whether this is one of libavcodec's `yuvj*` full-range formats.
    var isJPEGRange: Bool { withoutJPEGRange != self }

    /// The turbojpeg subsampling of 8-bit planar 4:2:0, 4:2:2 and 4:4:4 (`yuv*` and `yuvj*`): the layouts turbojpeg
    /// compresses straight from their planes.
    var turboJPEGPlanes: TJSAMP? {
        switch withoutJPEGRange {
        case AV_PIX_FMT_YUV420P: TJSAMP_420
        case AV_PIX_FMT_YUV422P: TJSAMP_422
        case AV_PIX_FMT_YUV444P: TJSAMP_444
        default: nil
        }
    }

    /// log2 of the horizontal and vertical chroma subsampling ((1, 1) for 4:2:0); (0, 0) for RGB and grey.
    var chromaShift: (width: Int, height: Int) {
        guard let descriptor = av_pix_fmt_desc_get(self) else { return (0, 0) }
        return (Int(descriptor.pointee.log2_chroma_w), Int(descriptor.pointee.log2_chroma_h))
    }

    /// The JPEG subsampling that keeps this format's chroma resolution where JPEG can (4:4:4, 4:2:2), else 4:2:0.
    var jpegSubsampling: TJSAMP {
        guard let descriptor = av_pix_fmt_desc_get(self), descriptor.pointee.nb_components >= 3 else {
            return TJSAMP_420
        }
        switch chromaShift {
        case (0, 0): return TJSAMP_444
        case (1, 0): return TJSAMP_422
        default: return TJSAMP_420
        }
    }
}
