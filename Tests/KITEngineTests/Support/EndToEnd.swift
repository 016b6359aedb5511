import Foundation
import KITTestSupport
import KVSLocal
import Logging

/// The loopback world of the end-to-end tests: the project's own KVS (in-process, port 0), moto (DynamoDB, Kinesis,
/// CloudWatch), the echo model server, `kithost put-media` producers and `kithost run` workers as processes.
struct EndToEnd {
    let kvs: String
    let moto: String
    let model: String
    let directory: URL
    var region = "us-east-1"

    var environment: [String: String] { MotoServer.clientEnvironment(moto: moto, kvs: kvs, region: region) }

    /// Runs the in-process KVS for the duration of `body`.
    static func withKVS<T: Sendable>(
        directory: URL, configure: (inout KVSLocalServer.Configuration) -> Void = { _ in },
        _ body: @Sendable (KVSLocalServer, String) async throws -> T
    ) async throws -> T {
        var configuration = KVSLocalServer.Configuration(dataDirectory: directory.appendingPathComponent("kvs").path)
        configuration.syncWrites = false
        configuration.limits.getMediaCallsPerSecond = nil
        configure(&configuration)
        var logger = Logger(label: "kvs-local")
        logger.logLevel = .critical
        let server = KVSLocalServer(configuration: configuration, logger: logger)
        return try await withService(server) {
            let url = try await server.listeningURL()
            return try await body(server, url)
        }
    }

    /// `python -c script args…` with boto3 pointed at this world; returns the JSON it printed.
    func python(_ script: String, _ arguments: [String] = []) async throws -> Any {
        let output = try await Subprocess.run(
            TestPaths.python, ["-c", script] + arguments, environment: environment, timeout: .seconds(180))
        guard output.status == 0 else { throw TestFailure("python failed: \(output.stderrText.suffix(3000))") }
        return try JSONSerialization.jsonObject(with: output.stdout)
    }

