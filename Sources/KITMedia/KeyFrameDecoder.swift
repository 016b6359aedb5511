import CFFmpeg

/// `KITMedia` turns key frames into images: this decoder owns one libavcodec H.264/H.265 decoder per stream and
/// decodes each key frame on its own; ``ImageEncoder`` turns the ``DecodedPicture`` into JPEG or PNG with the
/// stream's colours honoured; ``KeyFrameSampler`` picks which key frames to decode at all. Failures are
/// ``MediaError`` values; nothing here traps on bad input.
///
/// The decoder is single-threaded (`thread_count = 1`: a host runs many streams, one decoder each, and frame threads
/// would only add latency and memory), skips non-key pictures inside libavcodec (`AVDISCARD_NONKEY`, like
/// `ffmpeg -skip_frame nokey`), drains after every frame so a picture comes out without waiting for reordering, and
/// flushes so the next key frame decodes with no memory of this one. Damaged pictures are errors, not images: H.264
/// pictures with concealed macroblocks are refused, and H.265 decodes under `AV_EF_EXPLODE` (its decoder flags
/// nothing otherwise) with SEI units dropped first so that a malformed SEI cannot fail a good picture. Use it from
/// one task at a time.
public final class KeyFrameDecoder {
    /// The codec this decoder was opened for.
    public let codec: VideoCodec

    private let context: UnsafeMutablePointer<AVCodecContext>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let framing: CodecPrivate.Framing

    /// Opens a decoder for `codec`.
    ///
    /// - Parameters:
    ///   - codecPrivate: the Matroska CodecPrivate: an `avcC` (H.264) or `hvcC` (H.265) record, Annex B parameter
    ///     sets, or `nil`/empty when frames are Annex B with in-band parameter sets.
    ///   - colorHint: the container's colour description (Matroska `Colour`), used where the bitstream says nothing,
    ///     as FFmpeg does with container tags.
    public init(codec: VideoCodec, codecPrivate: [UInt8]?, colorHint: ColorDescription? = nil)
        throws(MediaError)
    {
        self.codec = codec
        framing = try CodecPrivate(codec: codec, bytes: codecPrivate).framing

        let decoder = try MediaError.nonNull(
            avcodec_find_decoder(codec.avCodecID), "avcodec_find_decoder", .unsupportedCodec,
            "this libavcodec has no \(codec) decoder")
        var context: UnsafeMutablePointer<AVCodecContext>? = try MediaError.nonNull(
            avcodec_alloc_context3(decoder), "avcodec_alloc_context3", .outOfMemory,
            "cannot allocate a \(codec) decoder")
        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        do throws(MediaError) {
            let ctx = try MediaError.nonNull(
                context, "avcodec_alloc_context3", .outOfMemory, "cannot allocate a \(codec) decoder")
            self.packet = try MediaError.nonNull(
                packet, "av_packet_alloc", .outOfMemory, "cannot allocate a packet")
            ctx.pointee.thread_count = 1
            ctx.pointee.skip_frame = AVDISCARD_NONKEY
            // libavcodec 5.1's HEVC decoder conceals broken slices without flagging the picture (H.264's sets
            // decode_error_flags, checked in drain()); under EXPLODE it reports them, so damage becomes an error.
            if codec == .hevc { ctx.pointee.err_recognition |= AV_EF_EXPLODE }
            if let colorHint {
                ctx.pointee.colorspace = AVColorSpace(UInt32(truncatingIfNeeded: colorHint.matrix.rawValue))
                ctx.pointee.color_range = AVColorRange(UInt32(truncatingIfNeeded: colorHint.range.rawValue))
            }
            if let codecPrivate, !codecPrivate.isEmpty {
                try Self.setExtradata(codecPrivate, on: ctx)
            }
            try MediaError.ffmpeg("avcodec_open2", .decodeFailed, "cannot open the \(codec) decoder") {
                avcodec_open2(ctx, decoder, nil)
            }
            self.context = ctx
        } catch {
            avcodec_free_context(&context)
            av_packet_free(&packet)
            throw error
        }
    }

    /// Opens a decoder for a Matroska track.
    ///
    /// - Throws: ``MediaError/Code/unsupportedCodec`` when `matroskaCodecID` is neither `V_MPEG4/ISO/AVC` nor
    ///   `V_MPEGH/ISO/HEVC`.
    public convenience init(
        matroskaCodecID: String, codecPrivate: [UInt8]?, colorHint: ColorDescription? = nil
    )
        throws(MediaError)
    {
        guard let codec = VideoCodec(matroskaCodecID: matroskaCodecID) else {
            throw MediaError(
                code: .unsupportedCodec,
                message:
                    "CodecID \(matroskaCodecID) is not supported (only V_MPEG4/ISO/AVC and V_MPEGH/ISO/HEVC)")
        }
        try self.init(codec: codec, codecPrivate: codecPrivate, colorHint: colorHint)
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
    }

