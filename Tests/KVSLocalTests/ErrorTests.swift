import Foundation
import KITTestSupport
import KVSLocal
import Testing

/// Bad requests get KVS's error codes and statuses, with the code in `x-amzn-ErrorType` and `{"message": ...}`.
@Suite(.enabled(if: TestPaths.havePython), .timeLimit(.minutes(3)))
struct ErrorTests {
    @Test func botoSeesKVSErrorCodes() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(dataDirectory: directory) { _, url in
                let manyTags = Dictionary(uniqueKeysWithValues: (0..<51).map { ("k\($0)", "v") })
                let media: (String, [String: Any]) -> [String: Any] = { op, args in
                    ["client": "kinesis-video-media", "op": op, "args": args]
                }
                let archived: (String, [String: Any]) -> [String: Any] = { op, args in
                    ["client": "kinesis-video-archived-media", "op": op, "args": args]
                }
                let steps: [[String: Any]] = [
                    ["op": "create_stream", "args": ["StreamName": "ok"]],
                    ["op": "describe_stream", "args": ["StreamName": "missing"]],
                    ["op": "create_stream", "args": ["StreamName": "bad name!"]],
                    ["op": "create_stream", "args": ["StreamName": "toolong", "DataRetentionInHours": 87_601]],
                    ["op": "create_stream", "args": ["StreamName": "tags", "Tags": manyTags]],
                    ["op": "get_data_endpoint", "args": ["StreamName": "ok", "APIName": "NOPE"]],
                    ["op": "get_data_endpoint", "args": ["StreamName": "missing", "APIName": "GET_MEDIA"]],
                    ["op": "tag_stream", "args": ["StreamName": "ok", "Tags": manyTags]],
                    [
                        "op": "delete_stream",
                        "args": ["StreamARN": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/ok/1"],
                    ],
                    ["op": "delete_stream", "args": ["StreamARN": "not-an-arn"]],
                    media("get_media", ["StreamName": "missing", "StartSelector": ["StartSelectorType": "EARLIEST"]]),
                    media(
                        "get_media", ["StreamName": "ok", "StartSelector": ["StartSelectorType": "FRAGMENT_NUMBER"]]),
                    media(
                        "get_media",
                        [
                            "StreamName": "ok",
                            "StartSelector": [
                                "StartSelectorType": "CONTINUATION_TOKEN",
                                "ContinuationToken": "not-a-token",
                            ],
                        ]),
                    media(
                        "get_media", ["StreamName": "ok", "StartSelector": ["StartSelectorType": "SERVER_TIMESTAMP"]]),
                    media("get_media", ["StreamName": "ok", "StartSelector": ["StartSelectorType": "SOMETIME"]]),
                    archived("list_fragments", ["StreamName": "missing"]),
                    archived(
                        "list_fragments",
                        [
                            "StreamName": "ok",
                            "FragmentSelector": [
                                "FragmentSelectorType": "WHENEVER",
                                "TimestampRange": ["StartTimestamp": 1, "EndTimestamp": 2],
                            ],
                        ]),
                    archived("get_media_for_fragment_list", ["StreamName": "ok", "Fragments": ["12345"]]),
                    archived("list_fragments", ["StreamName": "ok", "NextToken": "!!!"]),
                    ["client": "resourcegroupstaggingapi", "op": "get_resources", "args": ["ResourcesPerPage": 500]],
                ]
                let expected: [(Int, String, Int)] = [
                    (1, "ResourceNotFoundException", 404), (2, "InvalidArgumentException", 400),
                    (3, "InvalidArgumentException", 400), (4, "TagsPerResourceExceededLimitException", 400),
                    (5, "InvalidArgumentException", 400), (6, "ResourceNotFoundException", 404),
                    (7, "TagsPerResourceExceededLimitException", 400), (8, "ResourceNotFoundException", 404),
                    (9, "InvalidArgumentException", 400), (10, "ResourceNotFoundException", 404),
                    (11, "InvalidArgumentException", 400), (12, "InvalidArgumentException", 400),
                    (13, "InvalidArgumentException", 400), (14, "InvalidArgumentException", 400),
                    (15, "ResourceNotFoundException", 404), (16, "InvalidArgumentException", 400),
                    (17, "InvalidArgumentException", 400), (18, "InvalidArgumentException", 400),
                    (19, "InvalidParameterException", 400),
                ]
                let results = try await KVSTool.steps(endpoint: url, steps, directory: directory)
                #expect(results[0].ok)
                for (index, code, status) in expected {
                    let result = results[index]
                    #expect(result.code == code, "step \(index) \(steps[index]["op"] ?? ""): \(result)")
                    #expect(result["status"] as? Int == status, "step \(index): \(result)")
                    #expect(result["error_type_header"] as? String == code, "step \(index)")
                    #expect((result["message"] as? String)?.isEmpty == false, "step \(index) has a message")
                }
            }
        }
    }

    @Test func authorizationIsCheckedForForm() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(dataDirectory: directory) { _, url in
                let body = #"{"StreamName":"x"}"#
                func raw(
                    _ headers: [String: String], sign: Bool = false, service: String = "kinesisvideo",
                    path: String = "/describeStream"
                )
                    -> [String: Any]
                {
                    [
                        "raw": [
                            "path": path, "body": body,
                            "headers": headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                            "sign": sign, "service": service,
                        ]
                    ]
                }
                let results = try await KVSTool.steps(
                    endpoint: url,
                    [
                        raw([:]),
                        raw(["Authorization": "Bearer nonsense", "X-Amz-Date": "20240101T000000Z"]),
                        raw([
                            "Authorization":
                                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesisvideo/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
                            "X-Amz-Date": "20240101T000000Z",
                        ]),
                        raw([
                            "Authorization":
                                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesisvideo/aws4_request, SignedHeaders=host;x-amz-date, Signature="
                                + String(repeating: "a", count: 64)
                        ]),
                        raw([:], sign: true, service: "s3"),
                        raw([:], sign: true),
                        raw([:], sign: true, path: "/noSuchOperation"),
                    ], directory: directory)
                func status(_ i: Int) -> Int? { results[i].result("status") as? Int }
                func errorType(_ i: Int) -> String? {
                    (results[i].result("headers") as? [String: String])?["x-amzn-errortype"]
                }
                #expect(status(0) == 401)
                #expect(errorType(0) == "NotAuthorizedException")
                #expect(status(1) == 400)
                #expect(errorType(1) == "IncompleteSignatureException")
                #expect(errorType(2) == "IncompleteSignatureException", "a signature must be 64 hex digits")
                #expect(errorType(3) == "IncompleteSignatureException", "X-Amz-Date is required")
                #expect(status(4) == 403)
                #expect(errorType(4) == "InvalidSignatureException")
                #expect(status(5) == 404, "a well-signed request reaches the operation")
                #expect(errorType(5) == "ResourceNotFoundException")
                let bodyText = try #require(results[5].result("body") as? String)
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(bodyText.utf8)) as? [String: String])
                #expect(json["message"]?.isEmpty == false)
                #expect((results[5].result("headers") as? [String: String])?["x-amzn-requestid"]?.isEmpty == false)
                #expect(errorType(6) == "UnknownOperationException")
            }
        }
    }

    @Test func verifiedSignaturesRejectWrongSecrets() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(
                dataDirectory: directory,
                configure: {
                    $0.authorization = .verifySignatures(secrets: ["AKIDKVSLOCALTEST": "kvs-local-test-secret"])
                }
            ) { _, url in
                let good = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "create_stream", "args": ["StreamName": "signed"]],
                        ["op": "list_streams", "args": [:]],
                        ["op": "get_data_endpoint", "args": ["StreamName": "signed", "APIName": "GET_MEDIA"]],
                        [
                            "client": "kinesis-video-media", "endpoint": "$data", "op": "get_media",
                            "args": ["StreamName": "signed", "StartSelector": ["StartSelectorType": "NOW"]],
                        ],
                        ["client": "resourcegroupstaggingapi", "op": "get_resources", "args": [:]],
                    ], directory: directory)
                for (i, result) in good.enumerated() { #expect(result.ok, "step \(i): \(result)") }

                // The same requests signed with another secret.
                let script = directory.appendingPathComponent("kvs_tool.py")
                let source = try String(contentsOf: script, encoding: .utf8)
                try source.replacingOccurrences(of: "\"kvs-local-test-secret\"", with: "\"wrong-secret\"")
                    .write(to: script, atomically: true, encoding: .utf8)
                let bad = try await KVSTool.steps(
                    endpoint: url, [["op": "list_streams", "args": [:]]], directory: directory)
                #expect(bad[0].code == "InvalidSignatureException")
                #expect(bad[0]["status"] as? Int == 403)
            }
        }
    }

    @Test func putMediaErrors() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(dataDirectory: directory) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "p"]]], directory: directory)
                let garbage = directory.appendingPathComponent("garbage.bin")
                try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }).write(to: garbage)

                let missing = try await KVSTool.put(endpoint: url, stream: "nope", file: garbage, directory: directory)
                #expect(missing["status"] as? Int == 404)
                #expect((missing["headers"] as? [String: String])?["x-amzn-errortype"] == "ResourceNotFoundException")

                let bad = try await KVSTool.put(endpoint: url, stream: "p", file: garbage, directory: directory)
                #expect(bad["status"] as? Int == 200)
                let acks = try #require(bad["acks"] as? [[String: Any]])
                #expect(acks.count == 1, "\(acks)")
                #expect(acks.first?["EventType"] as? String == "ERROR")
                #expect(acks.first?["ErrorId"] as? Int == 4006)

                let badTimecodeType = try await KVSTool.put(
                    endpoint: url, stream: "p", file: garbage, directory: directory, extra: ["timecode_type": "LOCAL"])
                #expect(badTimecodeType["status"] as? Int == 400)
                #expect(
                    (badTimecodeType["headers"] as? [String: String])?["x-amzn-errortype"] == "InvalidArgumentException"
                )
            }
        }
    }

    @Test func deletingAStreamEndsItsProducer() async throws {
        guard TestPaths.haveMediaTools else { return }
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            try await withKVSServer(dataDirectory: directory.appendingPathComponent("data")) { server, url in
                let created = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "gone"]]], directory: directory)
                let arn = try #require(created[0].result("StreamARN") as? String)
                async let put = KVSTool.put(
                    endpoint: url, stream: "gone", file: input, directory: directory, chunk: 8192,
                    extra: ["pause_after": 40_000, "pause": 12.0, "pause_after_ack": "PERSISTED"])
                // The producer is paused (long enough for a loaded machine) when the stream goes.
                try await SessionTests.waitFor(server) { ($0.first?.fragments ?? 0) >= 1 }
                let deleted = try await KVSTool.steps(
                    endpoint: url, [["op": "delete_stream", "args": ["StreamARN": arn]]], directory: directory)
                #expect(deleted[0].ok)
                let acks = try await put["acks"] as? [[String: Any]] ?? []
                let errors = acks.filter { $0["EventType"] as? String == "ERROR" }
                #expect(errors.count == 1, "\(acks)")
                #expect(errors.first?["ErrorId"] as? Int == 4008)
                #expect(errors.first?["ErrorCode"] as? String == "STREAM_NOT_ACTIVE")
            }
        }
    }

    @Test func putMediaRejectsBadFragmentsAndGoesOn() async throws {
        guard TestPaths.haveMediaTools else { return }
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 3)
            // The same clip twice in one body: the second copy's timecodes go back to 0, which KVS refuses per
            // fragment (4004) without ending the session.
            let doubled = directory.appendingPathComponent("doubled.mkv")
            let bytes = try Data(contentsOf: input)
            try (bytes + bytes).write(to: doubled)
            try await withKVSServer(dataDirectory: directory.appendingPathComponent("data")) { _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "d"]]], directory: directory)
                let put = try await KVSTool.put(endpoint: url, stream: "d", file: doubled, directory: directory)
                let acks = try #require(put["acks"] as? [[String: Any]])
                let persisted = acks.filter { $0["EventType"] as? String == "PERSISTED" }
                let errors = acks.filter { $0["EventType"] as? String == "ERROR" }
                #expect(persisted.count == 3, "\(acks)")
                #expect(errors.count == 3)
                #expect(errors.allSatisfy { $0["ErrorId"] as? Int == 4004 })
            }
        }
    }
}
