import Foundation
import KITMedia
import KVSMatroska

/// `kit-bench jpeg FILE.mkv`: the media path of the host on one core — parse the Matroska file with
/// `MatroskaStreamParser`, decode every key frame of the video track with one `KeyFrameDecoder`, encode each with one
/// `ImageEncoder` (JPEG q90 ≈ `ffmpeg -q:v 3` by default) and optionally write the files (`--out DIR`, as the ffmpeg
/// CLI peer does). Reports key frames per second over the whole run (file read included), and where the time went.
/// With `--repeat N` the run is repeated in-process and the best and median runs are printed as well.
func runJPEGBench(_ arguments: [String]) -> Int32 {
    var file: String?
    var format = ImageFormat.jpeg
    var quality = 90
    var outDirectory: String?
    var repeats = 1
    var pngLevel = 3
    var i = 0
    while i < arguments.count {
        let value = i + 1 < arguments.count ? arguments[i + 1] : ""
        switch arguments[i] {
        case "--format":
            format = ImageFormat(rawValue: value) ?? format
            i += 1
        case "--quality":
            quality = Int(value) ?? quality
            i += 1
        case "--out":
            outDirectory = value
            i += 1
        case "--png-level":
            pngLevel = Int(value) ?? pngLevel
            i += 1
        case "--repeat":
            repeats = max(1, Int(value) ?? repeats)
            i += 1
        default:
            file = arguments[i]
        }
        i += 1
    }
    guard let file else {
        FileHandle.standardError.write(
            Data(
                "usage: kit-bench jpeg FILE.mkv [--format jpeg|png] [--quality Q] [--png-level L] [--out DIR] [--repeat N]\n"
                    .utf8))
        return 2
    }
    if let outDirectory {
        try? FileManager.default.createDirectory(
            atPath: outDirectory, withIntermediateDirectories: true)
    }

    var runs: [MediaRun] = []
    for _ in 0..<repeats {
        switch MediaRun.measure(
            file: file, format: format, quality: quality, pngLevel: pngLevel, outDirectory: outDirectory)
        {
        case .success(let run): runs.append(run)
        case .failure(let error):
            FileHandle.standardError.write(Data("kit-bench jpeg: \(error)\n".utf8))
            return 1
        }
    }
    guard let first = runs.first else { return 1 }
    print(first.summary(label: "run 1"))
    if runs.count > 1 {
        let sorted = runs.sorted { $0.total < $1.total }
        print(sorted[0].summary(label: "best of \(runs.count)"))
        print(sorted[runs.count / 2].summary(label: "median of \(runs.count)"))
    }
    return 0
}

/// One pass over a file, with the time split by stage.
struct MediaRun {
    struct Failure: Error, CustomStringConvertible { var description: String }

    var keyFrames = 0
    var frames = 0
    var bytesOut = 0
    var width = 0
    var height = 0
    var pixelFormat = ""
    var color = ""
    var read = Duration.zero
    var parse = Duration.zero
    var decode = Duration.zero
    var encode = Duration.zero
    var write = Duration.zero
    var total = Duration.zero

    static func measure(
        file: String, format: ImageFormat, quality: Int, pngLevel: Int, outDirectory: String?
    )
        -> Result<
            MediaRun, Failure
        >
    {
        let clock = ContinuousClock()
        let start = clock.now
        var run = MediaRun()
        var mark = start
        func lap() -> Duration {
            let now = clock.now
            defer { mark = now }
            return now - mark
        }

        guard let input = fopen(file, "rb") else {
            return .failure(Failure(description: "cannot open \(file)"))
        }
        defer { fclose(input) }
        let encoder: ImageEncoder
        do {
            encoder = try ImageEncoder(format: format, quality: quality, pngCompressionLevel: pngLevel)
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
        var decoder: KeyFrameDecoder?
        var decoderTrack: MatroskaTrack?
        var parser = MatroskaStreamParser()
        var fragments: [MatroskaFragment] = []
        var parseErrors = 0
        let sink: (MatroskaStreamParser.Event) -> Void = { event in
            switch event {
            case .fragment(let fragment): fragments.append(fragment)
            case .error: parseErrors += 1
            }
        }
        let fileExtension = format == .jpeg ? "jpg" : "png"

        // Streams the file in network-sized chunks, as the host feeds GetMedia bodies, and handles each fragment as
        // soon as the parser completes it: memory stays at about one fragment.
        var finished = false
        while !finished {
            mark = clock.now
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, input) }
            chunk.removeLast(chunk.count - count)
            run.read += lap()
            if count > 0 {
                parser.feed(chunk[...], sink)
            } else {
                parser.finish(sink)
                finished = true
            }
            run.parse += lap()
            guard parseErrors == 0 else {
                return .failure(Failure(description: "\(parseErrors) parse errors in \(file)"))
            }
            for fragment in fragments {
                guard let track = fragment.videoTrack else { continue }
                if decoderTrack != track {
                    do {
                        decoder = try KeyFrameDecoder(
                            matroskaCodecID: track.codecID, codecPrivate: track.codecPrivate,
                            colorHint: ColorDescription(
                                matroskaMatrixCoefficients: track.matrixCoefficients,
                                matroskaRange: track.colourRange))
                        decoderTrack = track
                    } catch {
                        return .failure(Failure(description: "\(error)"))
                    }
                }
                guard let decoder else { continue }
                for frame in fragment.frames where frame.trackNumber == track.number {
                    run.frames += 1
                    guard frame.keyFrame else { continue }
                    mark = clock.now
                    do {
                        let picture = try decoder.decode(frame.data)
                        run.decode += lap()
                        let image = try encoder.encode(picture)
                        run.encode += lap()
                        if let outDirectory {
                            let path = String(
                                format: "%@/kit%05d.%@", outDirectory, run.keyFrames + 1, fileExtension)
                            guard let output = fopen(path, "wb") else {
                                return .failure(Failure(description: "cannot write \(path)"))
                            }
                            let written = image.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, output) }
                            fclose(output)
                            guard written == image.count else {
                                return .failure(Failure(description: "short write to \(path)"))
                            }
                            run.write += lap()
                        }
                        run.keyFrames += 1
                        run.bytesOut += image.count
                        run.width = picture.width
                        run.height = picture.height
                        run.pixelFormat = picture.pixelFormatName
                        run.color = picture.color.description
                    } catch {
                        return .failure(Failure(description: "key frame \(run.keyFrames): \(error)"))
                    }
                }
            }
            fragments.removeAll(keepingCapacity: true)
        }
        run.total = clock.now - start
        return .success(run)
    }

    func summary(label: String) -> String {
        func ms(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
        }
        let seconds = ms(total) / 1e3
        let fps = seconds > 0 ? Double(keyFrames) / seconds : 0
        let perFrame = keyFrames > 0 ? 1.0 / Double(keyFrames) : 0
        return String(
            format:
                "kit %@: %d key frames of %d (%dx%d %@ %@) in %.3f s = %.1f fps; per key frame: decode %.2f ms, "
                + "convert+encode %.2f ms, write %.2f ms; file read %.1f ms, parse %.1f ms (whole run); %.1f KB/image",
            label, keyFrames, frames, width, height, pixelFormat, color, seconds, fps,
            ms(decode) * perFrame,
            ms(encode) * perFrame, ms(write) * perFrame, ms(read), ms(parse),
            keyFrames > 0 ? Double(bytesOut) / Double(keyFrames) / 1024 : 0)
    }
}
