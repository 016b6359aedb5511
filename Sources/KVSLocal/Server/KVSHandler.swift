import AWSSigV4
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns HTTP requests into KVS operations: finds the operation from the path (or `X-Amz-Target` for the tagging
/// API), checks the SigV4 header and takes the region from it, reads the body, applies injected faults, and answers
/// errors exactly as KVS does (`x-amzn-ErrorType`, the models' status, `{"message": ...}`).
struct KVSHandler: Sendable {
    let registry: StreamRegistry
    let control: ControlPlane
    let faults: FaultInjector
    let configuration: KVSLocalServer.Configuration
    let logger: Logger

    static let requestIDHeader = field("x-amzn-RequestId")
    static let errorTypeHeader = field("x-amzn-ErrorType")
    static let targetHeader = field("X-Amz-Target")
    static let amzDateHeader = field("X-Amz-Date")
    static let contentSHA256Header = field("X-Amz-Content-SHA256")
    static let streamNameHeader = field("x-amzn-stream-name")
    static let streamARNHeader = field("x-amzn-stream-arn")
    static let timecodeTypeHeader = field("x-amzn-fragment-timecode-type")
    static let producerStartHeader = field("x-amzn-producer-start-timestamp")

    /// A header name from a literal that is a valid token (the fallback is never taken; it only spares a `!`).
    private static func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name) ?? .contentType }

    /// Operation name by request path (REST-JSON planes).
    static let operations: [String: String] = [
        "/createStream": "CreateStream", "/describeStream": "DescribeStream", "/listStreams": "ListStreams",
        "/deleteStream": "DeleteStream", "/updateDataRetention": "UpdateDataRetention",
        "/updateStream": "UpdateStream", "/getDataEndpoint": "GetDataEndpoint", "/tagStream": "TagStream",
        "/untagStream": "UntagStream", "/listTagsForStream": "ListTagsForStream", "/TagResource": "TagResource",
        "/UntagResource": "UntagResource", "/ListTagsForResource": "ListTagsForResource", "/putMedia": "PutMedia",
        "/getMedia": "GetMedia", "/listFragments": "ListFragments",
        "/getMediaForFragmentList": "GetMediaForFragmentList",
    ]
    static let taggingTargetPrefix = "ResourceGroupsTaggingAPI_20170126."

    /// A response, and whether to send `100 Continue` before it (a PutMedia whose client asked, once accepted).
    struct Answer: Sendable {
        var response: Response
        var continueFirst = false
    }

    func respond(to request: Request, context: BasicRequestContext) async -> Answer {
        let requestID = UUID().uuidString
        let path = request.uri.path
        if path.hasPrefix("/_kvslocal/") {
            return Answer(response: await admin(request, path: path, requestID: requestID))
        }
        var operation: String
        var isTagging = false
        if let name = Self.operations[path] {
            operation = name
        } else if path == "/", let target = request.headers[Self.targetHeader],
            target.hasPrefix(Self.taggingTargetPrefix)
        {
            operation = String(target.dropFirst(Self.taggingTargetPrefix.count))
            isTagging = true
        } else {
            return Answer(
                response: Self.errorResponse(
                    KVSError(.unknownOperation, "Unknown operation: \(request.method) \(path)"), requestID: requestID,
                    json11: path == "/"))
        }
        do throws(KVSError) {
            guard request.method == .post else {
                throw KVSError(.unknownOperation, "\(operation) is only served for POST")
            }
            let response = try await handle(
                request, operation: operation, isTagging: isTagging, requestID: requestID)
            let expectsContinue = request.headers[.expect]?.lowercased() == "100-continue"
            return Answer(response: response, continueFirst: operation == "PutMedia" && expectsContinue)
        } catch {
            if error.code.status >= 500 {
                logger.warning("\(operation) failed: \(error)", metadata: ["request-id": "\(requestID)"])
            } else {
                logger.debug("\(operation) refused: \(error)", metadata: ["request-id": "\(requestID)"])
            }
            return Answer(response: Self.errorResponse(error, requestID: requestID, json11: isTagging))
        }
    }

    private func handle(_ request: Request, operation: String, isTagging: Bool, requestID: String)
        async throws(KVSError) -> Response
    {
        let body: [UInt8]
        if operation == "PutMedia" {
            body = []
        } else {
            do {
                var buffer = try await request.body.collect(upTo: configuration.limits.maxRequestBodyBytes)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                throw KVSError(
                    .invalidArgument,
                    "the request body is larger than \(configuration.limits.maxRequestBodyBytes) bytes")
            }
        }
        let region = try authorize(
            request, service: isTagging ? "tagging" : "kinesisvideo", body: body, streaming: operation == "PutMedia")

        // Faults are decided per stream: the name comes from the body (or PutMedia's headers).
        var streamName: String?
        if operation == "PutMedia" {
            streamName =
                request.headers[Self.streamNameHeader]
                ?? request.headers[Self.streamARNHeader].flatMap { StreamMetadata.parseARN($0)?.name }
        } else if let selector = try? JSONInput.decode(StreamSelector.self, from: body) {
            streamName = selector.streamName ?? selector.streamARN.flatMap { StreamMetadata.parseARN($0)?.name }
        }
        let fault = faults.decide(operation: operation, stream: streamName)
        if let latency = fault.latency {
            do {
                try await Task.sleep(for: latency)
            } catch {
                throw KVSError(.internalFailure, "cancelled")
            }
        }
        if let error = fault.error { throw error }

        if isTagging {
            guard operation == "GetResources" else {
                throw KVSError(.unknownOperation, "The tagging operation \(operation) is not served by kvs-local")
            }
            return Self.json(try await control.getResources(region: region, body), requestID: requestID)
        }
        switch operation {
        case "CreateStream":
            return Self.json(try await control.createStream(region: region, body), requestID: requestID)
        case "DescribeStream":
            return Self.json(try await control.describeStream(region: region, body), requestID: requestID)
        case "ListStreams": return Self.json(try await control.listStreams(region: region, body), requestID: requestID)
        case "DeleteStream":
            return Self.json(try await control.deleteStream(region: region, body), requestID: requestID)
        case "UpdateDataRetention":
            return Self.json(try await control.updateDataRetention(region: region, body), requestID: requestID)
        case "UpdateStream":
            return Self.json(try await control.updateStream(region: region, body), requestID: requestID)
        case "GetDataEndpoint":
            return Self.json(
                try await control.getDataEndpoint(region: region, body, requestHost: request.head.authority),
                requestID: requestID)
        case "TagStream": return Self.json(try await control.tagStream(region: region, body), requestID: requestID)
        case "UntagStream": return Self.json(try await control.untagStream(region: region, body), requestID: requestID)
        case "ListTagsForStream":
            return Self.json(try await control.listTagsForStream(region: region, body), requestID: requestID)
        case "TagResource": return Self.json(try await control.tagResource(region: region, body), requestID: requestID)
        case "UntagResource":
            return Self.json(try await control.untagResource(region: region, body), requestID: requestID)
        case "ListTagsForResource":
            return Self.json(try await control.listTagsForResource(region: region, body), requestID: requestID)
        case "GetMedia":
            return try await getMedia(request, region: region, body: body, fault: fault, requestID: requestID)
        case "PutMedia":
            return try await putMedia(request, region: region, requestID: requestID)
        case "ListFragments":
            return try await listFragments(region: region, body: body, requestID: requestID)
        case "GetMediaForFragmentList":
            return try await getMediaForFragmentList(
                request, region: region, body: body, fault: fault, requestID: requestID)
        default:
            throw KVSError(.unknownOperation, "Unknown operation \(operation)")
        }
    }

    // MARK: Authorization

    /// The region of a request, from its SigV4 credential scope.
    private func authorize(_ request: Request, service: String, body: [UInt8], streaming: Bool) throws(KVSError)
        -> String
    {
        let header = request.headers[.authorization]
        if case .unsigned = configuration.authorization.mode, header == nil { return "us-east-1" }
        let auth = try SigV4Authorization.parse(
            header: header, amzDate: request.headers[Self.amzDateHeader], expectedService: service)
        if case .verify(let secrets) = configuration.authorization.mode {
            guard let secret = secrets[auth.accessKeyID] else {
                throw KVSError(.unrecognizedClient, "The security token included in the request is invalid.")
            }
            let payload: PayloadHash
            if let declared = request.headers[Self.contentSHA256Header] {
                payload = PayloadHash(literal: declared)
            } else {
                payload = streaming ? .emptySHA256 : .sha256(of: body)
            }
            var headers: [(String, String)] = [("host", request.head.authority ?? "")]
            for field in request.headers { headers.append((field.name.canonicalName, field.value)) }
            let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let valid = auth.verify(
                secret: secret, method: request.method.rawValue, path: request.uri.path, query: query,
                headers: headers, payloadHash: payload)
            guard valid else {
                throw KVSError(
                    .invalidSignature,
                    "The request signature we calculated does not match the signature you provided.")
            }
        }
        return auth.region
    }

    // MARK: Responses

    static func json(_ body: [UInt8], requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[requestIDHeader] = requestID
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func errorResponse(_ error: KVSError, requestID: String, json11: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = json11 ? "application/x-amz-json-1.1" : "application/json"
        headers[requestIDHeader] = requestID
        headers[errorTypeHeader] = error.code.serviceCode
        return Response(
            status: HTTPResponse.Status(code: error.code.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.body(jsonTypeField: json11))))
    }

    // MARK: Admin

    struct FaultUpdate: Decodable {
        var streamName: String?
        var rule: FaultRule?

        enum CodingKeys: String, CodingKey {
            case streamName = "StreamName"
            case rule = "Rule"
        }
    }

    struct FaultState: Encodable {
        var allStreams: FaultRule?
        var streams: [String: FaultRule]

        enum CodingKeys: String, CodingKey {
            case allStreams = "AllStreams"
            case streams = "Streams"
        }
    }

    /// `GET /_kvslocal/health`, `GET /_kvslocal/faults`, `POST /_kvslocal/faults` with
    /// `{"StreamName": "s" (omit for every stream), "Rule": {...} (omit or null to clear)}`. Unsigned: it is not an
    /// AWS API.
    private func admin(_ request: Request, path: String, requestID: String) async -> Response {
        switch (path, request.method) {
        case ("/_kvslocal/health", _):
            return Self.json(Array("{\"status\":\"ok\"}".utf8), requestID: requestID)
        case ("/_kvslocal/faults", .get):
            let current = faults.configuration
            return Self.json(
                JSONOutput.encode(FaultState(allStreams: current.allStreams, streams: current.streams)),
                requestID: requestID)
        case ("/_kvslocal/faults", .post):
            do {
                var buffer = try await request.body.collect(upTo: 1 << 16)
                let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                let update = try JSONInput.decode(FaultUpdate.self, from: bytes)
                faults.setRule(update.rule, stream: update.streamName)
                let current = faults.configuration
                return Self.json(
                    JSONOutput.encode(FaultState(allStreams: current.allStreams, streams: current.streams)),
                    requestID: requestID)
            } catch let error as KVSError {
                return Self.errorResponse(error, requestID: requestID, json11: false)
            } catch {
                return Self.errorResponse(
                    KVSError(.invalidArgument, "the body is too large"), requestID: requestID, json11: false)
            }
        default:
            return Self.errorResponse(
                KVSError(.unknownOperation, "Unknown admin call \(request.method) \(path)"), requestID: requestID,
                json11: false)
        }
    }
}
