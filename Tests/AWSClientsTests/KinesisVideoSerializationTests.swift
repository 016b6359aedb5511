import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

/// Our requests for the Kinesis Video control plane, media, archived media, SageMaker Runtime and Resource Groups
/// Tagging, compared with botocore's serialization of the same calls (there is no server for these yet).
@Suite("Serialization vs botocore: Kinesis Video, SageMaker Runtime, Tagging")
struct KinesisVideoSerializationTests {
    static let arn = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/cam-1/1511852109126"

    @Test("Kinesis Video control plane")
    func controlPlane() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let kvs = KinesisVideoClient(
                    client: try testClient(.kinesisVideo, transport: http, endpoint: server.baseURL))
                _ = try? await kvs.listStreams(.init(maxResults: 10, nextToken: "tok", nameBeginsWith: "cam"))
                _ = try? await kvs.listStreams()
                _ = try? await kvs.describeStream(.name("cam-1"))
                _ = try? await kvs.describeStream(.arn(Self.arn))
                _ = try? await kvs.getDataEndpoint(.name("cam-1"), api: .getMedia)
                _ = try? await kvs.getDataEndpoint(.arn(Self.arn), api: .getMediaForFragmentList)
                _ = try? await kvs.listTagsForStream(.name("cam-1"))
                _ = try? await kvs.createStream(
                    .init(
                        streamName: "cam-2", deviceName: "dev", mediaType: "video/h264", kmsKeyId: "alias/k",
                        dataRetentionInHours: 24, tags: ["Location": "Front", "Team": "A"]))
                try? await kvs.tagStream(.arn(Self.arn), tags: ["Location": "Parking"])
                try await RequestComparison.compare(
                    [
                        (
                            "ListStreams",
                            call(
                                "kinesisvideo", "list_streams",
                                [
                                    "MaxResults": 10, "NextToken": "tok",
                                    "StreamNameCondition": [
                                        "ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "cam",
                                    ],
                                ])
                        ),
                        ("ListStreams empty", call("kinesisvideo", "list_streams", [:])),
                        ("DescribeStream name", call("kinesisvideo", "describe_stream", ["StreamName": "cam-1"])),
                        (
                            "DescribeStream arn",
                            call("kinesisvideo", "describe_stream", ["StreamARN": .string(Self.arn)])
                        ),
                        (
                            "GetDataEndpoint",
                            call(
                                "kinesisvideo", "get_data_endpoint",
                                [
                                    "StreamName": "cam-1", "APIName": "GET_MEDIA",
                                ])
                        ),
                        (
                            "GetDataEndpoint arn",
                            call(
                                "kinesisvideo", "get_data_endpoint",
                                [
                                    "StreamARN": .string(Self.arn), "APIName": "GET_MEDIA_FOR_FRAGMENT_LIST",
                                ])
                        ),
                        ("ListTagsForStream", call("kinesisvideo", "list_tags_for_stream", ["StreamName": "cam-1"])),
                        (
                            "CreateStream",
                            call(
                                "kinesisvideo", "create_stream",
                                [
                                    "StreamName": "cam-2", "DeviceName": "dev", "MediaType": "video/h264",
                                    "KmsKeyId": "alias/k",
                                    "DataRetentionInHours": 24, "Tags": ["Location": "Front", "Team": "A"],
                                ])
                        ),
                        (
                            "TagStream",
                            call(
                                "kinesisvideo", "tag_stream",
                                [
                                    "StreamARN": .string(Self.arn), "Tags": ["Location": "Parking"],
                                ])
                        ),
                    ], captured: try server.requests())
            }
        }
    }

    @Test("GetMedia with every StartSelector type, ListFragments, GetMediaForFragmentList")
    func mediaPlanes() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let media = KinesisVideoMediaClient(
                    client: try testClient(.kinesisVideoMedia, transport: http, endpoint: server.baseURL))
                let archived = KinesisVideoArchivedMediaClient(
                    client: try testClient(.kinesisVideoArchivedMedia, transport: http, endpoint: server.baseURL))
                let start = Date(timeIntervalSince1970: 1_511_852_109)
                let end = Date(timeIntervalSince1970: 1_511_855_709)
                let selectors: [(KinesisVideoStartSelector, JSONInput)] = [
                    (
                        .fragmentNumber(after: "91343852333754009371412493862204112772176002064"),
                        [
                            "StartSelectorType": "FRAGMENT_NUMBER",
                            "AfterFragmentNumber": "91343852333754009371412493862204112772176002064",
                        ]
                    ),
                    (
                        .serverTimestamp(start),
                        ["StartSelectorType": "SERVER_TIMESTAMP", "StartTimestamp": .timestamp(1_511_852_109)]
                    ),
                    (
                        .producerTimestamp(start),
                        ["StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": .timestamp(1_511_852_109)]
                    ),
                    (.now, ["StartSelectorType": "NOW"]),
                    (.earliest, ["StartSelectorType": "EARLIEST"]),
                    (
                        .continuationToken("91343852333754009371412493862204112772176002064"),
                        [
                            "StartSelectorType": "CONTINUATION_TOKEN",
                            "ContinuationToken": "91343852333754009371412493862204112772176002064",
                        ]
                    ),
                ]
                var calls: [(label: String, call: BotocoreOracle.Call)] = []
                for (selector, expected) in selectors {
                    let stream = try await media.getMedia(.init(stream: .name("cam-1"), startSelector: selector))
                    _ = try await stream.payload.collect(upTo: 1 << 20)
                    calls.append(
                        (
                            "GetMedia \(selector.type)",
                            call(
                                "kinesis-video-media", "get_media",
                                [
                                    "StreamName": "cam-1", "StartSelector": expected,
                                ])
                        ))
                }
                _ = try await media.getMedia(.init(stream: .arn(Self.arn), startSelector: .now)).payload.collect(
                    upTo: 1 << 20)
                calls.append(
                    (
                        "GetMedia arn",
                        call(
                            "kinesis-video-media", "get_media",
                            [
                                "StreamARN": .string(Self.arn), "StartSelector": ["StartSelectorType": "NOW"],
                            ])
                    ))
                _ = try await archived.listFragments(
                    .init(
                        stream: .name("cam-1"), fragmentSelector: .producerTimestamp(from: start, to: end),
                        maxResults: 100, nextToken: "n1"))
                calls.append(
                    (
                        "ListFragments",
                        call(
                            "kinesis-video-archived-media", "list_fragments",
                            [
                                "StreamName": "cam-1", "MaxResults": 100, "NextToken": "n1",
                                "FragmentSelector": [
                                    "FragmentSelectorType": "PRODUCER_TIMESTAMP",
                                    "TimestampRange": [
                                        "StartTimestamp": .timestamp(1_511_852_109),
                                        "EndTimestamp": .timestamp(1_511_855_709),
                                    ],
                                ],
                            ])
                    ))
                _ = try await archived.listFragments(
                    .init(stream: .arn(Self.arn), fragmentSelector: .serverTimestamp(from: start, to: end)))
                calls.append(
                    (
                        "ListFragments server",
                        call(
                            "kinesis-video-archived-media", "list_fragments",
                            [
                                "StreamARN": .string(Self.arn),
                                "FragmentSelector": [
                                    "FragmentSelectorType": "SERVER_TIMESTAMP",
                                    "TimestampRange": [
                                        "StartTimestamp": .timestamp(1_511_852_109),
                                        "EndTimestamp": .timestamp(1_511_855_709),
                                    ],
                                ],
                            ])
                    ))
                _ = try await archived.getMediaForFragmentList(.name("cam-1"), fragments: ["1", "2", "3"]).payload
                    .collect(upTo: 1 << 20)
                calls.append(
                    (
                        "GetMediaForFragmentList",
                        call(
                            "kinesis-video-archived-media", "get_media_for_fragment_list",
                            [
                                "StreamName": "cam-1", "Fragments": ["1", "2", "3"],
                            ])
                    ))
                try await RequestComparison.compare(calls, captured: try server.requests())
            }
        }
    }

    @Test("SageMaker Runtime InvokeEndpoint")
    func invokeEndpoint() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let runtime = SageMakerRuntimeClient(
                    client: try testClient(.sageMakerRuntime, transport: http, endpoint: server.baseURL))
                let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1, 0xFF, 0xD9]
                _ = try await runtime.invokeEndpoint(
                    .init(
                        endpointName: "kit endpoint", body: jpeg, contentType: "image/jpeg", accept: "application/json",
                        customAttributes: "trace=1", targetVariant: "AllTraffic", targetModel: "model.tar.gz",
                        inferenceId: "inf-1"))
                _ = try await runtime.invokeEndpoint(.init(endpointName: "plain", body: Array("{}".utf8)))
                try await RequestComparison.compare(
                    [
                        (
                            "InvokeEndpoint",
                            call(
                                "sagemaker-runtime", "invoke_endpoint",
                                [
                                    "EndpointName": "kit endpoint", "Body": .bytes(jpeg), "ContentType": "image/jpeg",
                                    "Accept": "application/json", "CustomAttributes": "trace=1",
                                    "TargetVariant": "AllTraffic",
                                    "TargetModel": "model.tar.gz", "InferenceId": "inf-1",
                                ])
                        ),
                        (
                            "InvokeEndpoint minimal",
                            call(
                                "sagemaker-runtime", "invoke_endpoint",
                                [
                                    "EndpointName": "plain", "Body": .bytes(Array("{}".utf8)),
                                ])
                        ),
                    ], captured: try server.requests())
            }
        }
    }

    @Test("Resource Groups Tagging GetResources")
    func getResources() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let tagging = ResourceGroupsTaggingClient(
                    client: try testClient(.resourceGroupsTaggingAPI, transport: http, endpoint: server.baseURL))
                _ = try await tagging.getResources(
                    tagFilters: [TagFilter(key: "Location", values: ["Front", "Parking"]), TagFilter(key: "Team")],
                    resourcesPerPage: 50, paginationToken: "p2")
                _ = try await tagging.getResources()
                try await RequestComparison.compare(
                    [
                        (
                            "GetResources",
                            call(
                                "resourcegroupstaggingapi", "get_resources",
                                [
                                    "ResourceTypeFilters": ["kinesisvideo:stream"], "ResourcesPerPage": 50,
                                    "PaginationToken": "p2",
                                    "TagFilters": [
                                        ["Key": "Location", "Values": ["Front", "Parking"]],
                                        ["Key": "Team", "Values": []],
                                    ],
                                ])
                        ),
                        (
                            "GetResources default",
                            call(
                                "resourcegroupstaggingapi", "get_resources",
                                [
                                    "ResourceTypeFilters": ["kinesisvideo:stream"]
                                ])
                        ),
                    ], captured: try server.requests())
            }
        }
    }
}

func call(_ service: String, _ method: String, _ params: [String: JSONInput]) -> BotocoreOracle.Call {
    BotocoreOracle.Call(service: service, method: method, params: params)
}

/// Runs `body` with a real libcurl client, shutting it down afterwards.
func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = try HTTPClient()
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}
