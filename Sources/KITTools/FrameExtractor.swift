import Foundation
import KITMedia
import KVSMatroska

/// Decodes the sampled key frames of each fragment's video track and writes them as images — only the video track's
/// key frames reach the decoder (audio blocks are flagged as key frames too). One decoder per track, reused, and
/// reopened when the track's codec or CodecPrivate changes between fragments.
final class FrameExtractor {
    struct SetupError: Error, CustomStringConvertible { let description: String }

    private let directory: URL
    private let encoder: ImageEncoder
    private var sampler: KeyFrameSampler
    private let decoders = TrackDecoderCache()
    private var reportedUnsupported: String?

    init(directory: String, format: String, quality: Int, interval: Int) throws(SetupError) {
        guard let imageFormat = ImageFormat(rawValue: format.lowercased()) else {
            throw SetupError(description: "--format must be jpeg or png, not \(format)")
        }
        do {
            encoder = try ImageEncoder(format: imageFormat, quality: quality)
        } catch {
            throw SetupError(description: "\(error)")
        }
        self.directory = URL(fileURLWithPath: directory)
        sampler = KeyFrameSampler(everyNthKeyFrame: interval)
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw SetupError(description: "cannot create \(directory): \(error.localizedDescription)")
        }
    }

    /// Returns one JSON line per image written or per error.
    func extract(from fragment: MatroskaFragment, index: Int) -> [String] {
        guard let track = fragment.videoTrack else { return [] }
        let keyFrames = fragment.frames.filter { $0.trackNumber == track.number && $0.keyFrame }
        guard !keyFrames.isEmpty else { return [] }
        var lines: [String] = []
        for frame in keyFrames {
            let millis = fragment.timestampMillis(of: frame)
            guard sampler.shouldSample(keyFrameAtMillis: millis) else { continue }
            let decoder: KeyFrameDecoder
            do {
                decoder = try self.decoder(for: track)
            } catch {
                if reportedUnsupported != track.codecID {
                    reportedUnsupported = track.codecID
                    lines.append(errorLine(error, fragment: index, millis: millis))
                }
                return lines
            }
            do {
                let picture = try decoder.decode(frame.data)
                let bytes = try encoder.encode(picture)
                let name =
                    (fragment.metadata?.fragmentNumber ?? String(format: "f%05d", index))
                    + "-\(millis).\(encoder.format == .png ? "png" : "jpg")"
                let url = directory.appendingPathComponent(name)
                try Data(bytes).write(to: url)
                var line = JSONLine()
                line.add("type", "image")
                line.add("fragment", index)
                line.add("track", track.number)
                line.add("timestampMillis", millis)
                line.add("width", picture.width)
                line.add("height", picture.height)
                line.add("bytes", bytes.count)
                line.add("path", url.path)
                lines.append(line.text)
            } catch {
                lines.append(errorLine(error, fragment: index, millis: millis))
            }
        }
        return lines
    }

    private func decoder(for track: MatroskaTrack) throws(MediaError) -> KeyFrameDecoder {
        try decoders.decoder(
            matroskaCodecID: track.codecID, codecPrivate: track.codecPrivate,
            matrixCoefficients: track.matrixCoefficients, colourRange: track.colourRange)
    }

    private func errorLine(_ error: any Error, fragment: Int, millis: Int64) -> String {
        var line = JSONLine()
        line.add("type", "error")
        line.add("code", (error as? MediaError)?.code.description ?? "io")
        line.add("fragment", fragment)
        line.add("timestampMillis", millis)
        line.add("message", "\(error)")
        return line.text
    }
}
