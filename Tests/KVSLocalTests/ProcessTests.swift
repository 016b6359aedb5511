import Foundation
import KITTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The issue's proof, with every piece a separate process: `kithost kvs-local --port 0` as the server,
/// `kithost put-media` as the producer, the AWS CLI and boto3 as clients, and ffmpeg (framemd5) and mkvinfo
/// (mkvtoolnix) reading what came back.
@Suite(
    .enabled(if: Kithost.available && Kithost.haveAWSCLI && TestPaths.havePython && TestPaths.haveMediaTools),
    .timeLimit(.minutes(5)))
struct ProcessTests {
    /// ffmpeg test video, 1 s GOPs (ffmpeg starts a Cluster at every key frame).
    static func makeVideo(at url: URL, seconds: Int, codec: String) async throws {
        guard let ffmpeg = TestPaths.tool("ffmpeg") else { throw TestFailure("ffmpeg is not installed") }
        var arguments = [
            "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t",
            "\(seconds)", "-c:v", codec, "-g", "25", "-keyint_min", "25",
        ]
        if codec == "libx265" {
            arguments += ["-x265-params", "keyint=25:min-keyint=25:scenecut=0:log-level=error"]
        } else {
            arguments += ["-sc_threshold", "0"]
        }
        arguments += ["-f", "matroska", url.path]
        let output = try await Subprocess.run(ffmpeg, arguments, timeout: .seconds(120))
        guard output.status == 0 else { throw TestFailure("ffmpeg failed: \(output.stderrText)") }
    }

    /// The same frames remuxed by mkvmerge into 0.7 s Clusters: most of them do not start with a key frame, so the
    /// producer must re-cluster at key frames.
    static func recluster(_ input: URL, to output: URL) async throws {
        guard let mkvmerge = TestPaths.tool("mkvmerge") else { throw TestFailure("mkvmerge is not installed") }
        let result = try await Subprocess.run(
            mkvmerge, ["-q", "-o", output.path, "--cluster-length", "700ms", input.path], timeout: .seconds(60))
        guard result.status == 0 else { throw TestFailure("mkvmerge failed: \(result.stdoutText)") }
    }

