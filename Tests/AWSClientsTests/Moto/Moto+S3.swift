import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

extension MotoIntegrationTests {
    @Suite("S3")
    struct S3Tests {
        @Test("Create bucket, put, get, head and stream objects (path-style)")
        func objects() async throws {
            try await withHTTPClient { http in
                let s3 = S3Client(client: try await Moto.client(.s3, transport: http))
                #expect(!s3.usesVirtualHost("any-bucket"), "an IP endpoint must use path-style")
                let bucket = Moto.uniqueName("kit-archive")
                try await s3.createBucket(bucket)
                let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let key = "cam 1/2024-05-01/frag+913 ü.webm"
                let put = try await s3.putObject(
                    bucket: bucket, key: key, body: body, contentType: "video/webm", metadata: ["stream": "cam-1"])
                #expect(put.eTag != nil)

                let object = try await s3.getObject(bucket: bucket, key: key)
                #expect(object.body == body)
                #expect(object.metadata.contentType == "video/webm")
                #expect(object.metadata.metadata["stream"] == "cam-1")
                #expect(object.metadata.eTag == put.eTag)

                let head = try await s3.headObject(bucket: bucket, key: key)
                #expect(head.contentLength == Int64(body.count))
                #expect(head.lastModified != nil)

                let range = try await s3.getObject(bucket: bucket, key: key, range: "bytes=10-19")
                #expect(range.body == Array(body[10...19]))

                let (_, stream) = try await s3.getObjectStream(bucket: bucket, key: key)
                #expect(try await stream.collect(upTo: 1 << 20) == body)
            }
        }

        @Test("ListObjectsV2 pages with prefix and delimiter; keys decoded from encoding-type=url")
        func listing() async throws {
            try await withHTTPClient { http in
                let s3 = S3Client(client: try await Moto.client(.s3, transport: http))
                let bucket = Moto.uniqueName("kit-list")
                try await s3.createBucket(bucket)
                let keys = [
                    "cam 1/a.txt", "cam 1/b+c.txt", "cam 1/sub/d.txt", "cam 1/e&f.txt", "cam 1/g.txt", "other/x.txt",
                ]
                for key in keys { try await s3.putObject(bucket: bucket, key: key, body: Array(key.utf8)) }

                var pages = 0
                var listed: [String] = []
                var prefixes: [String] = []
                for try await page in s3.listObjectsV2Pages(
                    .init(bucket: bucket, prefix: "cam 1/", delimiter: "/", maxKeys: 2))
                {
                    pages += 1
                    listed += page.contents.map(\.key)
                    prefixes += page.commonPrefixes
                }
                #expect(listed.sorted() == ["cam 1/a.txt", "cam 1/b+c.txt", "cam 1/e&f.txt", "cam 1/g.txt"])
                #expect(prefixes == ["cam 1/sub/"])
                #expect(pages >= 3)

                let all = try await s3.listObjectsV2(.init(bucket: bucket))
                #expect(all.contents.map(\.key).sorted() == keys.sorted())
                #expect(all.contents.allSatisfy { ($0.size ?? 0) > 0 && $0.lastModified != nil })
            }
        }

        @Test("Missing objects and buckets map to recognisable errors")
        func missing() async throws {
            try await withHTTPClient { http in
                let s3 = S3Client(client: try await Moto.client(.s3, transport: http))
                let bucket = Moto.uniqueName("kit-missing")
                try await s3.createBucket(bucket)
                let head = await #expect(throws: AWSError.self) { try await s3.headObject(bucket: bucket, key: "nope") }
                #expect(head?.isNotFound == true)
                #expect(head?.serviceCode == "404")
                let get = await #expect(throws: AWSError.self) { try await s3.getObject(bucket: bucket, key: "nope") }
                #expect(get?.serviceCode == "NoSuchKey")
                let noBucket = await #expect(throws: AWSError.self) {
                    try await s3.listObjectsV2(.init(bucket: Moto.uniqueName("absent")))
                }
                #expect(noBucket?.serviceCode == "NoSuchBucket")
            }
        }
    }
}
