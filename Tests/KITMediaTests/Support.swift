import Foundation
import KITTestSupport
import KVSMatroska

/// Fixtures made at test time with the ffmpeg CLI into one temporary directory (removed when the test process exits),
/// each made once and shared by the tests that need it.
enum Fixture {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kit-media-tests-\(UUID().uuidString)"
        )
        .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixture.directory) }
        return path
    }()

    static let packageRoot = TestPaths.packageRoot
    /// The real GetMedia capture (BT.709, 640x360, several fragments).
    static let kvsCapture = TestPaths.kvsCaptures.appendingPathComponent("output_get_media.mkv").path

    private static let testsrc = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "2"]
    private static let x264 = [
        "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
    ]

    /// Untagged x264 (TV range, no colour description: converted as BT.601, like ffmpeg does).
    static let untagged = make(
        "untagged.mkv", testsrc + x264 + ["-pix_fmt", "yuv420p", "-f", "matroska"])
    /// BT.709-tagged x264 (TV range), as HD cameras send.
    static let bt709 = make(
        "bt709.mkv",
        testsrc + x264 + [
            "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc",
            "bt709",
            "-f", "matroska",
        ])
    /// Full-range BT.601 4:2:0: what JFIF expects, so it goes to turbojpeg untouched.
    static let fullRange = make(
        "full.mkv", testsrc + x264 + ["-pix_fmt", "yuvj420p", "-color_range", "pc", "-f", "matroska"])
    /// 4:4:4 (High 4:4:4 Predictive), BT.709.
    static let yuv444 = make(
        "yuv444.mkv",
        ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "2"] + x264 + [
            "-pix_fmt", "yuv444p", "-colorspace", "bt709", "-f", "matroska",
        ])
    /// HEVC (hvcC CodecPrivate), BT.709.
    static let hevc = make(
        "hevc.mkv",
        testsrc + [
            "-c:v", "libx265", "-x265-params", "keyint=25:min-keyint=25:scenecut=0:log-level=error",
            "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc",
            "bt709",
            "-f", "matroska",
        ])
    /// 10-bit HEVC (Main 10).
    static let hevc10 = make(
        "hevc10.mkv",
        ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1"] + [
            "-c:v", "libx265", "-x265-params", "keyint=25:log-level=error", "-pix_fmt", "yuv420p10le",
            "-f", "matroska",
        ])
    /// The first key frame of `untagged` as an Annex B access unit (SPS, PPS, SEI, IDR with start codes).
    static let annexB: Result<String, Failure> = untagged.flatMap { source in
        make(
            "key.h264",
            ["-i", source, "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-frames:v", "1", "-f", "h264"])
    }

    private static func make(_ name: String, _ arguments: [String]) -> Result<String, Failure> {
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            _ = try ffmpeg(["-y"] + arguments + [path])
            return .success(path)
        } catch {
            return .failure(error)
        }
    }

    /// Runs ffmpeg and returns its standard output; fails with its standard error if it exits non-zero.
    static func ffmpeg(_ arguments: [String]) throws(Failure) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"] + arguments
        let out = Pipe()
        let err = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ffmpeg-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: err) }
        process.standardOutput = out
        do {
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        } catch {
            throw Failure(description: "cannot run ffmpeg: \(error)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let log = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw Failure(description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(log)")
        }
        return [UInt8](data)
    }

    /// Every key frame of `path` decoded by ffmpeg itself to rgb24 (`-skip_frame nokey -vsync 0`), in order, after
    /// the filter `filter` if one is given.
    static func referenceKeyFrames(
        _ path: String, count: Int, width: Int, height: Int, filter: String? = nil
    ) throws(Failure) -> [[UInt8]] {
        let bytes = try ffmpeg(
            ["-skip_frame", "nokey", "-i", path, "-vsync", "0", "-frames:v", "\(count)"]
                + (filter.map { ["-vf", $0] } ?? []) + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        let frameSize = width * height * 3
        guard bytes.count == frameSize * count else {
            throw Failure(
                description: "ffmpeg gave \(bytes.count) bytes for \(count) frames of \(frameSize)")
        }
        return (0..<count).map { Array(bytes[$0 * frameSize..<($0 + 1) * frameSize]) }
    }

    /// An image file of ours decoded by ffmpeg (an independent JPEG/PNG decoder) to rgb24.
    static func decodeImage(_ image: [UInt8], named name: String) throws(Failure) -> [UInt8] {
        let path = (directory as NSString).appendingPathComponent("\(UUID().uuidString)-\(name)")
        guard FileManager.default.createFile(atPath: path, contents: Data(image)) else {
            throw Failure(description: "cannot write \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ffmpeg(["-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    }
}

/// A video track and its frames, read with the project's Matroska parser.
struct Clip {
    var track: MatroskaTrack
    var frames: [(frame: MatroskaFrame, millis: Int64)]

    var keyFrames: [[UInt8]] { frames.filter { $0.frame.keyFrame }.map { Array($0.frame.data) } }
    var nonKeyFrames: [[UInt8]] { frames.filter { !$0.frame.keyFrame }.map { Array($0.frame.data) } }

    init(path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var parser = MatroskaStreamParser()
        var fragments: [MatroskaFragment] = []
        let sink: (MatroskaStreamParser.Event) -> Void = {
            if case .fragment(let fragment) = $0 { fragments.append(fragment) }
        }
        parser.feed(bytes[...], sink)
        parser.finish(sink)
        guard let track = fragments.lazy.compactMap(\.videoTrack).first else {
            throw Fixture.Failure(description: "no video track in \(path)")
        }
        self.track = track
        frames = fragments.flatMap { fragment in
            fragment.frames.filter { $0.trackNumber == track.number }.map {
                ($0, fragment.timestampMillis(of: $0))
            }
        }
    }
}

/// Peak signal-to-noise ratio of two rgb24 images, in dB (infinity when identical).
func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return 0 }
    var sum = 0.0
    for i in 0..<a.count {
        let d = Double(Int(a[i]) - Int(b[i]))
        sum += d * d
    }
    guard sum > 0 else { return .infinity }
    return 10 * log10(255 * 255 / (sum / Double(a.count)))
}