    /// framemd5 of the audio track.
    static func audioMD5(_ url: URL) async throws -> [String] {
        guard let ffmpeg = TestPaths.tool("ffmpeg") else { throw TestFailure("ffmpeg is not installed") }
        let output = try await Subprocess.run(
            ffmpeg,
            ["-nostdin", "-loglevel", "error", "-i", url.path, "-map", "0:a", "-c", "copy", "-f", "framemd5", "-"],
            timeout: .seconds(120))
        guard output.status == 0 else { throw TestFailure("ffmpeg framemd5 failed: \(output.stderrText)") }
        return output.stdoutText.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    static func persisted(_ acks: [[String: Any]]) -> [String] {
        acks.filter { $0["EventType"] as? String == "PERSISTED" }.compactMap { $0["FragmentNumber"] as? String }
    }

    static func sizeAndHash(_ lines: [String]) -> [[String]] {
        lines.map { $0.split(separator: ",").suffix(2).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    @Test func cliAndBotoAgainstTheProcessWithH264AndH265() async throws {
        try await withTemporaryDirectory { directory in
            let plain264 = directory.appendingPathComponent("plain264.mkv")
            let h264 = directory.appendingPathComponent("h264.mkv")
            let h265 = directory.appendingPathComponent("h265.mkv")
            try await Self.makeVideo(at: plain264, seconds: 6, codec: "libx264")
            try await Self.recluster(plain264, to: h264)
            try await Self.makeVideo(at: h265, seconds: 4, codec: "libx265")
            let h264Frames = try await MediaTools.frameMD5(h264)
            let h265Frames = try await MediaTools.frameMD5(h265)
            #expect(h264Frames.count == 150 && h265Frames.count == 100)
            // The input really has Clusters that do not follow its GOPs (so re-clustering is exercised).
            #expect(try await MediaTools.mkvinfo(h264).clusters == 12)

            try await withKVSLocalProcess(
                data: directory.appendingPathComponent("data"), log: directory.appendingPathComponent("server.log")
            ) { server in
                let url = server.url
                // AWS CLI: create the stream and tag it.
                let created = try await Kithost.aws([
                    "kinesisvideo", "create-stream", "--stream-name", "cam-264", "--data-retention-in-hours", "24",
                    "--endpoint-url", url,
                ])
                #expect(created.status == 0, "\(created.stderrText)")
                let tagged = try await Kithost.aws([
                    "kinesisvideo", "tag-stream", "--stream-name", "cam-264", "--tags", "Site=North,Kind=test",
                    "--endpoint-url", url,
                ])
                #expect(tagged.status == 0, "\(tagged.stderrText)")

                // kithost put-media: H.264 with --endpoint-url; H.265 through AWS_ENDPOINT_URL_KINESIS_VIDEO with
                // --create-stream.
                let put264 = try await Kithost.run([
                    "put-media", "--stream", "cam-264", h264.path, "--endpoint-url", url, "--region", "us-east-1",
                ])
                #expect(put264.status == 0, "\(put264.stderrText)")
                let acks264 = Self.jsonLines(put264.stdoutText)
                let numbers = Self.persisted(acks264)
                #expect(numbers.count == 6, "one fragment per GOP: \(put264.stdoutText)")
                #expect(!acks264.contains { $0["EventType"] as? String == "ERROR" })
                #expect(
                    acks264.filter { $0["EventType"] as? String == "PERSISTED" }.compactMap {
                        $0["FragmentTimecode"] as? Int
                    } == [0, 1000, 2000, 3000, 4000, 5000])
                #expect(put264.stderrText.contains("6 persisted"), "\(put264.stderrText)")

                let put265 = try await Kithost.run(
                    ["put-media", "--stream", "cam-265", "--create-stream", h265.path],
                    environment: ["AWS_ENDPOINT_URL_KINESIS_VIDEO": url])
                #expect(put265.status == 0, "\(put265.stderrText)")
                #expect(Self.persisted(Self.jsonLines(put265.stdoutText)).count == 4, "\(put265.stdoutText)")

                // A real file with video and AAC audio (and 2–8 s GOPs): both tracks arrive intact.
                let vogels = TestPaths.captures.appendingPathComponent("vogels_480.mkv")
                var reads: [(String, [String], [String]?)] = [
                    ("cam-264", h264Frames, nil), ("cam-265", h265Frames, nil),
                ]
                if FileManager.default.fileExists(atPath: vogels.path) {
                    let put = try await Kithost.run([
                        "put-media", "--stream", "vogels", "--create-stream", vogels.path, "--endpoint-url", url,
                    ])
                    #expect(put.status == 0, "\(put.stderrText)")
                    #expect(Self.persisted(Self.jsonLines(put.stdoutText)).count == 6, "\(put.stdoutText)")
                    reads.append(
                        ("vogels", try await MediaTools.frameMD5(vogels), try await Self.audioMD5(vogels)))
                }

                // AWS CLI reads: GetMedia from EARLIEST for every stream, at the data endpoint it was given.
                for (name, frames, audio) in reads {
                    let endpoint = try await Kithost.aws([
                        "kinesisvideo", "get-data-endpoint", "--stream-name", name, "--api-name", "GET_MEDIA",
                        "--endpoint-url", url, "--query", "DataEndpoint", "--output", "text",
                    ])
                    #expect(endpoint.status == 0, "\(endpoint.stderrText)")
                    let dataURL = endpoint.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
                    #expect(dataURL == url)
                    let out = directory.appendingPathComponent("\(name)-earliest.mkv")
                    let got = try await Kithost.aws([
                        "kinesis-video-media", "get-media", "--stream-name", name, "--start-selector",
                        "StartSelectorType=EARLIEST", out.path, "--endpoint-url", dataURL,
                    ])
                    #expect(got.status == 0, "\(got.stderrText)")
                    #expect(try await MediaTools.frameMD5(out) == frames, "\(name): every frame intact, in order")
                    if let audio { #expect(try await Self.audioMD5(out) == audio, "\(name): audio intact") }
                }

                // KVS's tags in the GetMedia output, read by mkvinfo.
                let view = try await MediaTools.mkvinfo(directory.appendingPathComponent("cam-264-earliest.mkv"))
                #expect(view.clusters == 6)
                #expect(view.values("AWS_KINESISVIDEO_FRAGMENT_NUMBER") == numbers)
                #expect(view.values("AWS_KINESISVIDEO_CONTINUATION_TOKEN") == numbers)
                #expect(view.values("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP").count == 6)
                #expect(view.values("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW").count == 6)
                for (before, after) in view.aroundClusters {
                    #expect(
                        before == [
                            "AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
                            "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP",
                        ])
                    #expect(after == ["AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "AWS_KINESISVIDEO_CONTINUATION_TOKEN"])
                }

                // AWS CLI: ListFragments, GetMediaForFragmentList, tags.
                let listed = try await Kithost.aws([
                    "kinesis-video-archived-media", "list-fragments", "--stream-name", "cam-264", "--endpoint-url",
                    url,
                ])
                #expect(listed.status == 0, "\(listed.stderrText)")
                let fragments =
                    ((try? JSONSerialization.jsonObject(with: listed.stdout)) as? [String: Any])?["Fragments"]
                    as? [[String: Any]] ?? []
                #expect(Set(fragments.compactMap { $0["FragmentNumber"] as? String }) == Set(numbers))
                #expect(fragments.allSatisfy { $0["FragmentLengthInMilliseconds"] as? Int == 1000 })
                let listFile = directory.appendingPathComponent("list.mkv")
                let archived = try await Kithost.aws([
                    "kinesis-video-archived-media", "get-media-for-fragment-list", "--stream-name", "cam-264",
                    listFile.path, "--fragments", numbers[2], numbers[4], "--endpoint-url", url,
                ])
                #expect(archived.status == 0, "\(archived.stderrText)")
                #expect(
                    Self.sizeAndHash(try await MediaTools.frameMD5(listFile))
                        == Self.sizeAndHash(Array(h264Frames[50..<75] + h264Frames[100..<125])))
                let archivedView = try await MediaTools.mkvinfo(listFile)
                #expect(archivedView.values("AWS_KINESISVIDEO_FRAGMENT_NUMBER") == [numbers[2], numbers[4]])
                #expect(archivedView.values("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP").count == 2)
                let tags = try await Kithost.aws([
                    "kinesisvideo", "list-tags-for-stream", "--stream-name", "cam-264", "--endpoint-url", url,
                ])
                #expect(
                    ((try? JSONSerialization.jsonObject(with: tags.stdout)) as? [String: Any])?["Tags"]
                        as? [String: String] == ["Site": "North", "Kind": "test"])

                // boto3: the other selectors.
                func getMedia(_ selector: [String: Any], _ file: String) -> [String: Any] {
                    [
                        "client": "kinesis-video-media", "op": "get_media",
                        "save": directory.appendingPathComponent(file).path,
                        "args": ["StreamName": "cam-264", "StartSelector": selector],
                    ]
                }
                let botoReads = try await KVSTool.steps(
                    endpoint: url,
                    [
                        getMedia(["StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": numbers[3]], "f.mkv"),
                        getMedia(
                            ["StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": numbers[0]], "c.mkv"),
                        getMedia(["StartSelectorType": "NOW"], "now.mkv"),
                    ], directory: directory)
                for read in botoReads { #expect(read.ok, "\(read)") }
                #expect(
                    Self.sizeAndHash(try await MediaTools.frameMD5(directory.appendingPathComponent("f.mkv")))
                        == Self.sizeAndHash(Array(h264Frames[100...])))
                #expect(
                    Self.sizeAndHash(try await MediaTools.frameMD5(directory.appendingPathComponent("c.mkv")))
                        == Self.sizeAndHash(Array(h264Frames[25...])))
                #expect(botoReads[2].result("PayloadBytes") as? Int == 0)
            }
        }
    }

    @Test func loopingProducerAndRestartedServer() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await Self.makeVideo(at: input, seconds: 2, codec: "libx264")
            let inputFrames = try await MediaTools.frameMD5(input)
            let data = directory.appendingPathComponent("data")
            let log = directory.appendingPathComponent("server.log")

            // First life: three loops of the file as one session; the process is then killed (no shutdown).
            let numbers: [String] = try await withKVSLocalProcess(data: data, log: log) { server in
                let put = try await Kithost.run([
                    "put-media", "--stream", "loop", "--create-stream", "--loop", "3", input.path, "--endpoint-url",
                    server.url,
                ])
                #expect(put.status == 0, "\(put.stderrText)")
                let acks = Self.jsonLines(put.stdoutText)
                #expect(
                    acks.filter { $0["EventType"] as? String == "PERSISTED" }.compactMap {
                        $0["FragmentTimecode"] as? Int
                    } == [0, 1000, 2000, 3000, 4000, 5000], "timecodes continue across loops")
                return Self.persisted(acks)
            }
            #expect(numbers.count == 6)

            // Second life on the same directory: everything is still served, and new fragments follow.
            try await withKVSLocalProcess(data: data, log: log) { server in
                let listed = try await Kithost.aws([
                    "kinesis-video-archived-media", "list-fragments", "--stream-name", "loop", "--endpoint-url",
                    server.url,
                ])
                let fragments =
                    ((try? JSONSerialization.jsonObject(with: listed.stdout)) as? [String: Any])?["Fragments"]
                    as? [[String: Any]] ?? []
                #expect(
                    fragments.compactMap { $0["FragmentNumber"] as? String }.sorted() == numbers.sorted(),
                    "\(listed.stdoutText) \(listed.stderrText)")
                let out = directory.appendingPathComponent("earliest.mkv")
                let got = try await Kithost.aws([
                    "kinesis-video-media", "get-media", "--stream-name", "loop", "--start-selector",
                    "StartSelectorType=EARLIEST", out.path, "--endpoint-url", server.url,
                ])
                #expect(got.status == 0, "\(got.stderrText)")
                let frames = Self.sizeAndHash(try await MediaTools.frameMD5(out))
                let once = Self.sizeAndHash(inputFrames)
                #expect(frames == once + once + once, "three loops, every frame intact")

                let again = try await Kithost.run([
                    "put-media", "--stream", "loop", input.path, "--endpoint-url", server.url,
                ])
                #expect(again.status == 0, "\(again.stderrText)")
                let newNumbers = Self.persisted(Self.jsonLines(again.stdoutText))
                #expect(newNumbers.count == 2)
                #expect(newNumbers.allSatisfy { number in numbers.allSatisfy { $0 < number } })
            }

            // A graceful stop: SIGTERM ends the process cleanly.
            let server = try await KVSLocalProcess.start(data: data, log: log)
            let status = try await server.stop(SIGTERM)
            #expect(status == 0, "exit status after SIGTERM; stderr: \(server.stderrText.suffix(1000))")
        }
    }

    @Test func fiftyStreamsWithAProducerAndAConsumerEach() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            let inputFrames = try await MediaTools.frameMD5(input)
            let out = directory.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let streams = (0..<50).map { "swarm-\($0)" }
            try await withKVSLocalProcess(
                data: directory.appendingPathComponent("data"), log: directory.appendingPathComponent("server.log"),
                // Producers may stall under load: consumers stop by themselves once they have the 3 fragments.
                idleTimeout: 60
            ) { server in
                let started = ContinuousClock.now
                let json = try await KVSTool.run(
                    "swarm",
                    spec: [
                        "endpoint": server.url, "streams": streams, "file": input.path, "out": out.path,
                        "start": 1_700_000_000.0, "chunk": 16_384, "pace": 0.005, "timeout": 150,
                        "expect_fragments": 3,
                    ], directory: directory, timeout: .seconds(240))
                let elapsed = ContinuousClock.now - started
                let results = try #require(json as? [String: [String: Any]])
                #expect(results.count == streams.count)
                for name in streams {
                    let result = results[name] ?? [:]
                    #expect(result["persisted"] as? Int == 3, "\(name): \(result)")
                    #expect(result["consumer"] as? String == "ok", "\(name): \(result)")
                }
                for name in streams {
                    let frames = try await MediaTools.frameMD5(out.appendingPathComponent(name + ".mkv"))
                    #expect(frames == inputFrames, "\(name): the consumer got every frame in order")
                }
                #expect(elapsed < .seconds(200), "bounded: \(elapsed)")
            }
        }
    }

    @Test func clearFailures() async throws {
        try await withTemporaryDirectory { directory in
            // Bad port, bad data directory.
            let badPort = try await Kithost.run(["kvs-local", "--port", "70000", "--data", directory.path])
            #expect(badPort.status != 0)
            #expect(badPort.stderrText.contains("--port"), "\(badPort.stderrText)")
            let file = directory.appendingPathComponent("not-a-directory")
            try Data("x".utf8).write(to: file)
            let badData = try await Kithost.run(["kvs-local", "--port", "0", "--data", file.path])
            #expect(badData.status != 0)
            #expect(badData.stderrText.contains(file.path), "\(badData.stderrText)")

            // A port already taken.
            try await withKVSLocalProcess(
                data: directory.appendingPathComponent("data"), log: directory.appendingPathComponent("server.log")
            ) { server in
                let port = try #require(server.url.split(separator: ":").last.map(String.init))
                let taken = try await Kithost.run([
                    "kvs-local", "--port", port, "--data", directory.appendingPathComponent("data2").path,
                ])
                #expect(taken.status != 0)
                #expect(taken.stderrText.contains("kvs-local"), "\(taken.stderrText)")

                // put-media: a stream that does not exist, an input that is not Matroska.
                let input = directory.appendingPathComponent("in.mkv")
                try await MediaTools.makeTestVideo(at: input, seconds: 1)
                let missing = try await Kithost.run([
                    "put-media", "--stream", "nope", input.path, "--endpoint-url", server.url,
                ])
                #expect(missing.status != 0)
                #expect(missing.stderrText.contains("ResourceNotFoundException"), "\(missing.stderrText)")
                let garbage = try await Kithost.run([
                    "put-media", "--stream", "nope", file.path, "--endpoint-url", server.url,
                ])
                #expect(garbage.status != 0)
                #expect(garbage.stderrText.contains("put-media"), "\(garbage.stderrText)")
            }
        }
    }
}
