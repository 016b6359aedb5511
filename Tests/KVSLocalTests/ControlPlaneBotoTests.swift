import Foundation
import KITTestSupport
import KVSLocal
import Testing

/// The control plane and the tagging API driven by boto3 (botocore 1.43.11) exactly as an application would.
@Suite(.enabled(if: TestPaths.havePython), .timeLimit(.minutes(3)))
struct ControlPlaneBotoTests {
    @Test func streamsTagsListsAndEndpoints() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(dataDirectory: directory) { _, url in
                var steps: [[String: Any]] = [
                    [
                        "op": "create_stream",
                        "args": [
                            "StreamName": "cam-front", "DataRetentionInHours": 24,
                            "MediaType": "video/h264", "Tags": ["Location": "Front", "Team": "kit"],
                        ],
                    ],
                    ["op": "create_stream", "args": ["StreamName": "cam-parking", "Tags": ["Location": "Parking"]]],
                    ["op": "create_stream", "args": ["StreamName": "dashcam-1"]],
                    ["op": "create_stream", "args": ["StreamName": "cam-front"]],
                    ["op": "describe_stream", "args": ["StreamName": "cam-front"]],
                    ["op": "list_streams", "args": [:]],
                    [
                        "op": "list_streams",
                        "args": [
                            "StreamNameCondition": [
                                "ComparisonOperator": "BEGINS_WITH",
                                "ComparisonValue": "cam-",
                            ]
                        ],
                    ],
                    ["op": "list_streams", "paginate": true, "args": ["PaginationConfig": ["PageSize": 1]]],
                    ["op": "tag_stream", "args": ["StreamName": "dashcam-1", "Tags": ["Location": "Road"]]],
                    ["op": "untag_stream", "args": ["StreamName": "cam-front", "TagKeyList": ["Team"]]],
                    ["op": "list_tags_for_stream", "args": ["StreamName": "cam-front"]],
                ]
                for api in ["PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST"] {
                    steps.append(["op": "get_data_endpoint", "args": ["StreamName": "cam-front", "APIName": api]])
                }
                steps += [
                    [
                        "client": "resourcegroupstaggingapi", "op": "get_resources",
                        "args": [
                            "ResourceTypeFilters": ["kinesisvideo:stream"],
                            "TagFilters": [["Key": "Location", "Values": ["Front", "Parking"]]],
                        ],
                    ],
                    [
                        "client": "resourcegroupstaggingapi", "op": "get_resources",
                        "args": [
                            "TagFilters": [["Key": "Location"]]
                        ],
                    ],
                    [
                        "client": "resourcegroupstaggingapi", "op": "get_resources", "paginate": true,
                        "args": [
                            "ResourcesPerPage": 1
                        ],
                    ],
                    ["op": "describe_stream", "args": ["StreamName": "dashcam-1"]],
                ]
                let results = try await KVSTool.steps(endpoint: url, steps, directory: directory)
                for (i, result) in results.enumerated() where i != 3 {
                    #expect(result.ok, "step \(i) \(steps[i]["op"] ?? ""): \(result)")
                }
                #expect(results[3].code == "ResourceInUseException")

                let arn = try #require(results[0].result("StreamARN") as? String)
                #expect(arn.hasPrefix("arn:aws:kinesisvideo:us-east-1:123456789012:stream/cam-front/"))
                let info = try #require(results[4].result("StreamInfo") as? [String: Any])
                #expect(info["StreamName"] as? String == "cam-front")
                #expect(info["StreamARN"] as? String == arn)
                #expect(info["Status"] as? String == "ACTIVE")
                #expect(info["DataRetentionInHours"] as? Int == 24)
                #expect(info["MediaType"] as? String == "video/h264")
                #expect((info["Version"] as? String)?.isEmpty == false)
                let created = try #require(info["CreationTime"] as? Double)
                #expect(abs(created - Date().timeIntervalSince1970) < 120)

                func names(_ result: [String: Any]) -> [String] {
                    (result.result("StreamInfoList") as? [[String: Any]] ?? []).compactMap {
                        $0["StreamName"] as? String
                    }
                }
                #expect(names(results[5]) == ["cam-front", "cam-parking", "dashcam-1"])
                #expect(names(results[6]) == ["cam-front", "cam-parking"])
                let pages = try #require(results[7].result("pages") as? [[String: Any]])
                #expect(pages.count == 3)
                #expect(
                    pages.flatMap {
                        ($0["StreamInfoList"] as? [[String: Any]] ?? []).compactMap { $0["StreamName"] as? String }
                    }
                        == ["cam-front", "cam-parking", "dashcam-1"])
                #expect(results[10].result("Tags") as? [String: String] == ["Location": "Front"])
                for i in 11...14 {
                    #expect(results[i].result("DataEndpoint") as? String == url, "GetDataEndpoint answers this server")
                }
                func arns(_ result: [String: Any]) -> [String] {
                    (result.result("ResourceTagMappingList") as? [[String: Any]] ?? []).compactMap {
                        ($0["ResourceARN"] as? String)?.split(separator: "/").dropLast().last.map(String.init)
                    }.sorted()
                }
                #expect(arns(results[15]) == ["cam-front", "cam-parking"])
                #expect(arns(results[16]) == ["cam-front", "cam-parking", "dashcam-1"])
                let tagPages = try #require(results[17].result("pages") as? [[String: Any]])
                #expect(tagPages.count == 3)
                let mapping = (results[15].result("ResourceTagMappingList") as? [[String: Any]])?.first
                #expect(
                    (mapping?["Tags"] as? [[String: String]])?.contains(["Key": "Location", "Value": "Front"]) == true)
            }
        }
    }

    @Test func retentionUpdatesAndDeletion() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(dataDirectory: directory) { _, url in
                let first = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "create_stream", "args": ["StreamName": "s1", "DataRetentionInHours": 2]],
                        ["op": "describe_stream", "args": ["StreamName": "s1"]],
                    ], directory: directory)
                let info = try #require(first[1].result("StreamInfo") as? [String: Any])
                let version = try #require(info["Version"] as? String)
                let arn = try #require(info["StreamARN"] as? String)
                let results = try await KVSTool.steps(
                    endpoint: url,
                    [
                        [
                            "op": "update_data_retention",
                            "args": [
                                "StreamName": "s1", "CurrentVersion": "stale",
                                "Operation": "INCREASE_DATA_RETENTION", "DataRetentionChangeInHours": 1,
                            ],
                        ],
                        [
                            "op": "update_data_retention",
                            "args": [
                                "StreamName": "s1", "CurrentVersion": version,
                                "Operation": "INCREASE_DATA_RETENTION", "DataRetentionChangeInHours": 10,
                            ],
                        ],
                        ["op": "describe_stream", "args": ["StreamARN": arn]],
                        [
                            "op": "update_data_retention",
                            "args": [
                                "StreamName": "s1", "CurrentVersion": version,
                                "Operation": "DECREASE_DATA_RETENTION", "DataRetentionChangeInHours": 1,
                            ],
                        ],
                        ["op": "delete_stream", "args": ["StreamARN": arn]],
                        ["op": "describe_stream", "args": ["StreamName": "s1"]],
                        ["op": "delete_stream", "args": ["StreamARN": arn]],
                    ], directory: directory)
                #expect(results[0].code == "VersionMismatchException")
                #expect(results[1].ok)
                let updated = try #require(results[2].result("StreamInfo") as? [String: Any])
                #expect(updated["DataRetentionInHours"] as? Int == 12)
                #expect(updated["Version"] as? String != version, "the version changes with each update")
                #expect(results[3].code == "VersionMismatchException")
                #expect(results[4].ok)
                #expect(results[5].code == "ResourceNotFoundException")
                #expect(results[5]["status"] as? Int == 404)
                #expect(results[6].code == "ResourceNotFoundException")
            }
        }
    }

    @Test func streamsAreRegional() async throws {
        try await withTemporaryDirectory { directory in
            try await withKVSServer(dataDirectory: directory) { _, url in
                let results = try await KVSTool.steps(
                    endpoint: url,
                    [
                        ["op": "create_stream", "region": "eu-west-1", "args": ["StreamName": "r"]],
                        ["op": "describe_stream", "region": "eu-west-1", "args": ["StreamName": "r"]],
                        ["op": "describe_stream", "region": "us-east-1", "args": ["StreamName": "r"]],
                        ["op": "list_streams", "region": "us-east-1", "args": [:]],
                    ], directory: directory)
                let arn = try #require(results[0].result("StreamARN") as? String)
                #expect(arn.hasPrefix("arn:aws:kinesisvideo:eu-west-1:"))
                #expect(results[1].ok)
                #expect(results[2].code == "ResourceNotFoundException")
                #expect((results[3].result("StreamInfoList") as? [Any])?.isEmpty == true)
            }
        }
    }
}
