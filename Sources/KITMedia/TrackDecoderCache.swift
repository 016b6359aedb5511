/// One decoder for a track, reused while its codec and CodecPrivate stay the same and reopened when they change
/// (a producer restart, a resolution change between fragments). Not shared across threads.
public final class TrackDecoderCache {
    private var decoder: KeyFrameDecoder?
    private var key: (codecID: String, codecPrivate: [UInt8]?)?

    public init() {}

    /// The decoder for a Matroska track with this CodecID, CodecPrivate and Colour (MatrixCoefficients, Range).
    public func decoder(
        matroskaCodecID codecID: String, codecPrivate: [UInt8]?, matrixCoefficients: UInt64?, colourRange: UInt64?
    ) throws(MediaError) -> KeyFrameDecoder {
        if let decoder, let key, key.codecID == codecID, key.codecPrivate == codecPrivate { return decoder }
        let hint = ColorDescription(matroskaMatrixCoefficients: matrixCoefficients, matroskaRange: colourRange)
        let made = try KeyFrameDecoder(matroskaCodecID: codecID, codecPrivate: codecPrivate, colorHint: hint)
        decoder = made
        key = (codecID, codecPrivate)
        return made
    }
}