    func createKinesisStream(_ name: String) async throws {
        _ = try await python(
            #"""
            import boto3, json, sys, time
            k = boto3.client("kinesis")
            k.create_stream(StreamName=sys.argv[1], ShardCount=1)
            k.get_waiter("stream_exists").wait(StreamName=sys.argv[1])
            print("{}")
            """#, [name])
    }

    /// Every record of the data stream, from the beginning, parsed as the blog's Lambda parses them.
    func kinesisRecords(_ name: String) async throws -> [[String: Any]] {
        let value = try await python(
            #"""
            import boto3, json, sys, base64
            k = boto3.client("kinesis")
            out = []
            for shard in k.list_shards(StreamName=sys.argv[1])["Shards"]:
                it = k.get_shard_iterator(StreamName=sys.argv[1], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                while it:
                    page = k.get_records(ShardIterator=it, Limit=1000)
                    for r in page["Records"]:
                        rec = json.loads(r["Data"])
                        fragment = rec["fragmentMetaData"]
                        rec["_fragmentId"] = fragment[17:-1].split(",")[0].split("=")[1]
                        rec["_serverMillis"] = int(fragment[17:-1].split(",")[1].split("=")[1])
                        rec["_output"] = json.loads(base64.b64decode(rec["sageMakerOutput"]) or b"null")
                        rec["_partitionKey"] = r["PartitionKey"]
                        out.append(rec)
                    if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                        break
                    it = page.get("NextShardIterator")
            print(json.dumps(out))
            """#, [name])
        return value as? [[String: Any]] ?? []
    }

    /// The lease table (DynamoDB scan): leaseKey → (owner, checkpoint fragment number).
    func leases(_ table: String) async throws -> [String: (owner: String?, checkpoint: String?)] {
        let value = try await python(
            #"""
            import boto3, json, sys
            d = boto3.client("dynamodb")
            items = d.scan(TableName=sys.argv[1], ConsistentRead=True)["Items"]
            def s(item, *names):
                for n in names:
                    if n in item and "S" in item[n]:
                        return item[n]["S"]
                return None
            print(json.dumps({i["leaseKey"]["S"]: [s(i, "leaseOwner", "owner"),
                s(i, "checkpointFragmentNumber", "checkpoint")] for i in items}))
            """#, [table])
        var result: [String: (owner: String?, checkpoint: String?)] = [:]
        for (key, pair) in value as? [String: [Any]] ?? [:] {
            result[key] = (pair.first as? String, pair.last as? String)
        }
        return result
    }

    /// Fragment numbers of a KVS stream in order (ListFragments on the local KVS).
    func fragmentNumbers(_ stream: String) async throws -> [String] {
        let value = try await python(
            #"""
            import boto3, json, sys
            kv = boto3.client("kinesisvideo")
            ep = kv.get_data_endpoint(StreamName=sys.argv[1], APIName="LIST_FRAGMENTS")["DataEndpoint"]
            am = boto3.client("kinesis-video-archived-media", endpoint_url=ep)
            out, token = [], None
            while True:
                kw = {"StreamName": sys.argv[1], "MaxResults": 1000}
                if token: kw["NextToken"] = token
                page = am.list_fragments(**kw)
                out += page["Fragments"]
                token = page.get("NextToken")
                if not token: break
            out.sort(key=lambda f: int(f["FragmentNumber"]))
            print(json.dumps([f["FragmentNumber"] for f in out]))
            """#, [stream])
        return value as? [String] ?? []
    }

    /// `kithost run --config FILE` as a process; returns it once it printed its status URL.
    func startWorker(config: [String: Any], name: String) async throws -> (ChildProcess, String) {
        let file = directory.appendingPathComponent("\(name).json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        var env = environment
        env["KIT_LOG_LEVEL"] = "info"
        let child = try ChildProcess(
            TestPaths.kithost, ["run", "--config", file.path], environment: env, label: "kithost-\(name)")
        let line = try await child.firstLine(timeout: .seconds(180))
        guard let url = line.split(separator: " ").last.map(String.init), url.hasPrefix("http://") else {
            throw TestFailure("unexpected first line from \(name): \(line)")
        }
        return (child, url)
    }

    /// `kithost put-media --stream S FILE …` to completion.
    func putMedia(stream: String, file: URL, extra: [String] = []) async throws -> Subprocess.Output {
        try await Subprocess.run(
            TestPaths.kithost,
            ["put-media", "--stream", stream, file.path, "--endpoint-url", kvs, "--create-stream"] + extra,
            environment: environment, timeout: .seconds(300))
    }

    /// Orders KVS fragment numbers (long decimal strings): negative, zero or positive.
    static func fragmentOrder(_ a: String, _ b: String) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    /// Key-frame times (ms) of the first video stream, from ffprobe — independent of this project.
    static func keyFrameMillis(_ file: URL) async throws -> [Int64] {
        guard let ffprobe = TestPaths.tool("ffprobe") else { throw TestFailure("ffprobe is not installed") }
        let output = try await Subprocess.run(
            ffprobe,
            [
                "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time",
                "-of", "csv=p=0", file.path,
            ])
        guard output.status == 0 else { throw TestFailure("ffprobe failed: \(output.stderrText)") }
        // A line may carry extra empty fields ("0.000000," when the frame has side data).
        return output.stdoutText.split(separator: "\n").compactMap {
            $0.split(separator: ",").first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }.map { Int64(($0 * 1000).rounded()) }
    }

    /// An ffmpeg test clip: one Cluster per GOP of `gop` frames at 25 fps.
    static func makeClip(
        _ url: URL, codec: String = "libx264", seconds: Int = 4, gop: Int = 25, size: String = "320x240"
    )
        async throws
    {
        guard let ffmpeg = TestPaths.tool("ffmpeg") else { throw TestFailure("ffmpeg is not installed") }
        var arguments = [
            "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25", "-t",
            "\(seconds)", "-c:v", codec, "-g", "\(gop)", "-keyint_min", "\(gop)", "-pix_fmt", "yuv420p",
        ]
        arguments += codec == "libx264" ? ["-sc_threshold", "0"] : ["-x265-params", "scenecut=0:log-level=error"]
        arguments += ["-f", "matroska", url.path]
        let output = try await Subprocess.run(ffmpeg, arguments, timeout: .seconds(180))
        guard output.status == 0 else { throw TestFailure("ffmpeg failed: \(output.stderrText)") }
    }
}
