import Foundation
import KITTestSupport
import Testing

/// `kithost run` with both bundled plugins loaded from a plugin directory, on loopback: the project's KVS, moto for S3
/// and Kinesis, the echo model server. S3Archive's objects must equal what GetMediaForFragmentList returns for each
/// fragment, byte for byte, and each detections `.txt` must match its record; CocoLabeler writes labelled frames.
@Suite(.serialized) struct PluginsEndToEndTests {
    static let plugins = ["libS3Archive.so", "libCocoLabeler.so"].map {
        TestPaths.productsDirectory.appendingPathComponent($0)
    }
    static let ready =
        FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)
        && plugins.allSatisfy { FileManager.default.fileExists(atPath: $0.path) } && TestPaths.tool("ffmpeg") != nil

    @Test(.enabled(if: ready), .timeLimit(.minutes(4)))
    func bothPluginsArchiveAndLabelWhatTheHostPublished() async throws {
        try await withTemporaryDirectory("kit-plugins-e2e") { dir in
            let clip = dir.appendingPathComponent("clip.mkv")
            try await EndToEnd.makeClip(clip, seconds: 3, gop: 25)
            let keyFrames = try await EndToEnd.keyFrameMillis(clip).count
            let pluginDir = dir.appendingPathComponent("plugins")
            try FileManager.default.createDirectory(at: pluginDir, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: pluginDir.path)
            for plugin in Self.plugins {
                let target = pluginDir.appendingPathComponent(plugin.lastPathComponent)
                try FileManager.default.copyItem(at: plugin, to: target)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
            }
            let live = dir.appendingPathComponent("live")
            let moto = try await MotoServer.shared.endpoint()
            // Every second call fails (and is retried), so the error metrics have something to count.
            let model = EchoModelServer(.init(failEvery: 2, failStatus: 503))
            try await model.serve { modelURL in
                try await EndToEnd.withKVS(directory: dir) { _, kvsURL in
                    let world = EndToEnd(kvs: kvsURL, moto: moto, model: modelURL, directory: dir)
                    let suffix = UUID().uuidString.prefix(8).lowercased()
                    let bucket = "kit-archive-\(suffix)"
                    let dataStream = "kit-plugins-\(suffix)"
                    let stream = "plug-\(suffix)"
                    try await world.createKinesisStream(dataStream)
                    _ = try await world.python(
                        #"""
                        import boto3, sys
                        boto3.client("s3").create_bucket(Bucket=sys.argv[1])
                        print("{}")
                        """#, [bucket])
                    let put = try await world.putMedia(stream: stream, file: clip)
                    try #require(put.status == 0, "\(put.stderrText)")
                    let config: [String: Any] = [
                        "streamNames": [stream], "inferenceUrl": modelURL, "kdsStreamName": dataStream,
                        "leaseStore": "sqlite:" + dir.appendingPathComponent("leases.sqlite").path,
                        "startSelector": "EARLIEST", "inferenceInterval": 1, "metricsPort": 0,
                        "metricsHost": "127.0.0.1", "workerId": "plugins-e2e", "region": "us-east-1",
                        "pluginDir": pluginDir.path, "pluginBatchWindowMillis": 200,
                        "deadLetter": "file:" + dir.appendingPathComponent("dead").path,
                        "cloudWatchNamespace": "KITPluginsE2E\(suffix)", "cloudWatchIntervalMillis": 1000,
                        "plugins": [
                            "S3Archive": ["destination": "s3://\(bucket)/archive/", "addressingStyle": "path"],
                            "CocoLabeler": ["threshold": 0.5, "liveViewDirectory": live.path],
                        ],
                    ]
                    let (worker, url) = try await world.startWorker(config: config, name: "plugins")
                    defer { worker.kill() }
                    // Every key frame's record is archived as a .txt, and every fragment as a .webm.
                    var keys: [String] = []
                    try await waitUntil(timeout: .seconds(90), interval: .seconds(1), "S3Archive wrote every record") {
                        keys =
                            try await world.python(
                                #"""
                                import boto3, json, sys
                                s3 = boto3.client("s3")
                                keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[1])
                                        for o in p.get("Contents", [])]
                                print(json.dumps(keys))
                                """#, [bucket]) as? [String] ?? []
                        return keys.filter { $0.hasSuffix(".txt") }.count >= keyFrames
                    }
                    let webms = keys.filter { $0.hasSuffix(".webm") }
                    #expect(webms.count == keyFrames, "one fragment per GOP: \(keys)")
                    #expect(keys.allSatisfy { $0.hasPrefix("archive/\(stream)/") })
                    // Byte for byte: each .webm equals GetMediaForFragmentList of its fragment.
                    let compared =
                        try await world.python(
                            #"""
                            import boto3, json, sys
                            bucket, stream, keys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
                            s3 = boto3.client("s3")
                            kv = boto3.client("kinesisvideo")
                            ep = kv.get_data_endpoint(StreamName=stream, APIName="GET_MEDIA_FOR_FRAGMENT_LIST")["DataEndpoint"]
                            am = boto3.client("kinesis-video-archived-media", endpoint_url=ep)
                            out = {}
                            for key in keys:
                                fragment = key.rsplit("/", 1)[1][:-len(".webm")]
                                archived = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                                fresh = am.get_media_for_fragment_list(StreamName=stream, Fragments=[fragment])["Payload"].read()
                                out[fragment] = archived == fresh and len(fresh) > 0
                            print(json.dumps(out))
                            """#,
                            [
                                bucket, stream,
                                String(decoding: try JSONSerialization.data(withJSONObject: webms), as: UTF8.self),
                            ])
                        as? [String: Bool] ?? [:]
                    #expect(compared.count == keyFrames && compared.values.allSatisfy { $0 }, "\(compared)")
                    // Each .txt carries the record's strings and its decoded output.
                    let records = try await world.kinesisRecords(dataStream)
                    let texts =
                        try await world.python(
                            #"""
                            import boto3, json, sys
                            s3 = boto3.client("s3")
                            print(json.dumps([json.loads(s3.get_object(Bucket=sys.argv[1], Key=k)["Body"].read())
                                              for k in json.loads(sys.argv[2])]))
                            """#,
                            [
                                bucket,
                                String(
                                    decoding: try JSONSerialization.data(
                                        withJSONObject: keys.filter { $0.hasSuffix(".txt") }), as: UTF8.self),
                            ])
                        as? [[String: Any]] ?? []
                    #expect(texts.count == keyFrames)
                    for text in texts {
                        let match = records.first {
                            $0["fragmentMetaData"] as? String == text["fragmentMetaData"] as? String
                                && $0["frameMetaData"] as? String == text["frameMetaData"] as? String
                        }
                        #expect(match != nil, "no record for \(text)")
                        #expect(text["StreamName"] as? String == stream)
                        let output = text["sageMakerOutput"] as? [String: Any]
                        #expect(output?["sha256"] as? String == match?["imageSha256"] as? String)
                    }
                    // CocoLabeler drew the echo server's person box on the frames.
                    let latest = live.appendingPathComponent(stream).appendingPathComponent("latest.jpg")
                    let jpeg = (try? Data(contentsOf: latest)) ?? Data()
                    #expect(jpeg.starts(with: [0xFF, 0xD8, 0xFF]), "no labelled frame at \(latest.path)")
                    // Plugin metrics are on the worker's Prometheus endpoint.
                    let metrics = try String(contentsOf: try #require(URL(string: url + "/metrics")), encoding: .utf8)
                    #expect(metrics.contains("kit_plugin_invocations"), "\(metrics.prefix(3000))")
                    // The container health check's endpoint.
                    let health = try String(contentsOf: try #require(URL(string: url + "/healthz")), encoding: .utf8)
                    #expect(health == "ok\n")
                    let (status, byItself) = await worker.signal(SIGTERM, grace: .seconds(30))
                    #expect(byItself && status == 0, "\(worker.stderrText.suffix(3000))")
                    // Every metric name the CloudFormation dashboard shows was emitted to CloudWatch (moto) during
                    // the run (the last flush happens on shutdown).
                    let template = try await Subprocess.run(
                        TestPaths.python,
                        [TestPaths.packageRoot.appendingPathComponent("scripts/template-metrics.py").path])
                    try #require(template.status == 0, "\(template.stderrText)")
                    let wanted = Set(template.stdoutText.split(separator: "\n").map(String.init))
                    #expect(wanted.count >= 20)
                    let emitted = Set(
                        try await world.python(
                            #"""
                            import boto3, json, sys
                            cw = boto3.client("cloudwatch")
                            names, token = set(), None
                            while True:
                                kw = {"Namespace": sys.argv[1]}
                                if token: kw["NextToken"] = token
                                page = cw.list_metrics(**kw)
                                names |= {m["MetricName"] for m in page["Metrics"]}
                                token = page.get("NextToken")
                                if not token: break
                            print(json.dumps(sorted(names)))
                            """#, ["KITPluginsE2E\(suffix)"]) as? [String] ?? [])
                    #expect(
                        wanted.subtracting(emitted).isEmpty, "never emitted: \(wanted.subtracting(emitted).sorted())")
                }
            }
        }
    }
}
