import Foundation
import KITTestSupport
import Testing

@testable import KITTools

private let captures = TestPaths.kvsCaptures

private func capture(_ name: String) -> String { captures.appendingPathComponent(name).path }

/// Reads a whole file through `MatroskaGOPReader` in chunks of `chunk` bytes.
private func gops(_ path: String, chunk: Int) throws -> (MatroskaGOPReader.Header?, [MatroskaGOPReader.GOP]) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var reader = MatroskaGOPReader()
    var header: MatroskaGOPReader.Header?
    var out: [MatroskaGOPReader.GOP] = []
    func take(_ events: [MatroskaGOPReader.Event]) {
        for event in events {
            switch event {
            case .header(let h): header = h
            case .gop(let g): out.append(g)
            }
        }
    }
    var index = 0
    while index < bytes.count {
        take(try reader.feed(Array(bytes[index..<min(bytes.count, index + chunk)])))
        index += chunk
    }
    take(try reader.finish())
    return (header, out)
}

@Suite struct PutMediaTests {
    /// A GetMedia capture (a document per fragment, KVS tags between them): the repeated headers and tags are
    /// skipped and each GOP starts at its key frame.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: capture("output_get_media.mkv"))))
    func readsGOPsOfAGetMediaCaptureWhateverTheChunking() throws {
        let (header, whole) = try gops(capture("output_get_media.mkv"), chunk: 1 << 20)
        #expect(header?.videoTrack == 1)
        #expect(header?.timecodeScale == 1_000_000)
        #expect(whole.map(\.frames.count) == [60, 60, 60, 60, 60])
        #expect(whole.allSatisfy { $0.frames.first?.isKey == true && $0.frames.dropFirst().allSatisfy { !$0.isKey } })
        let (_, small) = try gops(capture("output_get_media.mkv"), chunk: 997)
        #expect(small.map { $0.frames.map(\.bytes) } == whole.map { $0.frames.map(\.bytes) })
        #expect(small.map(\.startTime) == whole.map(\.startTime))
    }

    /// Video and AAC audio: GOPs are cut at video key frames only, audio frames stay in file order.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: capture("vogels_480.mkv"))))
    func cutsAtVideoKeyFramesOnly() throws {
        let (header, groups) = try gops(capture("vogels_480.mkv"), chunk: 65_536)
        let video = try #require(header?.videoTrack)
        #expect(groups.count == 6)
        for group in groups {
            let videoFrames = group.frames.filter { $0.track == video }
            #expect(videoFrames.first?.isKey == true)
            #expect(videoFrames.dropFirst().allSatisfy { !$0.isKey })
            #expect(group.frames.contains { $0.track != video }, "audio travels with its GOP")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: capture("output_get_media.mkv"))))
    func clustersCarryRebasedTimecodes() throws {
        let (_, groups) = try gops(capture("output_get_media.mkv"), chunk: 1 << 20)
        try #require(groups.count == 5)
        let shift = 10_000 - groups[1].startTime
        let cluster = try GOPClusterWriter.cluster(groups[1], shift: shift)
        // Cluster ID, 8-byte size, then the Timecode element holding 10000.
        #expect(Array(cluster.prefix(4)) == [0x1F, 0x43, 0xB6, 0x75])
        #expect(cluster.count == 12 + 4 + groups[1].frames.reduce(0) { $0 + $1.bytes.count })
        #expect(Array(cluster[12..<16]) == [0xE7, 0x82, 0x27, 0x10])
    }

    /// Truncated and corrupted inputs end in a typed error or fewer GOPs, never a crash.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: capture("vogels_480.mkv"))))
    func corruptInputNeverCrashes() throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture("vogels_480.mkv"))).prefix(400_000))
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        for round in 0..<150 {
            var bytes = Array(original.prefix(1 + next() % original.count))
            if round % 2 == 0 {
                for _ in 0..<(1 + next() % 8) { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
            }
            var reader = MatroskaGOPReader()
            do {
                var index = 0
                while index < bytes.count {
                    _ = try reader.feed(Array(bytes[index..<min(bytes.count, index + 4096)]))
                    index += 4096
                }
                _ = try reader.finish()
            } catch {
                #expect(error.code == .invalidInput, "\(error)")
            }
        }
    }

    @Test func badInputsFailBeforeAnyCall() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-put-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.txt")
        try Data("not matroska at all".utf8).write(to: text)
        // Port 9 (discard) on loopback: nothing answers, and nothing is sent, since the input is checked first.
        func attempt(_ input: KVSProducer.Input, loops: Int = 1) async -> PutMediaError? {
            var options = PutMediaTool.Options(stream: "s", input: input)
            options.endpoint = "http://127.0.0.1:9"
            options.region = "us-east-1"
            options.loops = loops
            options.environment = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"]
            do {
                _ = try await PutMediaTool.run(options) { _, _ in }
                return nil
            } catch {
                return error
            }
        }
        #expect(await attempt(.file(text.path))?.code == .invalidInput)
        #expect(await attempt(.file(directory.appendingPathComponent("missing.mkv").path))?.code == .io)
        #expect(await attempt(.standardInput, loops: 2)?.code == .invalidArgument)
    }
}
