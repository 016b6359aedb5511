import Foundation
import KITTestSupport
import KVSLocal
import Testing

/// Media in through PutMedia (a raw full-duplex producer), out through boto3's GetMedia, ListFragments and
/// GetMediaForFragmentList, checked with tools that share no code with the server: ffmpeg's framemd5 (every frame
/// intact, in order) and mkvinfo (KVS's tags, where KVS puts them).
@Suite(.enabled(if: TestPaths.havePython && TestPaths.haveMediaTools), .timeLimit(.minutes(5)))
struct MediaRoundTripTests {
    static let start = 1_700_000_000.0

    @Test func putMediaThenEverySelectorAndArchivedMedia() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("input.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 6)
            let inputFrames = try await MediaTools.frameMD5(input)
            #expect(inputFrames.count == 150)

            try await withKVSServer(dataDirectory: directory.appendingPathComponent("data")) { _, url in
                let setup = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "create_stream", "args": ["StreamName": "media", "DataRetentionInHours": 24]],
                        ["op": "get_data_endpoint", "args": ["StreamName": "media", "APIName": "PUT_MEDIA"]],
                    ], directory: directory)
                let putEndpoint = try #require(setup[1].result("DataEndpoint") as? String)

                // 1. PutMedia. Halfway through, the producer stops sending until a PERSISTED ack arrives (bounded, not
                // timed): acks must come back while the body is still open, however slow the machine is.
                let half = try Data(contentsOf: input).count / 2
                let put = try await KVSTool.put(
                    endpoint: putEndpoint, stream: "media", file: input, directory: directory, start: Self.start,
                    chunk: 8192, extra: ["pause_after": half, "pause_after_ack": "PERSISTED"])
                #expect(put["status"] as? Int == 200, "\(put)")
                let acks = try #require(put["acks"] as? [[String: Any]])
                let kinds = acks.compactMap { $0["EventType"] as? String }
                #expect(kinds.filter { $0 == "BUFFERING" }.count == 6, "\(kinds)")
                #expect(kinds.filter { $0 == "RECEIVED" }.count == 6)
                #expect(kinds.filter { $0 == "PERSISTED" }.count == 6)
                #expect(!kinds.contains("ERROR"))
                let persisted = acks.filter { $0["EventType"] as? String == "PERSISTED" }
                let numbers = persisted.compactMap { $0["FragmentNumber"] as? String }
                #expect(numbers.count == 6)
                #expect(numbers == numbers.sorted(), "fragment numbers increase")
                #expect(numbers.allSatisfy { $0.count == 47 && $0.allSatisfy(\.isNumber) })
                #expect(persisted.compactMap { $0["FragmentTimecode"] as? Int } == [0, 1000, 2000, 3000, 4000, 5000])
                for number in numbers {
                    let order = acks.filter { $0["FragmentNumber"] as? String == number }.compactMap {
                        $0["EventType"] as? String
                    }
                    #expect(order == ["BUFFERING", "RECEIVED", "PERSISTED"], "acks of \(number)")
                }
                let total = try #require(put["total"] as? Int)
                let firstPersistedAt = try #require(persisted.first?["_sent"] as? Int)
                #expect(firstPersistedAt < total, "the first fragment is acknowledged while the body is still arriving")

                // 2. Reads with every selector, ListFragments and GetMediaForFragmentList, through boto3.
                func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
                func getMedia(_ selector: [String: Any], _ name: String) -> [String: Any] {
                    [
                        "client": "kinesis-video-media", "endpoint": "$data", "op": "get_media", "save": file(name),
                        "args": ["StreamName": "media", "StartSelector": selector],
                    ]
                }
                let reads = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "get_data_endpoint", "args": ["StreamName": "media", "APIName": "GET_MEDIA"]],
                        getMedia(["StartSelectorType": "EARLIEST"], "earliest.mkv"),
                        getMedia(
                            ["StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": numbers[1]], "after1.mkv"),
                        getMedia(
                            ["StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": numbers[1]], "token1.mkv"),
                        getMedia(
                            ["StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": Self.start + 3], "p3.mkv"),
                        getMedia(["StartSelectorType": "SERVER_TIMESTAMP", "StartTimestamp": Self.start], "s0.mkv"),
                        getMedia(["StartSelectorType": "NOW"], "now.mkv"),
                        ["op": "get_data_endpoint", "args": ["StreamName": "media", "APIName": "LIST_FRAGMENTS"]],
                        [
                            "client": "kinesis-video-archived-media", "endpoint": "$data", "op": "list_fragments",
                            "args": ["StreamName": "media"],
                        ],
                        [
                            "client": "kinesis-video-archived-media", "endpoint": "$data", "op": "list_fragments",
                            "paginate": true, "args": ["StreamName": "media", "PaginationConfig": ["PageSize": 4]],
                        ],
                        [
                            "client": "kinesis-video-archived-media", "endpoint": "$data", "op": "list_fragments",
                            "args": [
                                "StreamName": "media",
                                "FragmentSelector": [
                                    "FragmentSelectorType": "PRODUCER_TIMESTAMP",
                                    "TimestampRange": [
                                        "StartTimestamp": Self.start + 1, "EndTimestamp": Self.start + 3,
                                    ],
                                ],
                            ],
                        ],
                        [
                            "client": "kinesis-video-archived-media", "endpoint": "$data",
                            "op": "get_media_for_fragment_list",
                            "save": file("list.mkv"),
                            "args": ["StreamName": "media", "Fragments": [numbers[1], numbers[4]]],
                        ],
                    ], directory: directory)
                for (i, read) in reads.enumerated() { #expect(read.ok, "read \(i): \(read)") }
                #expect(reads[1].result("ContentType") as? String == "video/webm")
                #expect(reads[6].result("PayloadBytes") as? Int == 0, "NOW only waits for new fragments")

                // ListFragments: numbers, sizes, lengths, timestamps; pages; producer-time range.
                let listed = try #require(reads[8].result("Fragments") as? [[String: Any]])
                #expect(listed.compactMap { $0["FragmentNumber"] as? String } == numbers)
                for (i, fragment) in listed.enumerated() {
                    #expect((fragment["FragmentSizeInBytes"] as? Int ?? 0) > 1000)
                    #expect(fragment["FragmentLengthInMilliseconds"] as? Int == 1000)
                    let producer = try #require(fragment["ProducerTimestamp"] as? Double)
                    #expect(abs(producer - (Self.start + Double(i))) < 0.002)
                    let server = try #require(fragment["ServerTimestamp"] as? Double)
                    #expect(abs(server - Date().timeIntervalSince1970) < 120)
                }
                let pages = try #require(reads[9].result("pages") as? [[String: Any]])
                #expect(pages.count == 2)
                #expect(
                    pages.flatMap {
                        ($0["Fragments"] as? [[String: Any]] ?? []).compactMap { $0["FragmentNumber"] as? String }
                    } == numbers)
                let ranged = (reads[10].result("Fragments") as? [[String: Any]] ?? []).compactMap {
                    $0["FragmentNumber"] as? String
                }
                #expect(ranged == Array(numbers[1...3]))

                // 3. Frames: what GetMedia returned is what went in (ffmpeg's framemd5).
                let earliest = try await MediaTools.frameMD5(directory.appendingPathComponent("earliest.mkv"))
                #expect(earliest == inputFrames)
                let sizeAndHash = { (lines: [String]) in
                    lines.map { $0.split(separator: ",").suffix(2).map { $0.trimmingCharacters(in: .whitespaces) } }
                }
                let inputTail2 = sizeAndHash(Array(inputFrames[50...]))
                #expect(
                    sizeAndHash(try await MediaTools.frameMD5(directory.appendingPathComponent("after1.mkv")))
                        == inputTail2)
                #expect(
                    sizeAndHash(try await MediaTools.frameMD5(directory.appendingPathComponent("token1.mkv")))
                        == inputTail2)
                #expect(
                    sizeAndHash(try await MediaTools.frameMD5(directory.appendingPathComponent("p3.mkv")))
                        == sizeAndHash(Array(inputFrames[75...])))
                #expect(try await MediaTools.frameMD5(directory.appendingPathComponent("s0.mkv")) == inputFrames)
                #expect(
                    sizeAndHash(try await MediaTools.frameMD5(directory.appendingPathComponent("list.mkv")))
                        == sizeAndHash(Array(inputFrames[25..<50] + inputFrames[100..<125])))

                // 4. Tags, read by mkvinfo: per fragment the number and timestamps before the Cluster, then
                // MILLIS_BEHIND_NOW and the continuation token after it.
                let view = try await MediaTools.mkvinfo(directory.appendingPathComponent("earliest.mkv"))
                #expect(view.clusters == 6)
                let kvsTags = view.tags.filter { $0.name.hasPrefix("AWS_KINESISVIDEO_") }
                let expectedNames = Array(
                    repeating: [
                        "AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
                        "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW",
                        "AWS_KINESISVIDEO_CONTINUATION_TOKEN",
                    ], count: 6
                ).flatMap { $0 }
                #expect(kvsTags.map(\.name) == expectedNames)
                #expect(view.values("AWS_KINESISVIDEO_FRAGMENT_NUMBER") == numbers)
                #expect(view.values("AWS_KINESISVIDEO_CONTINUATION_TOKEN") == numbers)
                #expect(
                    view.values("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP")
                        == (0..<6).map { String(format: "%.3f", Self.start + Double($0)) })
                #expect(view.values("AWS_KINESISVIDEO_SERVER_TIMESTAMP").allSatisfy { Self.isSecondsWithMillis($0) })
                #expect(view.values("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW").allSatisfy { Int($0) != nil })
                // Each KVS Tags element sits right before a Cluster, the trailing one right after it.
                for (before, after) in view.aroundClusters {
                    #expect(before == Array(expectedNames[0..<3]))
                    #expect(after == Array(expectedNames[3..<5]))
                }

                let archived = try await MediaTools.mkvinfo(directory.appendingPathComponent("list.mkv"))
                #expect(archived.clusters == 2)
                #expect(archived.values("AWS_KINESISVIDEO_FRAGMENT_NUMBER") == [numbers[1], numbers[4]])
                #expect(archived.values("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP").count == 2)
                #expect(
                    archived.values("AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP")
                        == [String(format: "%.3f", Self.start + 1), String(format: "%.3f", Self.start + 4)])
                #expect(archived.values("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW").isEmpty)
                #expect(archived.values("AWS_KINESISVIDEO_CONTINUATION_TOKEN").isEmpty)
                for (before, after) in archived.aroundClusters {
                    #expect(
                        before == [
                            "AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP",
                            "AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP",
                        ])
                    #expect(!after.contains { $0.hasPrefix("AWS_KINESISVIDEO_") })
                }
            }
        }
    }

    static func isSecondsWithMillis(_ text: String) -> Bool {
        let parts = text.split(separator: ".")
        return parts.count == 2 && parts[1].count == 3 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}
