import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

/// Behaviour over real HTTP on a loopback server with canned answers: streaming media both ways, PutRecords
/// partial failures, error documents, pagination.
@Suite("Loopback behaviour")
struct LoopbackBehaviourTests {
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    @Test("GetMedia streams a chunked body in order, with its content type")
    func getMediaChunked() async throws {
        let chunks: [[UInt8]] = (0..<20).map { index in [UInt8](repeating: UInt8(index), count: 1000 + index * 37) }
        let routes = [
            CaptureServer.Route(
                method: "POST", path: "/getMedia",
                responses: [.init(headers: ["Content-Type": "video/webm"], chunks: chunks.map(Self.base64))])
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let media = KinesisVideoMediaClient(
                    client: try testClient(.kinesisVideoMedia, transport: http, endpoint: server.baseURL))
                let stream = try await media.getMedia(.init(stream: .name("cam-1"), startSelector: .earliest))
                #expect(stream.contentType == "video/webm")
                var received: [UInt8] = []
                for try await chunk in stream.payload { received += chunk }
                #expect(received == chunks.flatMap { $0 })
            }
        }
    }

    @Test("PutMedia: fragments go up chunked while acks come back, each split across HTTP chunks")
    func putMediaDuplex() async throws {
        let routes = [CaptureServer.Route(method: "POST", path: "/putMedia", responses: [.init(ackStream: true)])]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let media = KinesisVideoMediaClient(
                    client: try testClient(.kinesisVideoMedia, transport: http, endpoint: server.baseURL))
                let start = Date(timeIntervalSince1970: 1_511_852_109.126)
                let fragments = (0..<5).map { [UInt8](repeating: UInt8($0), count: 4096) }
                let session = media.putMedia(
                    .init(stream: .name("cam-1"), fragmentTimecodeType: .relative, producerStartTimestamp: start))
                let (events, continuation) = AsyncStream<PutMediaAck>.makeStream()
                let acks = try await withThrowingTaskGroup(of: [PutMediaAck].self) { group in
                    group.addTask {
                        var received: [PutMediaAck] = []
                        defer { continuation.finish() }
                        for try await ack in session.acks {
                            received.append(ack)
                            continuation.yield(ack)
                        }
                        return received
                    }
                    // Each fragment is written only after the previous one was acknowledged: the exchange has to be
                    // full duplex for this to finish.
                    var iterator = events.makeAsyncIterator()
                    for fragment in fragments {
                        try await session.writer.write(fragment)
                        while let ack = await iterator.next(), ack.eventType != .received {}
                    }
                    session.writer.finish()
                    return try await group.next() ?? []
                }
                let received = acks.filter { $0.eventType == .received }
                #expect(received.count == 5)
                #expect(received.map(\.fragmentTimecode) == [0, 2000, 4000, 6000, 8000])
                #expect(received.first?.fragmentNumber == "91343852333754009371412493862204112772176000001")
                #expect(acks.last?.eventType == .persisted)
                let request = try #require(try server.requests().first)
                #expect(request.header("x-amzn-stream-name") == "cam-1")
                #expect(request.header("x-amzn-fragment-timecode-type") == "RELATIVE")
                #expect(request.header("x-amzn-producer-start-timestamp") == "1511852109.126")
                #expect(request.header("Transfer-Encoding")?.lowercased() == "chunked")
                #expect(request.header("Authorization")?.contains("/kinesisvideo/aws4_request") == true)
                #expect(request.bodyBytes == fragments.flatMap { $0 })
            }
        }
    }

    @Test("PutMedia convenience: an ERROR ack is handed over, not thrown")
    func putMediaConvenience() async throws {
        let routes = [
            CaptureServer.Route(method: "POST", path: "/putMedia", responses: [.init(ackStream: true, errorAck: true)])
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let media = KinesisVideoMediaClient(
                    client: try testClient(.kinesisVideoMedia, transport: http, endpoint: server.baseURL))
                let fragments = AsyncStream<[UInt8]> { continuation in
                    for index in 0..<3 { continuation.yield([UInt8](repeating: UInt8(index), count: 100)) }
                    continuation.finish()
                }
                let collected = AckCollector()
                try await media.putMedia(
                    .init(
                        stream: .arn("arn:aws:kinesisvideo:us-east-1:1:stream/cam/1"), producerStartTimestamp: Date()),
                    fragments: fragments
                ) { ack in await collected.add(ack) }
                let acks = await collected.acks
                #expect(acks.contains { $0.eventType == .error && $0.errorId == 4002 })
                #expect(acks.last?.eventType == .persisted)
                #expect(
                    try server.requests().first?.header("x-amzn-stream-arn")
                        == "arn:aws:kinesisvideo:us-east-1:1:stream/cam/1")
            }
        }
    }

    @Test("PutRecords resends only the failed records, then reports permanent failures per record")
    func putRecordsPartialFailure() async throws {
        let first = """
            {"FailedRecordCount":3,"Records":[
             {"SequenceNumber":"1","ShardId":"shardId-000000000000"},
             {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard"},
             {"SequenceNumber":"3","ShardId":"shardId-000000000000"},
             {"ErrorCode":"InternalFailure","ErrorMessage":"Internal service failure."},
             {"ErrorCode":"KMSAccessDeniedException","ErrorMessage":"denied"}]}
            """
        let second = """
            {"FailedRecordCount":1,"Records":[
             {"SequenceNumber":"22","ShardId":"shardId-000000000001"},
             {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard"}]}
            """
        let third = #"{"FailedRecordCount":0,"Records":[{"SequenceNumber":"44","ShardId":"shardId-000000000001"}]}"#
        let routes = [
            CaptureServer.Route(
                target: "Kinesis_20131202.PutRecords", responses: [.json(first), .json(second), .json(third)])
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let delays = DelayRecorder()
                let retry = AWSRetryPolicy(unitRandom: { 1 }, sleep: { await delays.record($0) })
                let kinesis = KinesisClient(
                    client: try testClient(.kinesis, transport: http, endpoint: server.baseURL, retry: retry))
                let records = (0..<5).map {
                    PutRecordsEntry(data: Array("record-\($0)".utf8), partitionKey: "cam-\($0)")
                }
                let outcome = try await kinesis.putRecords(
                    streamName: "results", records: records,
                    limits: PutRecordsLimits(baseDelay: .milliseconds(10), maxDelay: .milliseconds(15)))
                #expect(outcome.requestCount == 3)
                #expect(outcome.results.map(\.sequenceNumber) == ["1", "22", "3", "44", nil])
                #expect(outcome.results[4].errorCode == "KMSAccessDeniedException")
                #expect(outcome.failedRecordCount == 1)
                #expect(await delays.all == [.milliseconds(10), .milliseconds(15)])

                let sent = try server.requests().map { request -> [String] in
                    let body = try JSONSerialization.jsonObject(with: Data(request.bodyBytes)) as? [String: Any]
                    let entries = body?["Records"] as? [[String: Any]] ?? []
                    return entries.compactMap { $0["PartitionKey"] as? String }
                }
                #expect(sent == [["cam-0", "cam-1", "cam-2", "cam-3", "cam-4"], ["cam-1", "cam-3"], ["cam-3"]])
            }
        }
    }

    @Test("Errors over HTTP: REST-JSON header, JSON 1.1 body, ModelError details, HEAD 404")
    func errorsOverHTTP() async throws {
        let modelError = #"""
            {"ErrorCode":"CLIENT_ERROR_FROM_MODEL","LogStreamArn":"arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/Endpoints/ep","Message":"Received client error (400) from model","OriginalMessage":"bad input","OriginalStatusCode":400}
            """#
        let routes = [
            CaptureServer.Route(
                path: "/describeStream",
                responses: [
                    .init(
                        status: 404,
                        headers: [
                            "x-amzn-ErrorType": "ResourceNotFoundException:http://internal.amazon.com/",
                            "x-amzn-RequestId": "R-404",
                        ],
                        body: #"{"Message":"stream not found"}"#)
                ]),
            CaptureServer.Route(
                target: "DynamoDB_20120810.PutItem",
                responses: [
                    .json(
                        #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
                        status: 400, headers: ["x-amzn-RequestId": "R-CCF"])
                ]),
            CaptureServer.Route(
                path: "/endpoints/ep/invocations",
                responses: [
                    .init(
                        status: 424,
                        headers: [
                            "x-amzn-ErrorType": "ModelError:http://internal.amazon.com/",
                            "Content-Type": "application/json",
                        ], body: modelError)
                ]),
            CaptureServer.Route(
                method: "HEAD", path: "/bucket/missing",
                responses: [.init(status: 404, headers: ["x-amz-request-id": "R-S3"])]),
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let kvs = KinesisVideoClient(
                    client: try testClient(.kinesisVideo, transport: http, endpoint: server.baseURL))
                let notFound = await #expect(throws: AWSError.self) { try await kvs.describeStream(.name("nope")) }
                #expect(notFound?.serviceCode == "ResourceNotFoundException")
                #expect(notFound?.requestId == "R-404")
                #expect(notFound?.message == "stream not found")

                let ddb = DynamoDBClient(client: try testClient(.dynamoDB, transport: http, endpoint: server.baseURL))
                let conflict = await #expect(throws: AWSError.self) {
                    try await ddb.putItem(
                        .init(tableName: "t", item: ["k": "v"], conditionExpression: "attribute_not_exists(k)"))
                }
                #expect(conflict?.isConditionalCheckFailed == true)
                #expect(conflict?.requestId == "R-CCF")

                let runtime = SageMakerRuntimeClient(
                    client: try testClient(.sageMakerRuntime, transport: http, endpoint: server.baseURL))
                let invocation = await #expect(throws: AWSError.self) {
                    try await runtime.invokeEndpoint(
                        .init(endpointName: "ep", body: [1, 2, 3], contentType: "image/jpeg"))
                }
                let model = try #require(invocation.flatMap(SageMakerModelError.init))
                #expect(model.originalStatusCode == 400)
                #expect(model.originalMessage == "bad input")
                #expect(model.logStreamArn == "arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/Endpoints/ep")
                #expect(invocation?.status == 424)

                let s3 = S3Client(client: try testClient(.s3, transport: http, endpoint: server.baseURL))
                let missing = await #expect(throws: AWSError.self) {
                    try await s3.headObject(bucket: "bucket", key: "missing")
                }
                #expect(missing?.isNotFound == true)
                #expect(missing?.requestId == "R-S3")
                // Only the idempotent, retryable ones would have been repeated: none of these is retryable.
                #expect(try server.requests().count == 4)
            }
        }
    }

    @Test("Paginators follow tokens to the end: ListStreams, GetResources, ListFragments")
    func pagination() async throws {
        let routes = [
            CaptureServer.Route(
                path: "/listStreams",
                responses: [
                    .json(
                        #"{"StreamInfoList":[{"StreamName":"cam-1","Status":"ACTIVE","CreationTime":1511852109.126}],"NextToken":"p2"}"#
                    ),
                    .json(#"{"StreamInfoList":[{"StreamName":"cam-2","Status":"ACTIVE"}]}"#),
                ]),
            CaptureServer.Route(
                target: "ResourceGroupsTaggingAPI_20170126.GetResources",
                responses: [
                    .json(
                        #"{"PaginationToken":"t2","ResourceTagMappingList":[{"ResourceARN":"arn:a","Tags":[{"Key":"Location","Value":"Front"}]}]}"#
                    ),
                    .json(#"{"PaginationToken":"","ResourceTagMappingList":[{"ResourceARN":"arn:b","Tags":[]}]}"#),
                ]),
            CaptureServer.Route(
                path: "/listFragments",
                responses: [
                    .json(
                        #"{"Fragments":[{"FragmentNumber":"2","FragmentSizeInBytes":100,"ProducerTimestamp":1511852109.1,"ServerTimestamp":1511852110,"FragmentLengthInMilliseconds":2000}],"NextToken":"n2"}"#
                    ),
                    .json(#"{"Fragments":[{"FragmentNumber":"1"}]}"#),
                ]),
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let kvs = KinesisVideoClient(
                    client: try testClient(.kinesisVideo, transport: http, endpoint: server.baseURL))
                let streams = try await kvs.listStreamsPages(nameBeginsWith: "cam").collect(\.streamInfoList)
                #expect(streams.map(\.streamName) == ["cam-1", "cam-2"])
                #expect(streams.first?.creationTime == Date(timeIntervalSince1970: 1_511_852_109.126))

                let tagging = ResourceGroupsTaggingClient(
                    client: try testClient(.resourceGroupsTaggingAPI, transport: http, endpoint: server.baseURL))
                let resources = try await tagging.getResourcesPages(tagFilters: [
                    .init(key: "Location", values: ["Front"])
                ])
                .collect(\.resourceTagMappingList)
                #expect(resources.map(\.resourceARN) == ["arn:a", "arn:b"])
                #expect(resources.first?.tags == ["Location": "Front"])

                let archived = KinesisVideoArchivedMediaClient(
                    client: try testClient(.kinesisVideoArchivedMedia, transport: http, endpoint: server.baseURL))
                let fragments = try await archived.listFragmentsPages(.init(stream: .name("cam-1"))).collect(
                    \.fragments)
                #expect(fragments.map(\.fragmentNumber) == ["2", "1"])
                #expect(fragments.first?.fragmentLengthInMilliseconds == 2000)

                let bodies = try server.requests().map { String(decoding: $0.bodyBytes, as: UTF8.self) }
                #expect(bodies[1].contains(#""NextToken":"p2""#))
                #expect(bodies[3].contains(#""PaginationToken":"t2""#))
                #expect(bodies[5].contains(#""NextToken":"n2""#))
            }
        }
    }

    @Test("A repeated pagination token ends the sequence with an error instead of looping")
    func repeatedToken() async throws {
        let routes = [
            CaptureServer.Route(path: "/listStreams", responses: [.json(#"{"StreamInfoList":[],"NextToken":"same"}"#)])
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let kvs = KinesisVideoClient(
                    client: try testClient(.kinesisVideo, transport: http, endpoint: server.baseURL))
                let error = await #expect(throws: AWSError.self) {
                    try await kvs.listStreamsPages().collect(\.streamInfoList)
                }
                #expect(error?.code == .invalidResponse)
                #expect(try server.requests().count == 2)
            }
        }
    }

    @Test("Container-contract model server: unsigned POST /invocations, GET /ping")
    func containerModel() async throws {
        let routes = [
            CaptureServer.Route(
                method: "POST", path: "/invocations",
                responses: [
                    .init(
                        headers: ["Content-Type": "application/json"],
                        body: #"{"prediction":[[0,0.9,0.1,0.1,0.5,0.5]]}"#)
                ]),
            CaptureServer.Route(method: "GET", path: "/ping", responses: [.init(body: "")]),
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let model = try ContainerModelClient(baseURL: server.baseURL, transport: http)
                #expect(await model.ping())
                let output = try await model.invoke(
                    .init(
                        endpointName: "ignored", body: [0xFF, 0xD8], contentType: "image/jpeg",
                        accept: "application/json"))
                #expect(String(decoding: output.body, as: UTF8.self).hasPrefix(#"{"prediction""#))
                #expect(output.contentType == "application/json")
                let invocation = try #require(try server.requests().last)
                #expect(invocation.path == "/invocations")
                #expect(invocation.header("Authorization") == nil)
                #expect(invocation.header("Content-Type") == "image/jpeg")
                #expect(invocation.bodyBytes == [0xFF, 0xD8])
            }
        }
    }
}

actor AckCollector {
    private(set) var acks: [PutMediaAck] = []
    func add(_ ack: PutMediaAck) { acks.append(ack) }
}
