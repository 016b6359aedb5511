import KVSMatroska

/// `kithost inspect`: reads a GetMedia capture or any Matroska file (or stdin) and prints one JSON object per line per
/// fragment (and per frame with `showFrames`), and per parse error; optionally writes the sampled key frames as images.
public enum Inspect {
    public struct Options: Sendable {
        /// A file path, or "-" for standard input.
        public var input: String
        public var showFrames = false
        /// Where to write the sampled key frames; nil writes none.
        public var extractDirectory: String?
        public var format: String = "jpeg"
        /// Every Nth key frame of the video track (KIT's inferenceInterval).
        public var interval = 1
        public var quality = 90
        public var chunkSize = 1 << 16
        public var maxElementSize = MatroskaStreamParser.Options().maxElementSize

        public init(input: String) { self.input = input }
    }

    public struct Summary: Sendable, Equatable {
        public var fragments = 0
        public var frames = 0
        public var keyFrames = 0
        public var extracted = 0
        public var errors = 0
    }

    /// A failure that stops the command (bad input is reported per event instead and counted in `Summary.errors`).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(_ options: Options, write: (String) -> Void) throws(Failure) -> Summary {
        guard options.interval >= 1 else { throw Failure(description: "--interval must be at least 1") }
        guard options.chunkSize >= 1 else { throw Failure(description: "--chunk-size must be at least 1") }
        var extractor: FrameExtractor?
        if let directory = options.extractDirectory {
            do {
                extractor = try FrameExtractor(
                    directory: directory, format: options.format, quality: options.quality,
                    interval: options.interval)
            } catch {
                throw Failure(description: "\(error)")
            }
        }
        let source: ByteSource
        do {
            source = try ByteSource(path: options.input, chunkSize: options.chunkSize)
        } catch {
            throw Failure(description: error.description)
        }
        var parser = MatroskaStreamParser(options: .init(maxElementSize: options.maxElementSize))
        var summary = Summary()
        let handle: (MatroskaStreamParser.Event) -> Void = { event in
            switch event {
            case .fragment(let fragment):
                summary.fragments += 1
                summary.frames += fragment.frames.count
                summary.keyFrames += fragment.frames.lazy.filter(\.keyFrame).count
                write(fragmentLine(fragment, index: summary.fragments - 1))
                if options.showFrames {
                    for frame in fragment.frames { write(frameLine(frame, in: fragment, index: summary.fragments - 1)) }
                }
                if let extractor {
                    for line in extractor.extract(from: fragment, index: summary.fragments - 1) {
                        if line.hasPrefix("{\"type\":\"error\"") { summary.errors += 1 } else { summary.extracted += 1 }
                        write(line)
                    }
                }
            case .error(let error):
                summary.errors += 1
                var line = JSONLine()
                line.add("type", "error")
                line.add("code", error.code.description)
                line.add("offset", error.offset)
                line.add("message", error.message)
                write(line.text)
            }
        }
        do {
            while let chunk = try source.next() { parser.feed(chunk, handle) }
        } catch {
            throw Failure(description: error.description)
        }
        parser.finish(handle)
        return summary
    }

    static func fragmentLine(_ fragment: MatroskaFragment, index: Int) -> String {
        var line = JSONLine()
        line.add("type", "fragment")
        line.add("index", index)
        let m = fragment.metadata
        line.add("fragmentNumber", m?.fragmentNumber)
        line.add("serverTimestampMillis", m?.serverTimestampMillis)
        line.add("producerTimestampMillis", m?.producerTimestampMillis)
        line.add("millisBehindNow", m?.millisBehindNow)
        line.add("continuationToken", m?.continuationToken)
        if let m, !m.success {
            line.add("error", m.errorCode ?? "error")
            line.add("errorId", m.errorId)
            line.add("errorMessage", m.errorMessage)
        }
        line.add("clusterTimecode", fragment.clusterTimecode)
        line.add("frames", fragment.frames.count)
        line.add("keyFrames", fragment.frames.lazy.filter(\.keyFrame).count)
        let video = fragment.videoTrack
        line.add("videoKeyFrames", fragment.frames.lazy.filter { $0.keyFrame && $0.trackNumber == video?.number }.count)
        line.add("codec", video?.codecID)
        line.add("width", video?.pixelWidth)
        line.add("height", video?.pixelHeight)
        line.add("tracks", fragment.tracks.count)
        line.add("tags", fragment.tags.count)
        line.add("startOffset", fragment.startOffset)
        line.add("endOffset", fragment.endOffset)
        line.add("fragmentMetaData", m?.description)
        return line.text
    }

    static func frameLine(_ frame: MatroskaFrame, in fragment: MatroskaFragment, index: Int) -> String {
        var line = JSONLine()
        line.add("type", "frame")
        line.add("fragment", index)
        line.add("track", frame.trackNumber)
        line.add("timeCode", Int64(frame.timeCode))
        line.add("timestampMillis", fragment.timestampMillis(of: frame))
        line.add("keyFrame", frame.keyFrame)
        line.add("size", frame.data.count)
        line.add("frameMetaData", frame.description)
        return line.text
    }
}
