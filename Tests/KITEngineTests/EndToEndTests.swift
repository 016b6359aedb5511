import Foundation
import KITTestSupport
import KVSLocal
import Testing

/// The whole system on loopback, as processes: several `kithost run` workers sharing a DynamoDB lease table (moto),
/// publishing to a Kinesis data stream (moto), inferring on the echo model server, reading the project's own KVS fed
/// by `kithost put-media`. One worker is killed with SIGKILL mid-stream.
@Suite(.serialized) struct EndToEndTests {
    static let ready =
        FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)
        && TestPaths.tool("ffmpeg") != nil && TestPaths.tool("ffprobe") != nil

    @Test(.enabled(if: ready), .timeLimit(.minutes(5)))
    func workersShareStreamsSurviveAKillAndLoseNothing() async throws {
        try await withTemporaryDirectory("kit-e2e") { dir in
            // Inputs: H.264, H.265 and the real vogels clip with its audio track.
            let h264 = dir.appendingPathComponent("h264.mkv")
            let h265 = dir.appendingPathComponent("h265.mkv")
            try await EndToEnd.makeClip(h264, seconds: 6, gop: 25)
            try await EndToEnd.makeClip(h265, codec: "libx265", seconds: 6, gop: 25)
            let vogels = TestPaths.shared.appendingPathComponent("testdata/kvs-getmedia/vogels_480.mkv")
            var chosen: [(stream: String, file: URL)] = [
                ("e2e-h264-a", h264), ("e2e-h265", h265), ("e2e-h264-b", h264),
            ]
            if FileManager.default.fileExists(atPath: vogels.path) { chosen.append(("e2e-vogels", vogels)) }
            var keyTimes: [String: [Int64]] = [:]
            for (stream, file) in chosen {
                let keys = try await EndToEnd.keyFrameMillis(file)
                let first = keys.first ?? 0
                keyTimes[stream] = keys.map { $0 - first }
                #expect(!keys.isEmpty, "no key frames in \(file.lastPathComponent)")
            }
            let inputs = chosen
            let expected = keyTimes
            let moto = try await MotoServer.shared.endpoint()
            let model = EchoModelServer()
            try await model.serve { modelURL in
                try await EndToEnd.withKVS(directory: dir) { _, kvsURL in
                    let world = EndToEnd(kvs: kvsURL, moto: moto, model: modelURL, directory: dir)
                    let suffix = UUID().uuidString.prefix(8).lowercased()
                    let dataStream = "kit-e2e-\(suffix)"
                    let table = "kit-e2e-leases-\(suffix)"
                    try await world.createKinesisStream(dataStream)
                    // Streams exist before the workers start, so the first leases spread at once.
                    for (stream, _) in inputs {
                        let created = try await world.python(
                            #"""
                            import boto3, json, sys
                            boto3.client("kinesisvideo").create_stream(StreamName=sys.argv[1], DataRetentionInHours=1)
                            print("{}")
                            """#, [stream])
                        _ = created
                    }
                    func config(_ worker: String) -> [String: Any] {
                        [
                            "streamNames": inputs.map(\.stream), "inferenceUrl": modelURL, "kdsStreamName": dataStream,
                            "leaseStore": "dynamodb:\(table)", "startSelector": "EARLIEST", "inferenceInterval": 1,
                            "skipWhenBehind": false, "leaseFailoverMillis": 3000, "metricsPort": 0,
                            "metricsHost": "127.0.0.1", "workerId": worker, "region": "us-east-1",
                            "cloudWatchNamespace": "KITE2E\(suffix)", "cloudWatchIntervalMillis": 2000,
                            "discoveryIntervalMillis": 2000,
                        ]
                    }
                    var workers: [String: (ChildProcess, String)] = [:]
                    defer { for (child, _) in workers.values { child.kill() } }
                    for name in ["w1", "w2", "w3"] {
                        workers[name] = try await world.startWorker(config: config(name), name: name)
                    }
                    // Feed every stream in real time, concurrently; kill w1 while they play.
                    let producers = Task {
                        try await withThrowingTaskGroup(of: (String, Int32, String).self) { group in
                            for (stream, file) in inputs {
                                group.addTask {
                                    let out = try await world.putMedia(
                                        stream: stream, file: file, extra: ["--realtime"])
                                    return (stream, out.status, out.stderrText)
                                }
                            }
                            var results: [(String, Int32, String)] = []
                            for try await result in group { results.append(result) }
                            return results
                        }
                    }
                    try await Task.sleep(for: .seconds(3))
                    workers["w1"]?.0.kill()
                    // At the kill, no checkpoint is ahead of what reached the data stream: every fragment up to a
                    // stream's checkpoint (each starts with a key frame) has its record.
                    let leasesAtKill = try await world.leases(table)
                    let recordsAtKill = try await world.kinesisRecords(dataStream)
                    for (stream, lease) in leasesAtKill {
                        guard let checkpoint = lease.checkpoint else { continue }
                        let published = Set(
                            recordsAtKill.filter { $0["streamName"] as? String == stream }.compactMap {
                                $0["fragmentNumber"] as? String
                            })
                        let upTo = try await world.fragmentNumbers(stream).filter {
                            EndToEnd.fragmentOrder($0, checkpoint) <= 0
                        }
                        #expect(
                            Set(upTo).isSubset(of: published),
                            "\(stream): checkpoint \(checkpoint) passed unpublished fragments")
                    }
                    for (stream, status, stderr) in try await producers.value {
                        #expect(status == 0, "put-media \(stream) failed: \(stderr.suffix(2000))")
                    }
                    // Every sampled key frame of every input reaches the data stream, despite the kill.
                    var records: [[String: Any]] = []
                    do {
                        try await waitUntil(timeout: .seconds(120), interval: .seconds(1), "every key frame published")
                        {
                            records = try await world.kinesisRecords(dataStream)
                            return inputs.allSatisfy { input in
                                let times = records.filter { $0["streamName"] as? String == input.stream }.compactMap {
                                    ($0["frameTimestampMillis"] as? NSNumber)?.int64Value
                                }
                                return Set(times).count >= expected[input.stream]?.count ?? 0
                            }
                        }
                    } catch {
                        // What the workers said about it (warnings and errors only).
                        for (name, worker) in workers.sorted(by: { $0.key < $1.key }) {
                            let said = worker.0.stderrText.split(separator: "\n").filter {
                                $0.contains("warning") || $0.contains("error")
                            }
                            Issue.record("\(name):\n\(said.suffix(40).joined(separator: "\n"))")
                        }
                        throw error
                    }
                    for (stream, _) in inputs {
                        let mine = records.filter { $0["streamName"] as? String == stream }
                        let times = Set(mine.compactMap { ($0["frameTimestampMillis"] as? NSNumber)?.int64Value })
                        let first = times.min() ?? 0
                        #expect(Set(times.map { $0 - first }) == Set(expected[stream] ?? []), "\(stream)")
                        for record in mine {
                            // Each record carries the hash of the real image the endpoint received.
                            let output = record["_output"] as? [String: Any]
                            #expect(output?["sha256"] as? String == record["imageSha256"] as? String)
                            #expect(record["_partitionKey"] as? String == stream)
                            #expect((record["_fragmentId"] as? String) == (record["fragmentNumber"] as? String))
                        }
                    }
                    #expect(model.answered.count >= expected.values.map(\.count).reduce(0, +))
                    let hashes = Set(records.compactMap { $0["imageSha256"] as? String })
                    #expect(hashes.isSubset(of: Set(model.answered)))
                    // The dead worker's leases were taken over; the survivors share the streams evenly.
                    try await waitUntil(timeout: .seconds(60), interval: .seconds(1), "leases spread over w2 and w3") {
                        let leases = try await world.leases(table)
                        let owners = leases.values.compactMap(\.owner)
                        let w2 = owners.count { $0 == "w2" }
                        let w3 = owners.count { $0 == "w3" }
                        return owners.count == inputs.count && w2 + w3 == inputs.count && abs(w2 - w3) <= 1
                    }
                    // The metrics of ours reached CloudWatch (moto).
                    let names =
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
                            """#, ["KITE2E\(suffix)"]) as? [String] ?? []
                    for name in [
                        "FragmentsRead", "FramesSampled", "FramesDecoded", "EndpointCalls", "EndpointLatency",
                        "RecordsPublished", "IngestToProcessLatency", "DecodeTime", "EncodeTime", "LeasesHeld",
                        "WorkersSeen", "ProcessCPUSeconds", "ProcessResidentMemory", "BytesRead",
                    ] {
                        #expect(names.contains(name), "\(name) not in CloudWatch: \(names)")
                    }
                    // No frame skipped, on any surviving worker.
                    for name in ["w2", "w3"] {
                        guard let url = workers[name]?.1 else { continue }
                        let metrics = try String(
                            contentsOf: try #require(URL(string: url + "/metrics")), encoding: .utf8)
                        let skipped = metrics.split(separator: "\n").filter {
                            $0.hasPrefix("kit_frames_skipped") && !$0.hasSuffix(" 0")
                        }
                        #expect(skipped.isEmpty, "\(name) skipped frames: \(skipped)")
                    }
                    // Graceful stop: SIGTERM drains and exits 0.
                    for name in ["w2", "w3"] {
                        guard let child = workers[name]?.0 else { continue }
                        let (status, byItself) = await child.signal(SIGTERM, grace: .seconds(30))
                        #expect(byItself && status == 0, "\(name): \(child.stderrText.suffix(2000))")
                    }
                    // and gave their leases back (checkpoints kept).
                    let released = try await world.leases(table)
                    #expect(released.values.allSatisfy { $0.owner == nil }, "\(released)")
                    #expect(released.values.allSatisfy { $0.checkpoint != nil })
                }
            }
        }
    }
}
