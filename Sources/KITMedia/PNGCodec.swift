import CFFmpeg

/// libavcodec's PNG encoder for `rgb24` pictures, reopened only when the picture size changes.
final class PNGCodec {
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let codec: UnsafePointer<AVCodec>
    private let compressionLevel: Int32

    init(compressionLevel: Int32) throws(MediaError) {
        codec = try MediaError.nonNull(
            avcodec_find_encoder(AV_CODEC_ID_PNG), "avcodec_find_encoder", .unsupportedCodec,
            "this libavcodec has no PNG encoder")
        packet = try MediaError.nonNull(
            av_packet_alloc(), "av_packet_alloc", .outOfMemory, "cannot allocate a packet")
        self.compressionLevel = compressionLevel
    }

    deinit {
        avcodec_free_context(&context)
        av_packet_free(&packet)
    }

    func encode(_ frame: UnsafePointer<AVFrame>) throws(MediaError) -> [UInt8] {
        let context = try open(width: frame.pointee.width, height: frame.pointee.height)
        let packet = try MediaError.nonNull(packet, "av_packet_alloc", .outOfMemory, "no packet")
        defer { av_packet_unref(packet) }
        try MediaError.ffmpeg(
            "avcodec_send_frame", .encodeFailed, "the PNG encoder rejected the picture"
        ) {
            avcodec_send_frame(context, frame)
        }
        try MediaError.ffmpeg(
            "avcodec_receive_packet", .encodeFailed, "the PNG encoder produced no image"
        ) {
            avcodec_receive_packet(context, packet)
        }
        guard let data = packet.pointee.data, packet.pointee.size > 0 else {
            throw MediaError(
                code: .encodeFailed, message: "empty PNG", function: "avcodec_receive_packet")
        }
        return Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
    }

    /// The PNG encoder is intra-only and emits one packet per frame, so one open context serves every picture of a
    /// given size; a new size needs a new context.
    private func open(width: Int32, height: Int32) throws(MediaError) -> UnsafeMutablePointer<
        AVCodecContext
    > {
        if let context, context.pointee.width == width, context.pointee.height == height {
            return context
        }
        avcodec_free_context(&context)
        var fresh: UnsafeMutablePointer<AVCodecContext>? = avcodec_alloc_context3(codec)
        let ctx = try MediaError.nonNull(
            fresh, "avcodec_alloc_context3", .outOfMemory, "cannot allocate an encoder")
        ctx.pointee.width = width
        ctx.pointee.height = height
        ctx.pointee.pix_fmt = AV_PIX_FMT_RGB24
        ctx.pointee.time_base = AVRational(num: 1, den: 25)  // required of video encoders, unused by PNG
        ctx.pointee.thread_count = 1
        ctx.pointee.compression_level = compressionLevel
        do throws(MediaError) {
            try MediaError.ffmpeg(
                "avcodec_open2", .encodeFailed, "cannot open the PNG encoder for \(width)x\(height)"
            ) {
                avcodec_open2(ctx, codec, nil)
            }
        } catch {
            avcodec_free_context(&fresh)
            throw error
        }
        context = ctx
        return ctx
    }
}
