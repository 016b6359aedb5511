import Foundation
import KITTestSupport
import KITTools
import Testing

private let packageRoot = TestPaths.packageRoot
    .deletingLastPathComponent()
private let captures = TestPaths.kvsCaptures

private func capture(_ name: String) -> String { captures.appendingPathComponent(name).path }

private func json(_ line: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
}

/// The kithost binary built beside the test bundle.
private var kithost: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kithost")
}

private func run(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = kithost
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite struct InspectTests {
    @Test func printsOneLinePerFragmentOfAGetMediaCapture() throws {
        var lines: [String] = []
        let summary = try Inspect.run(.init(input: capture("output_get_media.mkv"))) { lines.append($0) }
        #expect(summary.fragments == 5 && summary.errors == 0 && summary.frames == 300 && summary.keyFrames == 5)
        let first = json(lines[0])
        #expect(first["fragmentNumber"] as? String == "91343852333181432392682062607743920146159169392")
        #expect(first["serverTimestampMillis"] as? Int == 1_511_852_109_126)
        #expect(first["producerTimestampMillis"] as? Int == 1_511_852_108_513)
        #expect(first["millisBehindNow"] as? Int == 15858)
        #expect(first["continuationToken"] as? String == "91343852333181432392682062607743920146159169392")
        #expect(first["frames"] as? Int == 60 && first["keyFrames"] as? Int == 1)
        #expect(first["codec"] as? String == "V_MPEG4/ISO/AVC")
        #expect(first["width"] as? Int == 640 && first["height"] as? Int == 360)
    }

    @Test func framesFlagPrintsJavaFrameStrings() throws {
        var lines: [String] = []
        var options = Inspect.Options(input: capture("output_get_media.mkv"))
        options.showFrames = true
        _ = try Inspect.run(options) { lines.append($0) }
        let frames = lines.map(json).filter { $0["type"] as? String == "frame" }
        #expect(frames.count == 300)
        #expect(
            frames.first?["frameMetaData"] as? String
                == "Frame(trackNumber=1, timeCode=0, keyFrame=true, invisible=false, discardable=false, lacing=NO)")
    }

    /// vogels_480.mkv has H.264 video and AAC audio; only the video track's key frames may reach the decoder.
    @Test func extractsOnlyVideoKeyFrames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kit-inspect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines: [String] = []
        var options = Inspect.Options(input: capture("vogels_480.mkv"))
        options.extractDirectory = dir.path
        let summary = try Inspect.run(options) { lines.append($0) }
        let videoKeyFrames = lines.map(json).compactMap { $0["videoKeyFrames"] as? Int }.reduce(0, +)
        // mkvinfo counts 6 key SimpleBlocks on track 1 (and hundreds on the audio track 2).
        #expect(videoKeyFrames == 6)
        #expect(summary.extracted == 6 && summary.errors == 0)
        let images = lines.map(json).filter { $0["type"] as? String == "image" }
        #expect(images.allSatisfy { $0["track"] as? Int == 1 && $0["width"] as? Int == 640 })
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jpg") }
        #expect(files.count == 6)
        for file in files {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(file))
            #expect(bytes.prefix(3) == Data([0xFF, 0xD8, 0xFF]))
        }
    }

    @Test func intervalAndPNG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kit-inspect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = Inspect.Options(input: capture("output_get_media.mkv"))
        options.extractDirectory = dir.path
        options.format = "png"
        options.interval = 2
        let summary = try Inspect.run(options) { _ in }
        // Key frames 1, 3 and 5 of five.
        #expect(summary.extracted == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.filter { $0.hasSuffix(".png") }.count == 3)
    }

    @Test func unsupportedCodecIsAnErrorLineNotACrash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kit-inspect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines: [String] = []
        var options = Inspect.Options(input: capture("test_mixed_tags.mkv"))
        options.extractDirectory = dir.path
        let summary = try Inspect.run(options) { lines.append($0) }
        #expect(summary.fragments == 10 && summary.errors == 1)
        #expect(lines.map(json).contains { $0["code"] as? String == "unsupportedCodec" })
    }

    @Test func readsStandardInput() throws {
        let bytes = try Data(contentsOf: captures.appendingPathComponent("output_get_media.mkv"))
        let result = try run(["inspect", "-"], stdin: bytes)
        #expect(result.status == 0)
        #expect(result.out.split(separator: "\n").count == 5)
    }

    @Test func badInputGivesAClearMessageAndNonZeroExit() throws {
        let junk = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        let garbage = try run(["inspect", "-"], stdin: junk)
        #expect(garbage.status == 1)
        #expect(garbage.err.contains("error(s) in the input"))
        #expect(!garbage.err.contains("Fatal error") && !garbage.err.contains("Stack dump"))
        #expect(
            garbage.out.split(separator: "\n").map(String.init).map(json).allSatisfy {
                $0["type"] as? String == "error"
            })

        let missing = try run(["inspect", "/nonexistent/file.mkv"])
        #expect(missing.status == 2)
        #expect(missing.err.contains("cannot open /nonexistent/file.mkv"))

        let badFormat = try run(["inspect", capture("vogels_480.mkv"), "--extract", "/tmp/kit-x", "--format", "gif"])
        #expect(badFormat.status == 2 && badFormat.err.contains("jpeg or png"))

        let badInterval = try run(["inspect", capture("vogels_480.mkv"), "--interval", "0"])
        #expect(badInterval.status == 2 && badInterval.err.contains("--interval"))

        // A capture truncated mid-fragment: the whole fragments come out, then a truncation error.
        let cut = try Data(contentsOf: captures.appendingPathComponent("output_get_media.mkv")).prefix(1_200_000)
        let truncated = try run(["inspect", "-"], stdin: cut)
        #expect(truncated.status == 1)
        let lines = truncated.out.split(separator: "\n").map(String.init).map(json)
        #expect(lines.filter { $0["type"] as? String == "fragment" }.count == 2)
        #expect(lines.last?["code"] as? String == "truncated")
    }
}