    /// Decodes one key frame (a Matroska block's bytes: length-prefixed NAL units when the track has avcC/hvcC,
    /// Annex B otherwise) into a picture, with no help from earlier frames.
    public func decode(_ frame: ArraySlice<UInt8>) throws(MediaError) -> DecodedPicture {
        let units: NALUnits
        switch NALUnits.split(frame, expected: framing) {
        case .success(let split): units = split
        case .failure(.empty): throw MediaError(code: .invalidFrame, message: "empty frame")
        case .failure(.malformed(let why)):
            throw MediaError(code: .invalidFrame, message: "not an access unit: \(why)")
        }
        let summary = units.summary(codec: codec, in: frame)
        guard !summary.badHeader else {
            throw MediaError(
                code: .invalidFrame, message: "a NAL unit header has its forbidden_zero_bit set")
        }
        guard summary.hasPicture else {
            throw MediaError(code: .noPicture, message: "the frame has no picture (slice) NAL units")
        }
        // libavcodec also takes an H.264 picture after a recovery-point SEI as a key frame; let it judge those.
        let mayBeKey = summary.hasRandomAccess || (codec == .h264 && summary.hasSEI)
        guard mayBeKey else {
            throw MediaError(
                code: .notKeyFrame, message: "no \(codec == .h264 ? "IDR" : "IRAP") picture in the frame")
        }

        // Re-frame when needed: an Annex B frame in an avcC/hvcC track (the decoder was opened for length prefixes),
        // and H.265 SEI, which no picture needs and which would fail the frame under AV_EF_EXPLODE if malformed.
        let dropSEI = codec == .hevc && summary.hasSEI
        if units.framing != framing || dropSEI {
            guard
                let rewritten = units.rewritten(
                    from: frame, as: framing,
                    dropping: { dropSEI && [39, 40].contains(($0 >> 1) & 0x3F) })
            else {
                throw MediaError(
                    code: .invalidFrame, message: "a NAL unit is too long for the track's NAL length size")
            }
            try send(rewritten[...])
        } else {
            try send(frame)
        }
        guard let picture = try drain() else {
            if summary.hasRandomAccess {
                throw MediaError(
                    code: .noPicture,
                    message:
                        "the decoder produced no picture (missing or broken parameter sets, or a corrupt slice)"
                )
            }
            throw MediaError(code: .notKeyFrame, message: "the frame's picture is not a key frame")
        }
        return picture
    }

    /// Decodes one key frame; see ``decode(_:)-(ArraySlice<UInt8>)``.
    public func decode(_ frame: [UInt8]) throws(MediaError) -> DecodedPicture {
        try decode(frame[...])
    }

    // MARK: - libavcodec plumbing

    private static func setExtradata(_ bytes: [UInt8], on ctx: UnsafeMutablePointer<AVCodecContext>)
        throws(MediaError)
    {
        let padding = Int(kit_av_input_buffer_padding_size())
        let raw = try MediaError.nonNull(
            av_mallocz(bytes.count + padding), "av_mallocz", .outOfMemory,
            "cannot allocate \(bytes.count) bytes of extradata")
        let buffer = raw.assumingMemoryBound(to: UInt8.self)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.update(from: base, count: source.count) }
        }
        ctx.pointee.extradata = buffer  // freed by avcodec_free_context
        ctx.pointee.extradata_size = Int32(bytes.count)
    }

    /// Copies the frame into a padded, reference-counted packet and sends it, then signals end of stream so the
    /// picture is released at once (the decoder would otherwise hold it back for B-frame reordering).
    private func send(_ frame: ArraySlice<UInt8>) throws(MediaError) {
        guard let size = Int32(exactly: frame.count) else {
            throw MediaError(code: .invalidFrame, message: "frame of \(frame.count) bytes is too large")
        }
        defer { av_packet_unref(packet) }
        try MediaError.ffmpeg("av_new_packet", .outOfMemory, "cannot allocate a \(size)-byte packet") {
            av_new_packet(packet, size)  // zeroes the padding after the data, as the bitstream readers require
        }
        frame.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                packet.pointee.data.update(from: base, count: source.count)
            }
        }
        packet.pointee.flags |= AV_PKT_FLAG_KEY
        try MediaError.ffmpeg(
            "avcodec_send_packet", .decodeFailed, "the \(codec) decoder rejected the frame"
        ) {
            avcodec_send_packet(context, packet)
        }
        try MediaError.ffmpeg("avcodec_send_packet", .decodeFailed, "cannot drain the \(codec) decoder") {
            avcodec_send_packet(context, nil)
        }
    }

    /// Receives everything the decoder has, keeps the first picture, and flushes the decoder for the next frame.
    private func drain() throws(MediaError) -> DecodedPicture? {
        defer { avcodec_flush_buffers(context) }
        var picture: DecodedPicture?
        while true {
            // receive_frame clears its output first, so each picture gets a fresh AVFrame.
            var received: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()
            let frame = try MediaError.nonNull(
                received, "av_frame_alloc", .outOfMemory, "cannot allocate a frame")
            let status = avcodec_receive_frame(context, frame)
            guard status >= 0 else {
                av_frame_free(&received)
                if status == kit_averror_eof() || status == kit_averror_eagain() { break }
                try MediaError.ffmpeg("avcodec_receive_frame", .decodeFailed, "the \(codec) decoder failed") { status }
                break
            }
            let owned = DecodedPicture(taking: frame)
            let corrupt =
                frame.pointee.decode_error_flags != 0 || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0
            guard !corrupt else {
                throw MediaError(
                    code: .decodeFailed,
                    message:
                        "the picture is damaged (decode_error_flags \(frame.pointee.decode_error_flags), "
                        + "flags \(frame.pointee.flags)); the frame is corrupt or truncated")
            }
            if picture == nil, frame.pointee.key_frame != 0 { picture = owned }
        }
        return picture
    }
}
