import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

@Suite("Protocol building blocks")
struct ProtocolUnitTests {
    @Test("XML: namespaces, entities, CDATA, comments, self-closing elements")
    func xml() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- leading comment -->
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><s3:Prefix xmlns:s3="x">a&amp;b &#x41;&#66;</s3:Prefix>
              <Contents><Key><![CDATA[<raw>&]]></Key><Size>12</Size></Contents>
              <Contents><Key>two</Key><Empty/></Contents>
            </ListBucketResult>
            """
        let root = try AWSXML.parse(document.bytes)
        #expect(root.name == "ListBucketResult")
        #expect(root.childText("Name") == "bucket")
        #expect(root.childText("Prefix") == "a&b AB")
        #expect(root.children("Contents").map { $0.childText("Key") } == ["<raw>&", "two"])
        #expect(root.children("Contents")[1].child("Empty")?.text == "")
        #expect(root.attributes["xmlns"] == "http://s3.amazonaws.com/doc/2006-03-01/")
        #expect(AWSXML.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;")
    }

    @Test(
        "XML: malformed documents and DTDs are refused",
        arguments: [
            "<a><b></a>", "<a>", "text", "<a></a><b></b>",
            "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>",
            "<a>&unknown;</a>",
        ])
    func xmlRefused(_ text: String) {
        #expect(throws: AWSXML.ParseError.self) { try AWSXML.parse(text.bytes) }
    }

    @Test("Timestamps: ISO 8601 both ways, RFC 1123, epoch seconds to the millisecond")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 1_511_852_109.126)
        #expect(AWSTimestamps.iso8601(date) == "2017-11-28T06:55:09.126Z")
        #expect(AWSTimestamps.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(AWSTimestamps.iso8601(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
        #expect(AWSTimestamps.parseISO8601("2017-11-28T06:55:09.126Z")?.timeIntervalSince1970 == 1_511_852_109.126)
        #expect(AWSTimestamps.parseISO8601("2017-11-28T08:55:09+02:00")?.timeIntervalSince1970 == 1_511_852_109)
        #expect(AWSTimestamps.parseISO8601("2017-11-28 06:55") == nil)
        #expect(AWSTimestamps.parseRFC1123("Tue, 28 Nov 2017 06:55:09 GMT")?.timeIntervalSince1970 == 1_511_852_109)
        #expect(AWSTimestamps.epochSeconds(date) == 1_511_852_109.126)
        #expect(PutMediaInput.timestampHeader(date) == "1511852109.126")
        #expect(PutMediaInput.timestampHeader(Date(timeIntervalSince1970: 5.007)) == "5.007")
    }

    @Test("Endpoints: ports, default ports, base paths, IP hosts; bad URLs refused")
    func endpoints() throws {
        let local = try AWSEndpoint(url: "http://127.0.0.1:5000/")
        #expect(local.authority == "127.0.0.1:5000")
        #expect(local.basePath == "")
        #expect(local.hostIsIPAddress)
        let aws = try AWSEndpoint(url: "https://Kinesisvideo.us-east-1.amazonaws.com:443/prefix")
        #expect(aws.authority == "kinesisvideo.us-east-1.amazonaws.com")
        #expect(aws.basePath == "/prefix")
        #expect(!aws.hostIsIPAddress)
        for bad in ["ftp://x", "http://", "http://user@host", "http://host:99999", "host:80", "http://a b"] {
            #expect(throws: AWSError.self, "\(bad)") { try AWSEndpoint(url: bad) }
        }
    }

    @Test("Query parameters are RFC 3986 encoded in order")
    func queryEncoding() {
        var parameters = QueryParameters(action: "PutDashboard", version: "2010-08-01")
        parameters.add("DashboardBody", #"{"widgets": [1]}"#)
        parameters.add("Value", 1.5)
        parameters.add("Count", 3)
        parameters.add("Skipped", nil as String?)
        #expect(
            String(decoding: parameters.encoded, as: UTF8.self)
                == "Action=PutDashboard&Version=2010-08-01&DashboardBody=%7B%22widgets%22%3A%20%5B1%5D%7D&Value=1.5&Count=3"
        )
    }

    @Test("AttributeValue: every type round-trips through its wire JSON")
    func attributeValues() throws {
        let item: DynamoDBItem = [
            "s": "text", "n": 42, "b": .b([0, 1, 255]), "bool": true, "null": .null,
            "m": .m(["inner": .n("1.5")]), "l": .l(["x", 1]), "ss": .ss(["a", "b"]), "ns": .ns(["1", "2"]),
            "bs": .bs([[1], [2, 3]]),
        ]
        let json = try AWSJSON.encode(item, operation: "test")
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""b":{"B":"AAH/"}"#))
        #expect(text.contains(#""null":{"NULL":true}"#))
        #expect(text.contains(#""n":{"N":"42"}"#))
        let back = try AWSJSON.decode(DynamoDBItem.self, from: json, operation: "test")
        #expect(back == item)
        #expect(throws: AWSError.self) {
            try AWSJSON.decode(AttributeValue.self, from: #"{"S":"a","N":"1"}"#.bytes, operation: "test")
        }
    }

    @Test("PutRecords batches stay within 500 records and 5 MiB, in order")
    func putRecordsBatches() {
        let small = (0..<1200).map { PutRecordsEntry(data: [UInt8](repeating: 1, count: 10), partitionKey: "k\($0)") }
        let batches = KinesisClient.batches(of: Array(small.indices), records: small, limits: PutRecordsLimits())
        #expect(batches.map(\.count) == [500, 500, 200])
        #expect(batches.flatMap { $0 } == Array(small.indices))

        let big = (0..<12).map { _ in PutRecordsEntry(data: [UInt8](repeating: 2, count: 1 << 20), partitionKey: "p") }
        let bigBatches = KinesisClient.batches(of: Array(big.indices), records: big, limits: PutRecordsLimits())
        #expect(bigBatches.map(\.count) == [4, 4, 4])
        #expect(bigBatches.allSatisfy { batch in batch.map { big[$0].wireSize }.reduce(0, +) <= 5 * 1024 * 1024 })
    }

    @Test("PutMetricData splits by datum count, body size and values per datum")
    func metricBatches() throws {
        var limits = CloudWatchClient.Limits()
        let data = (0..<2500).map { MetricDatum(metricName: "m\($0)", value: Double($0)) }
        let batches = try CloudWatchClient.batches(namespace: "KIT", data: data, limits: limits)
        #expect(batches.map(\.count) == [1000, 1000, 500])

        limits.maxBodyBytes = 4000
        let sized = try CloudWatchClient.batches(namespace: "KIT", data: data, limits: limits)
        for batch in sized {
            var parameters = QueryParameters(action: "PutMetricData", version: "2010-08-01")
            parameters.add("Namespace", "KIT")
            for (index, datum) in batch.enumerated() { datum.encode(into: &parameters, index: index + 1) }
            #expect(parameters.encoded.count <= 4000)
        }
        #expect(sized.flatMap { $0 }.map(\.metricName) == data.map(\.metricName))

        let histogram = MetricDatum(
            metricName: "latency", values: (0..<400).map(Double.init), counts: [Double](repeating: 1, count: 400))
        let parts = CloudWatchClient.splitValues(histogram, max: 150)
        #expect(parts.map(\.values.count) == [150, 150, 100])
        #expect(parts.map(\.counts.count) == [150, 150, 100])
    }

    @Test("S3 addressing: path-style for IP endpoints, virtual-hosted for DNS-safe buckets")
    func s3Addressing() throws {
        let transport = FakeTransport([.response(status: 200)])
        let local = S3Client(client: try testClient(.s3, transport: transport, endpoint: "http://127.0.0.1:5000"))
        let pathRequest = local.request("S3.GetObject", .get, bucket: "my-bucket", key: "a/b c+d.txt", idempotent: true)
        #expect(pathRequest.path == "/my-bucket/a/b%20c%2Bd.txt")
        #expect(pathRequest.hostOverride == nil)

        let aws = S3Client(
            client: try testClient(.s3, transport: transport, endpoint: "https://s3.us-east-1.amazonaws.com"))
        let virtual = aws.request("S3.GetObject", .get, bucket: "my-bucket", key: "k", idempotent: true)
        #expect(virtual.path == "/k")
        #expect(virtual.hostOverride == "my-bucket.s3.us-east-1.amazonaws.com")
        #expect(
            aws.request("S3.CreateBucket", .put, bucket: "my.bucket", key: nil, idempotent: false).path == "/my.bucket")
        #expect(!S3Client.isDNSCompatible("My_Bucket", allowDots: false))
        #expect(!S3Client.isDNSCompatible("192.168.1.1", allowDots: true))
        #expect(S3Client.isDNSCompatible("kit-archive-01", allowDots: false))
    }
}
