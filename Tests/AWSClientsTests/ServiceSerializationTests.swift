import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

/// DynamoDB, Kinesis, S3 and CloudWatch requests compared with botocore's, beside the moto round trips: moto
/// accepts more than AWS does, botocore shows what AWS expects.
@Suite("Serialization vs botocore: DynamoDB, Kinesis, S3, CloudWatch")
struct ServiceSerializationTests {
    @Test("DynamoDB item and table calls")
    func dynamoDB() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let ddb = DynamoDBClient(client: try testClient(.dynamoDB, transport: http, endpoint: server.baseURL))
                let item: DynamoDBItem = [
                    "leaseKey": "cam-1", "counter": 3, "owner": .null, "blob": .b([0, 255]), "ok": true,
                    "tags": .ss(["a"]), "nested": .m(["l": .l([1, "x"])]),
                ]
                let expressions = DynamoDBExpressions(names: ["#o": "owner"], values: [":c": 2, ":w": "worker-1"])
                _ = try? await ddb.createTable(
                    .init(
                        tableName: "leases", attributeDefinitions: [.string("leaseKey")], keySchema: [.hash("leaseKey")]
                    ))
                _ = try? await ddb.describeTable("leases")
                _ = try? await ddb.getItem(tableName: "leases", key: ["leaseKey": "cam-1"], consistentRead: true)
                _ = try? await ddb.putItem(
                    .init(tableName: "leases", item: item, conditionExpression: "attribute_not_exists(leaseKey)"))
                _ = try? await ddb.updateItem(
                    .init(
                        tableName: "leases", key: ["leaseKey": "cam-1"], updateExpression: "SET #o = :w, counter = :c",
                        conditionExpression: "counter < :c", expressions: expressions, returnValues: "ALL_NEW"))
                _ = try? await ddb.deleteItem(
                    .init(
                        tableName: "leases", key: ["leaseKey": "cam-1"], conditionExpression: "#o = :w",
                        expressions: DynamoDBExpressions(names: ["#o": "owner"], values: [":w": "worker-1"])))
                _ = try? await ddb.query(
                    .init(
                        tableName: "t", keyConditionExpression: "pk = :p", filterExpression: "n > :n",
                        expressions: .init(values: [":p": "a", ":n": 1]), limit: 5,
                        exclusiveStartKey: ["pk": "a", "sk": 2],
                        consistentRead: true, scanIndexForward: false))
                _ = try? await ddb.scan(.init(tableName: "t", limit: 7, segment: 0, totalSegments: 2))
                let itemJSON: JSONInput = [
                    "leaseKey": ["S": "cam-1"], "counter": ["N": "3"], "owner": ["NULL": true],
                    "blob": ["B": .bytes([0, 255])],
                    "ok": ["BOOL": true], "tags": ["SS": ["a"]],
                    "nested": ["M": ["l": ["L": [["N": "1"], ["S": "x"]]]]],
                ]
                try await RequestComparison.compare(
                    [
                        (
                            "CreateTable",
                            call(
                                "dynamodb", "create_table",
                                [
                                    "TableName": "leases",
                                    "AttributeDefinitions": [["AttributeName": "leaseKey", "AttributeType": "S"]],
                                    "KeySchema": [["AttributeName": "leaseKey", "KeyType": "HASH"]],
                                    "BillingMode": "PAY_PER_REQUEST",
                                ])
                        ),
                        ("DescribeTable", call("dynamodb", "describe_table", ["TableName": "leases"])),
                        (
                            "GetItem",
                            call(
                                "dynamodb", "get_item",
                                [
                                    "TableName": "leases", "Key": ["leaseKey": ["S": "cam-1"]], "ConsistentRead": true,
                                ])
                        ),
                        (
                            "PutItem",
                            call(
                                "dynamodb", "put_item",
                                [
                                    "TableName": "leases", "Item": itemJSON,
                                    "ConditionExpression": "attribute_not_exists(leaseKey)",
                                ])
                        ),
                        (
                            "UpdateItem",
                            call(
                                "dynamodb", "update_item",
                                [
                                    "TableName": "leases", "Key": ["leaseKey": ["S": "cam-1"]],
                                    "UpdateExpression": "SET #o = :w, counter = :c",
                                    "ConditionExpression": "counter < :c",
                                    "ExpressionAttributeNames": ["#o": "owner"],
                                    "ExpressionAttributeValues": [":c": ["N": "2"], ":w": ["S": "worker-1"]],
                                    "ReturnValues": "ALL_NEW",
                                ])
                        ),
                        (
                            "DeleteItem",
                            call(
                                "dynamodb", "delete_item",
                                [
                                    "TableName": "leases", "Key": ["leaseKey": ["S": "cam-1"]],
                                    "ConditionExpression": "#o = :w",
                                    "ExpressionAttributeNames": ["#o": "owner"],
                                    "ExpressionAttributeValues": [":w": ["S": "worker-1"]],
                                ])
                        ),
                        (
                            "Query",
                            call(
                                "dynamodb", "query",
                                [
                                    "TableName": "t", "KeyConditionExpression": "pk = :p", "FilterExpression": "n > :n",
                                    "ExpressionAttributeValues": [":p": ["S": "a"], ":n": ["N": "1"]], "Limit": 5,
                                    "ExclusiveStartKey": ["pk": ["S": "a"], "sk": ["N": "2"]], "ConsistentRead": true,
                                    "ScanIndexForward": false,
                                ])
                        ),
                        (
                            "Scan",
                            call("dynamodb", "scan", ["TableName": "t", "Limit": 7, "Segment": 0, "TotalSegments": 2])
                        ),
                    ], captured: try server.requests())
            }
        }
    }

    @Test("Kinesis stream, shard and record calls")
    func kinesis() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let kinesis = KinesisClient(client: try testClient(.kinesis, transport: http, endpoint: server.baseURL))
                try? await kinesis.createStream("results", shardCount: 2)
                try? await kinesis.createStream("on-demand", shardCount: nil)
                _ = try? await kinesis.describeStreamSummary("results")
                _ = try? await kinesis.listShards("results")
                _ = try? await kinesis.getShardIterator(
                    streamName: "results", shardId: "shardId-000000000000",
                    position: .atTimestamp(Date(timeIntervalSince1970: 1_511_852_109)))
                _ = try? await kinesis.getShardIterator(
                    streamName: "results", shardId: "shardId-000000000001", position: .afterSequenceNumber("4960"))
                _ = try? await kinesis.getRecords(shardIterator: "AAAA", limit: 100)
                _ = try await kinesis.putRecords(
                    streamName: "results",
                    records: [
                        PutRecordsEntry(data: Array("{\"a\":1}".utf8), partitionKey: "cam-1"),
                        PutRecordsEntry(data: [0, 1, 2], partitionKey: "cam-2", explicitHashKey: "42"),
                    ], limits: PutRecordsLimits(maxAttempts: 1))
                try await RequestComparison.compare(
                    [
                        ("CreateStream", call("kinesis", "create_stream", ["StreamName": "results", "ShardCount": 2])),
                        (
                            "CreateStream on-demand",
                            call(
                                "kinesis", "create_stream",
                                [
                                    "StreamName": "on-demand", "StreamModeDetails": ["StreamMode": "ON_DEMAND"],
                                ])
                        ),
                        (
                            "DescribeStreamSummary",
                            call("kinesis", "describe_stream_summary", ["StreamName": "results"])
                        ),
                        ("ListShards", call("kinesis", "list_shards", ["StreamName": "results"])),
                        (
                            "GetShardIterator",
                            call(
                                "kinesis", "get_shard_iterator",
                                [
                                    "StreamName": "results", "ShardId": "shardId-000000000000",
                                    "ShardIteratorType": "AT_TIMESTAMP",
                                    "Timestamp": .timestamp(1_511_852_109),
                                ])
                        ),
                        (
                            "GetShardIterator after",
                            call(
                                "kinesis", "get_shard_iterator",
                                [
                                    "StreamName": "results", "ShardId": "shardId-000000000001",
                                    "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": "4960",
                                ])
                        ),
                        ("GetRecords", call("kinesis", "get_records", ["ShardIterator": "AAAA", "Limit": 100])),
                        (
                            "PutRecords",
                            call(
                                "kinesis", "put_records",
                                [
                                    "StreamName": "results",
                                    "Records": [
                                        ["Data": .bytes(Array("{\"a\":1}".utf8)), "PartitionKey": "cam-1"],
                                        ["Data": .bytes([0, 1, 2]), "PartitionKey": "cam-2", "ExplicitHashKey": "42"],
                                    ],
                                ])
                        ),
                    ], captured: try server.requests())
            }
        }
    }

    @Test("S3 object calls, path-style")
    func s3() async throws {
        try await withHTTPClient { http in
            try await withCaptureServer { server in
                let s3 = S3Client(
                    client: try testClient(.s3, transport: http, endpoint: server.baseURL), addressingStyle: .path)
                try? await s3.createBucket("kit-archive")
                _ = try? await s3.putObject(
                    bucket: "kit-archive", key: "cam 1/2024/frag+1.webm", body: [0x1A, 0x45, 0xDF, 0xA3],
                    contentType: "video/webm", metadata: ["stream": "cam-1"])
                _ = try? await s3.getObject(bucket: "kit-archive", key: "cam 1/2024/frag+1.webm", range: "bytes=0-1")
                _ = try? await s3.headObject(bucket: "kit-archive", key: "a.txt")
                _ = try? await s3.listObjectsV2(
                    .init(
                        bucket: "kit-archive", prefix: "cam 1/", delimiter: "/", maxKeys: 10, continuationToken: "c+1",
                        startAfter: "cam 1/0"))
                try await RequestComparison.compare(
                    [
                        ("CreateBucket", call("s3", "create_bucket", ["Bucket": "kit-archive"])),
                        (
                            "PutObject",
                            call(
                                "s3", "put_object",
                                [
                                    "Bucket": "kit-archive", "Key": "cam 1/2024/frag+1.webm",
                                    "Body": .bytes([0x1A, 0x45, 0xDF, 0xA3]),
                                    "ContentType": "video/webm", "Metadata": ["stream": "cam-1"],
                                ])
                        ),
                        (
                            "GetObject",
                            call(
                                "s3", "get_object",
                                [
                                    "Bucket": "kit-archive", "Key": "cam 1/2024/frag+1.webm", "Range": "bytes=0-1",
                                ])
                        ),
                        ("HeadObject", call("s3", "head_object", ["Bucket": "kit-archive", "Key": "a.txt"])),
                        (
                            "ListObjectsV2",
                            call(
                                "s3", "list_objects_v2",
                                [
                                    "Bucket": "kit-archive", "Prefix": "cam 1/", "Delimiter": "/", "MaxKeys": 10,
                                    "ContinuationToken": "c+1", "StartAfter": "cam 1/0",
                                ])
                        ),
                    ], captured: try server.requests())
            }
        }
    }

    @Test("CloudWatch PutMetricData and PutDashboard (query protocol)")
    func cloudWatch() async throws {
        let xml = { (action: String) in
            CaptureServer.Response(
                headers: ["Content-Type": "text/xml"],
                body: "<\(action)Response xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><\(action)Result/>"
                    + "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></\(action)Response>")
        }
        let routes = [
            CaptureServer.Route(method: "POST", path: "/", responses: [xml("PutMetricData"), xml("PutDashboard")])
        ]
        try await withHTTPClient { http in
            try await withCaptureServer(routes) { server in
                let cloudWatch = CloudWatchClient(
                    client: try testClient(.cloudWatch, transport: http, endpoint: server.baseURL))
                let when = Date(timeIntervalSince1970: 1_511_852_109)
                try await cloudWatch.putMetricData(
                    namespace: "KIT/Test",
                    data: [
                        MetricDatum(
                            metricName: "FramesDecoded", dimensions: [.init(name: "StreamName", value: "cam 1")],
                            timestamp: when, value: 12.5, unit: "Count", storageResolution: 1),
                        MetricDatum(
                            metricName: "Latency",
                            statisticValues: .init(sampleCount: 3, sum: 30, minimum: 5, maximum: 15),
                            unit: "Milliseconds"),
                        MetricDatum(metricName: "Histogram", values: [1, 2.5], counts: [3, 4]),
                    ])
                try await cloudWatch.putDashboard(name: "KIT", body: #"{"widgets":[]}"#)
                try await RequestComparison.compare(
                    [
                        (
                            "PutMetricData",
                            BotocoreOracle.Call(
                                service: "cloudwatch", method: "PutMetricData",
                                params: [
                                    "Namespace": "KIT/Test",
                                    "MetricData": [
                                        [
                                            "MetricName": "FramesDecoded",
                                            "Dimensions": [["Name": "StreamName", "Value": "cam 1"]],
                                            "Timestamp": .timestamp(1_511_852_109), "Value": 12.5, "Unit": "Count",
                                            "StorageResolution": 1,
                                        ],
                                        [
                                            "MetricName": "Latency", "Unit": "Milliseconds",
                                            "StatisticValues": [
                                                "SampleCount": 3.0, "Sum": 30.0, "Minimum": 5.0, "Maximum": 15.0,
                                            ],
                                        ],
                                        ["MetricName": "Histogram", "Values": [1.0, 2.5], "Counts": [3.0, 4.0]],
                                    ],
                                ], protocolOverride: "query")
                        ),
                        (
                            "PutDashboard",
                            BotocoreOracle.Call(
                                service: "cloudwatch", method: "PutDashboard",
                                params: ["DashboardName": "KIT", "DashboardBody": #"{"widgets":[]}"#],
                                protocolOverride: "query")
                        ),
                    ], captured: try server.requests())
            }
        }
    }
}

@Suite("Serialization vs botocore: S3 virtual-hosted style")
struct S3VirtualHostedSerializationTests {
    @Test("Virtual-hosted URLs, Host and x-amz-content-sha256 match botocore's")
    func virtualHosted() async throws {
        let transport = FakeTransport([.response(status: 200, body: "<ListBucketResult/>".bytes)])
        let endpoint = "https://s3.eu-west-1.amazonaws.com"
        let s3 = S3Client(client: try testClient(.s3, transport: transport, endpoint: endpoint, region: "eu-west-1"))
        try await s3.createBucket("kit-archive")
        try await s3.putObject(bucket: "kit-archive", key: "cam 1/frag+1.webm", body: [1, 2, 3])
        _ = try await s3.listObjectsV2(.init(bucket: "kit-archive", prefix: "cam 1/"))
        var calls = [
            call(
                "s3", "create_bucket",
                [
                    "Bucket": "kit-archive", "CreateBucketConfiguration": ["LocationConstraint": "eu-west-1"],
                ]),
            call(
                "s3", "put_object", ["Bucket": "kit-archive", "Key": "cam 1/frag+1.webm", "Body": .bytes([1, 2, 3])]),
            call("s3", "list_objects_v2", ["Bucket": "kit-archive", "Prefix": "cam 1/"]),
        ]
        for index in calls.indices {
            calls[index].endpoint = endpoint
            calls[index].addressing = "virtual"
            calls[index].region = "eu-west-1"
        }
        let theirs = try await BotocoreOracle.serialize(calls)
        let ours = transport.requests
        try #require(ours.count == theirs.count)
        for (request, expected) in zip(ours, theirs) {
            #expect(request.method.rawValue == expected.method)
            #expect(request.url.split(separator: "?").first == expected.url.split(separator: "?").first)
            // S3 signs the body's SHA-256: equal hashes mean byte-identical bodies (the CreateBucketConfiguration
            // document included). Over HTTPS botocore streams PutObject bodies aws-chunked with a trailing checksum
            // instead; we sign the whole body's hash, which S3 accepts just as well.
            if expected.headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
                #expect(request.headers["X-Amz-Content-SHA256"]?.utf8.count == 64)
            } else {
                #expect(request.headers["X-Amz-Content-SHA256"] == expected.headers["X-Amz-Content-SHA256"])
            }
            #expect(request.headers["Content-Type"] == expected.headers["Content-Type"])
        }
        #expect(ours[0].url == "https://kit-archive.s3.eu-west-1.amazonaws.com/")
        #expect(ours[1].url == "https://kit-archive.s3.eu-west-1.amazonaws.com/cam%201/frag%2B1.webm")
        #expect(ours[2].url.hasPrefix("https://kit-archive.s3.eu-west-1.amazonaws.com/?list-type=2"))
        #expect(ours[0].headers["Authorization"]?.contains("/eu-west-1/s3/aws4_request") == true)
    }
}
