import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITTestSupport
import KVSLocal
import KVSMatroska
import Synchronization
import Testing

/// The project's own stack against the server: AWSClients' PutMedia as the producer (what `kithost put-media` builds
/// on), its GetMedia and GetMediaForFragmentList fed to `MatroskaStreamParser` (what the host consumes with); and the
/// AWS CLI, which must work unchanged.
@Suite(.enabled(if: TestPaths.haveMediaTools), .timeLimit(.minutes(3)))
struct ProjectClientTests {
    static let start = 1_700_000_100.0

    @Test func awsClientsPutMediaAndGetMediaThroughTheParser() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 4)
            let bytes = [UInt8](try Data(contentsOf: input))
            try await withKVSServer(dataDirectory: directory.appendingPathComponent("data")) { _, url in
                let transport = try HTTPClient()
                do {
                    try await Self.roundTrip(url: url, transport: transport, bytes: bytes)
                } catch {
                    await transport.shutdown()
                    throw error
                }
                await transport.shutdown()
            }
        }
    }

    static func roundTrip(url: String, transport: HTTPClient, bytes: [UInt8]) async throws {
        let credentials = StaticCredentialProvider(Credentials(accessKeyId: "AKIDSWIFT", secretAccessKey: "secret"))
        let kv = try KinesisVideoClient(
            region: "us-east-1", endpoint: url, credentialProvider: credentials, transport: transport, environment: [:])
        _ = try await kv.createStream(.init(streamName: "swift", dataRetentionInHours: 1))

        let producer = try await kv.mediaClient(for: .name("swift"), api: .putMedia)
        let chunks = stride(from: 0, to: bytes.count, by: 32_768).map {
            Array(bytes[$0..<min(bytes.count, $0 + 32_768)])
        }
        let body = AsyncStream<[UInt8]> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        var acks: [AWSClients.PutMediaAck] = []
        try await producer.putMedia(
            PutMediaInput(
                stream: .name("swift"), fragmentTimecodeType: .relative,
                producerStartTimestamp: Date(timeIntervalSince1970: start)),
            fragments: body
        ) { ack in acks.append(ack) }
        let persisted = acks.filter { $0.eventType == .persisted }
        #expect(persisted.count == 4, "\(acks)")
        #expect(acks.allSatisfy { $0.eventType != .error })
        let numbers = persisted.compactMap(\.fragmentNumber)

        // GetMedia from EARLIEST, parsed as the host parses it.
        let consumer = try await kv.mediaClient(for: .name("swift"), api: .getMedia)
        let session = try await consumer.getMedia(GetMediaInput(stream: .name("swift"), startSelector: .earliest))
        #expect(session.contentType == "video/webm")
        var parser = MatroskaStreamParser()
        var fragments: [MatroskaFragment] = []
        var errors: [MatroskaParseError] = []
        let collect: (MatroskaStreamParser.Event) -> Void = { event in
            switch event {
            case .fragment(let fragment): fragments.append(fragment)
            case .error(let error): errors.append(error)
            }
        }
        for try await chunk in session.payload { parser.feed(chunk, collect) }
        parser.finish(collect)
        #expect(errors.isEmpty, "\(errors)")
        #expect(fragments.count == 4)
        #expect(fragments.map { $0.metadata?.fragmentNumber } == numbers)
        #expect(fragments.allSatisfy { $0.metadata?.isComplete == true && $0.metadata?.success == true })
        #expect(
            fragments.map { $0.metadata?.producerTimestampMillis }
                == (0..<4).map { Int64(start * 1000) + Int64($0) * 1000 })
        #expect(fragments.map { $0.metadata?.continuationToken } == numbers)
        #expect(fragments.allSatisfy { $0.frames.count == 25 && $0.videoTrack?.codecID == "V_MPEG4/ISO/AVC" })
        let description = try #require(fragments.first?.metadata?.description)
        #expect(
            description.hasPrefix("FragmentMetadata(fragmentNumberString=\(numbers[0]), serverSideTimestampMillis="))

        // Resuming after the second fragment with its continuation token.
        let resumed = try await consumer.getMedia(
            GetMediaInput(stream: .name("swift"), startSelector: .continuationToken(numbers[1])))
        var resumedParser = MatroskaStreamParser()
        var resumedNumbers: [String?] = []
        for try await chunk in resumed.payload {
            resumedParser.feed(chunk) {
                if case .fragment(let f) = $0 { resumedNumbers.append(f.metadata?.fragmentNumber) }
            }
        }
        #expect(resumedNumbers == Array(numbers[2...]))

        // GetMediaForFragmentList, parsed: the archived tags, no trailing tags.
        let archive = try await kv.archivedMediaClient(for: .name("swift"), api: .getMediaForFragmentList)
        let list = try await archive.getMediaForFragmentList(.name("swift"), fragments: [numbers[3], numbers[0]])
        var listParser = MatroskaStreamParser()
        var listed: [MatroskaFragment] = []
        for try await chunk in list.payload {
            listParser.feed(chunk) { if case .fragment(let f) = $0 { listed.append(f) } }
        }
        listParser.finish { if case .fragment(let f) = $0 { listed.append(f) } }
        #expect(listed.map { $0.metadata?.fragmentNumber } == [numbers[3], numbers[0]], "in the order asked for")
        #expect(listed.allSatisfy { $0.frames.count == 25 && $0.metadata?.millisBehindNow == nil })
        #expect(listed.first?.metadata?.producerTimestampMillis == Int64(start * 1000) + 3000)
    }

    @Test(
        .enabled(if: TestPaths.tool("aws") != nil || FileManager.default.fileExists(atPath: "/root/.pyenv/shims/aws")))
    func awsCLIWorksUnchanged() async throws {
        let aws = TestPaths.tool("aws") ?? URL(fileURLWithPath: "/root/.pyenv/shims/aws")
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 2)
            try await withKVSServer(dataDirectory: directory.appendingPathComponent("data")) { _, url in
                let environment = [
                    "AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": "secret",
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_ENDPOINT_URL_KINESIS_VIDEO": url, "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "",
                ]
                func cli(_ arguments: [String]) async throws -> Subprocess.Output {
                    try await Subprocess.run(
                        aws, arguments + ["--output", "json"], environment: Subprocess.environment(adding: environment),
                        timeout: .seconds(60))
                }
                let created = try await cli([
                    "kinesisvideo", "create-stream", "--stream-name", "cli", "--data-retention-in-hours", "1",
                ])
                #expect(created.status == 0, "\(created.stderrText)")
                #expect(created.stdoutText.contains("arn:aws:kinesisvideo:us-east-1:123456789012:stream/cli/"))
                let endpoint = try await cli([
                    "kinesisvideo", "get-data-endpoint", "--stream-name", "cli", "--api-name", "GET_MEDIA",
                ])
                #expect(endpoint.stdoutText.contains(url), "\(endpoint.stdoutText) \(endpoint.stderrText)")
                _ = try await KVSTool.put(endpoint: url, stream: "cli", file: input, directory: directory)
                let out = directory.appendingPathComponent("cli.mkv")
                let media = try await cli([
                    "kinesis-video-media", "get-media", "--endpoint-url", url, "--stream-name", "cli",
                    "--start-selector", "StartSelectorType=EARLIEST", out.path,
                ])
                #expect(media.status == 0, "\(media.stderrText)")
                #expect(media.stdoutText.contains("video/webm"))
                #expect(try await MediaTools.frameMD5(out) == (try await MediaTools.frameMD5(input)))
                let fragments = try await cli([
                    "kinesis-video-archived-media", "list-fragments", "--endpoint-url", url, "--stream-name", "cli",
                ])
                #expect(
                    fragments.stdoutText.components(separatedBy: "FragmentNumber").count == 3, "\(fragments.stdoutText)"
                )
                let missing = try await cli(["kinesisvideo", "describe-stream", "--stream-name", "nope"])
                #expect(missing.status != 0)
                #expect(missing.stderrText.contains("ResourceNotFoundException"))
            }
        }
    }
}
