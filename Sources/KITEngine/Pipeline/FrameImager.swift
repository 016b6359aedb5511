import Foundation
import KITMedia
import KVSMatroska
import Metrics

/// Turns a fragment's video key frames into images: one decoder per stream, reused while the track's codec and
/// CodecPrivate stay the same and reopened when they change. Only the first video track's key frames are considered
/// (audio blocks carry the key-frame flag too). Owned by one stream's reader; not shared.
final class FrameImager {
    struct Image {
        var bytes: [UInt8]
        var width: Int
        var height: Int
    }

    let encoder: ImageEncoder
    private let decoders = TrackDecoderCache()
    private let decodeTime: Timer
    private let encodeTime: Timer
    private let decoded: Counter

    init(format: ImageFormat, dimensions: [(String, String)]) throws(MediaError) {
        encoder = try ImageEncoder(format: format, quality: 90)
        decodeTime = Timer(label: MetricName.decodeTime, dimensions: dimensions)
        encodeTime = Timer(label: MetricName.encodeTime, dimensions: dimensions)
        decoded = Counter(label: MetricName.framesDecoded, dimensions: dimensions)
    }

    /// The key frames of the fragment's video track, in order.
    static func keyFrames(of fragment: MatroskaFragment) -> (track: MatroskaTrack, frames: [MatroskaFrame])? {
        guard let track = fragment.videoTrack else { return nil }
        return (track, fragment.frames.filter { $0.trackNumber == track.number && $0.keyFrame })
    }

    func image(of frame: MatroskaFrame, track: MatroskaTrack) throws(MediaError) -> Image {
        let decoder = try self.decoder(for: track)
        let start = ContinuousClock.now
        let picture = try decoder.decode(frame.data)
        let decodedAt = ContinuousClock.now
        decodeTime.recordNanoseconds(start.duration(to: decodedAt).nanoseconds)
        decoded.increment()
        let bytes = try encoder.encode(picture)
        encodeTime.recordNanoseconds(decodedAt.duration(to: .now).nanoseconds)
        return Image(bytes: bytes, width: picture.width, height: picture.height)
    }

    private func decoder(for track: MatroskaTrack) throws(MediaError) -> KeyFrameDecoder {
        try decoders.decoder(
            matroskaCodecID: track.codecID, codecPrivate: track.codecPrivate,
            matrixCoefficients: track.matrixCoefficients, colourRange: track.colourRange)
    }
}
