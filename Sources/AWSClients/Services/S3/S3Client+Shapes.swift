import AWSCore
import Foundation
import HTTPTransportCore

/// How bucket names go into requests.
public struct S3AddressingStyle: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Hashable {
        case path, virtualHosted, automatic
    }
    let kind: Kind
    /// `https://s3.us-east-1.amazonaws.com/bucket/key` — works with any bucket name and local stand-ins.
    public static let path = S3AddressingStyle(kind: .path)
    /// `https://bucket.s3.us-east-1.amazonaws.com/key` — what AWS recommends.
    public static let virtualHosted = S3AddressingStyle(kind: .virtualHosted)
    /// Virtual-hosted when the bucket name is a valid DNS label (without dots over HTTPS) and the endpoint is a
    /// host name, else path-style (botocore's `auto`, plus IP-address endpoints such as moto on 127.0.0.1).
    public static let automatic = S3AddressingStyle(kind: .automatic)
    public var description: String { "\(kind)" }
}

public struct PutObjectOutput: Sendable, Hashable {
    public var eTag: String?
    public var versionId: String?
}

/// What `HeadObject` (and `GetObject`, beside the body) says about an object.
public struct S3ObjectMetadata: Sendable, Hashable {
    public var contentLength: Int64?
    public var contentType: String?
    public var eTag: String?
    public var lastModified: Date?
    public var versionId: String?
    /// `x-amz-meta-*` headers, names without the prefix, lower-cased.
    public var metadata: [String: String]

    init(headers: HTTPHeaders) {
        contentLength = headers["Content-Length"].flatMap { Int64($0) }
        contentType = headers["Content-Type"]
        eTag = headers["ETag"]
        lastModified = headers["Last-Modified"].flatMap(AWSTimestamps.parseRFC1123)
        versionId = headers["x-amz-version-id"]
        var metadata: [String: String] = [:]
        for field in headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        self.metadata = metadata
    }
}

public struct S3Object: Sendable, Hashable {
    public var metadata: S3ObjectMetadata
    public var body: [UInt8]
}

public struct S3ObjectSummary: Sendable, Hashable {
    public var key: String
    public var size: Int64?
    public var eTag: String?
    public var lastModified: Date?
    public var storageClass: String?
}

public struct ListObjectsV2Input: Sendable, Hashable {
    public var bucket: String
    public var prefix: String?
    public var delimiter: String?
    public var maxKeys: Int?
    public var continuationToken: String?
    public var startAfter: String?

    public init(
        bucket: String, prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil,
        continuationToken: String? = nil, startAfter: String? = nil
    ) {
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.maxKeys = maxKeys
        self.continuationToken = continuationToken
        self.startAfter = startAfter
    }
}

public struct ListObjectsV2Output: Sendable, Hashable {
    public var contents: [S3ObjectSummary]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var keyCount: Int?
    public var nextContinuationToken: String?

    /// Reads `<ListBucketResult>`; with `encoding-type=url` (always requested) keys and prefixes arrive
    /// form-encoded and are decoded here, as botocore does.
    init(_ root: AWSXML.Element) {
        let urlEncoded = root.childText("EncodingType") == "url"
        func text(_ value: String?) -> String? {
            guard let value else { return nil }
            guard urlEncoded else { return value }
            return URIEncoding.decode(value.replacingOccurrences(of: "+", with: " ")) ?? value
        }
        contents = root.children("Contents").map { element in
            S3ObjectSummary(
                key: text(element.childText("Key")) ?? "",
                size: element.childText("Size").flatMap { Int64($0) },
                eTag: element.childText("ETag"),
                lastModified: element.childText("LastModified").flatMap(AWSTimestamps.parseISO8601),
                storageClass: element.childText("StorageClass"))
        }
        commonPrefixes = root.children("CommonPrefixes").compactMap { text($0.childText("Prefix")) }
        isTruncated = root.childText("IsTruncated") == "true"
        keyCount = root.childText("KeyCount").flatMap { Int($0) }
        nextContinuationToken = root.childText("NextContinuationToken")
    }
}
