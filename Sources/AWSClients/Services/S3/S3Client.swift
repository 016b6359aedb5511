import AWSCore
import Foundation
import HTTPTransportCore

/// Amazon S3 over REST-XML: the object calls the archive plugin needs. Requests are signed with S3's rules (the
/// path as sent, `x-amz-content-sha256` always present with the body's SHA-256).
public struct S3Client: Sendable {
    public let client: AWSClient
    public var addressingStyle: S3AddressingStyle

    public init(client: AWSClient, addressingStyle: S3AddressingStyle = .automatic) {
        self.client = client
        self.addressingStyle = addressingStyle
    }

    public init(
        region: String? = nil, endpoint: String? = nil, signer: (any AWSRequestSigner)?,
        transport: any HTTPExecuting, addressingStyle: S3AddressingStyle = .automatic,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        client = try AWSClient(
            service: .s3, region: region, endpoint: endpoint, signer: signer,
            transport: transport, environment: environment)
        self.addressingStyle = addressingStyle
    }

    /// Creates a bucket in the client's region (`CreateBucketConfiguration` outside `us-east-1`).
    public func createBucket(_ bucket: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSError) {
        var body: [UInt8] = []
        if client.region != "us-east-1" {
            // Byte for byte what botocore sends (no Content-Type, as there).
            body = Array(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<LocationConstraint>\(AWSXML.escape(client.region))</LocationConstraint>"
                    + "</CreateBucketConfiguration>").utf8)
        }
        _ = try await client.send(
            request("S3.CreateBucket", .put, bucket: bucket, key: nil, body: body, idempotent: false),
            deadline: deadline)
    }

    /// Stores `body` under `key`. `metadata` becomes `x-amz-meta-*` headers.
    @discardableResult
    public func putObject(
        bucket: String, key: String, body: [UInt8], contentType: String? = nil, metadata: [String: String] = [:],
        deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> PutObjectOutput {
        var headers: HTTPHeaders = [:]
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers.add(name: "x-amz-meta-\(name)", value: value)
        }
        let response = try await client.send(
            request("S3.PutObject", .put, bucket: bucket, key: key, headers: headers, body: body, idempotent: true),
            deadline: deadline)
        return PutObjectOutput(eTag: response.headers["ETag"], versionId: response.headers["x-amz-version-id"])
    }

    /// The whole object, buffered (bounded by the transport's maximum body size). `range` is an HTTP `Range`
    /// value such as `bytes=0-1023`.
    public func getObject(
        bucket: String, key: String, range: String? = nil, deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> S3Object {
        var headers: HTTPHeaders = [:]
        if let range { headers.add(name: "Range", value: range) }
        let response = try await client.send(
            request("S3.GetObject", .get, bucket: bucket, key: key, headers: headers, idempotent: true),
            deadline: deadline)
        return S3Object(metadata: S3ObjectMetadata(headers: response.headers), body: response.body)
    }

    /// The object's body as it arrives, for objects too big to buffer.
    public func getObjectStream(bucket: String, key: String, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> (metadata: S3ObjectMetadata, body: AWSByteStream)
    {
        let response = try await client.stream(
            request("S3.GetObject", .get, bucket: bucket, key: key, idempotent: true), deadline: deadline)
        return (S3ObjectMetadata(headers: response.headers), response.body)
    }

    /// The object's metadata; a missing object throws with ``AWSError/isNotFound`` (`serviceCode` `404`: a HEAD
    /// response has no error document).
    public func headObject(bucket: String, key: String, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> S3ObjectMetadata
    {
        let response = try await client.send(
            request("S3.HeadObject", .head, bucket: bucket, key: key, idempotent: true), deadline: deadline)
        return S3ObjectMetadata(headers: response.headers)
    }

    /// One page of `ListObjectsV2`.
    public func listObjectsV2(_ input: ListObjectsV2Input, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> ListObjectsV2Output
    {
        var query: [AWSQueryItem] = [.init("list-type", "2")]
        if let value = input.continuationToken { query.append(.init("continuation-token", value)) }
        if let value = input.delimiter { query.append(.init("delimiter", value)) }
        if let value = input.maxKeys { query.append(.init("max-keys", String(value))) }
        if let value = input.prefix { query.append(.init("prefix", value)) }
        if let value = input.startAfter { query.append(.init("start-after", value)) }
        query.append(.init("encoding-type", "url"))
        var listRequest = request("S3.ListObjectsV2", .get, bucket: input.bucket, key: nil, idempotent: true)
        listRequest.queryItems = query
        let response = try await client.send(listRequest, deadline: deadline)
        return ListObjectsV2Output(try AWSClient.parseXML(response.body, operation: "S3.ListObjectsV2"))
    }

    /// Every page of `ListObjectsV2` for `input` (its continuation token is ignored).
    public func listObjectsV2Pages(_ input: ListObjectsV2Input) -> AWSPaginator<ListObjectsV2Output> {
        let client = self
        return AWSPaginator(operation: "S3.ListObjectsV2") { (token) async throws(AWSError) in
            var pageInput = input
            pageInput.continuationToken = token
            let page = try await client.listObjectsV2(pageInput)
            return (page, page.isTruncated ? page.nextContinuationToken : nil)
        }
    }

    // MARK: - Addressing

    func request(
        _ operation: String, _ method: HTTPMethod, bucket: String, key: String?, headers: HTTPHeaders = [:],
        body: [UInt8] = [], idempotent: Bool
    ) -> AWSRequest {
        let keyPath = key.map { "/" + URIEncoding.encodePath($0) } ?? ""
        let virtual = usesVirtualHost(bucket)
        return AWSRequest(
            operation: operation, method: method,
            path: virtual ? (keyPath.isEmpty ? "/" : keyPath) : "/" + URIEncoding.encodePathSegment(bucket) + keyPath,
            headers: headers, body: body.isEmpty ? .empty : .bytes(body), isIdempotent: idempotent,
            hostOverride: virtual ? "\(bucket).\(client.endpoint.host)" : nil)
    }

    func usesVirtualHost(_ bucket: String) -> Bool {
        switch addressingStyle.kind {
        case .path: return false
        case .virtualHosted: return true
        case .automatic:
            let endpoint = client.endpoint
            guard !endpoint.hostIsIPAddress, endpoint.host != "localhost" else { return false }
            return Self.isDNSCompatible(bucket, allowDots: endpoint.scheme == "http")
        }
    }

    /// 3–63 characters of `a-z 0-9 - .`, starting and ending with a letter or digit, not an IP address; dots only
    /// where TLS certificates do not matter.
    static func isDNSCompatible(_ bucket: String, allowDots: Bool) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else {
            return false
        }
        guard
            bytes.allSatisfy({
                isAlphanumeric($0) || $0 == UInt8(ascii: "-") || (allowDots && $0 == UInt8(ascii: "."))
            })
        else { return false }
        guard !bucket.contains(".."), !bucket.contains(".-"), !bucket.contains("-.") else { return false }
        return AWSEndpoint.isIPv4(bucket) == false
    }
}
