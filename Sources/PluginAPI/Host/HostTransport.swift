import AWSCore
import CKITPlugin
import Foundation
import HTTPTransportCore
import KITPluginPairs

/// ``HTTPExecuting`` over the host's `http_send`: the plugin's AWS clients send through the host's libcurl pool.
/// Responses arrive whole; ``stream(_:deadline:)`` hands them out as one chunk (what plugins fetch — an archived
/// fragment, an S3 object — is bounded by the host's body limit). Streaming request bodies cannot cross.
struct HostTransport: HTTPExecuting {
    let host: HostTable

    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError) -> HTTPResponse {
        guard let body = request.body.bufferedBytes else {
            throw HTTPError(code: .invalidRequest, message: "streaming request bodies cannot cross the plugin boundary")
        }
        var timeoutMs: Int64 = 0
        if let deadline {
            let (seconds, attoseconds) = (deadline - .now).components
            let remaining = seconds * 1000 + attoseconds / 1_000_000_000_000_000
            guard remaining > 0 else { throw HTTPError(code: .timedOut, message: "deadline passed before sending") }
            timeoutMs = remaining
        }
        guard let send = host.table.pointee.http_send else {
            throw HTTPError(code: .internalError, message: "the host offers no http_send")
        }
        let table = host.table
        let headers = request.headers.map { ($0.name, $0.value) }
        let result: Result<HTTPResponse, HTTPError> = await withCheckedContinuation { continuation in
            let box = Unmanaged.passRetained(HTTPContinuation(continuation)).toOpaque()
            withCPairs(headers) { pairs, count in
                request.method.rawValue.withCString { method in
                    request.url.withCString { url in
                        body.withUnsafeBufferPointer { bytes in
                            var wire = kit_http_request(
                                method: method, url: url, headers: pairs, header_count: count,
                                body: bytes.baseAddress, body_length: bytes.count, timeout_ms: timeoutMs,
                                idempotent: request.isIdempotent ? 1 : 0)
                            send(table.pointee.host, &wire, httpCompletion, box)
                        }
                    }
                }
            }
        }
        return try result.get()
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        let response = try await execute(request, deadline: deadline)
        return .fixed(head: response.head, chunks: response.body.isEmpty ? [] : [response.body])
    }
}

private final class HTTPContinuation: Sendable {
    let continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>
    init(_ continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) {
        self.continuation = continuation
    }
}

private let httpCompletion:
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<kit_http_response>?, UnsafePointer<CChar>?,
        UnsafePointer<CChar>?
    ) -> Void = { context, response, code, error in
        guard let context else { return }
        let box = Unmanaged<HTTPContinuation>.fromOpaque(context).takeRetainedValue()
        guard let response else {
            let name = code.map { String(cString: $0) } ?? ""
            let message = error.map { String(cString: $0) } ?? "host transport failed"
            box.continuation.resume(returning: .failure(HTTPError(code: httpErrorCode(name), message: message)))
            return
        }
        let fields = response.pointee
        let head = HTTPResponseHead(
            status: Int(fields.status), headers: HTTPHeaders(copyPairs(fields.headers, count: fields.header_count)))
        var body: [UInt8] = []
        if let bytes = fields.body, fields.body_length > 0 {
            body = Array(UnsafeBufferPointer(start: bytes, count: fields.body_length))
        }
        box.continuation.resume(returning: .success(HTTPResponse(head: head, body: body)))
    }

/// The host's code names are ``HTTPError/Code`` descriptions; keeping the code keeps retry decisions right.
private func httpErrorCode(_ name: String) -> HTTPError.Code {
    switch name {
    case "connectFailed": .connectFailed
    case "resolveFailed": .resolveFailed
    case "timedOut": .timedOut
    case "tls": .tls
    case "cancelled": .cancelled
    case "bodyTooLarge": .bodyTooLarge
    case "protocolError": .protocolError
    case "connectionLost": .connectionLost
    case "invalidRequest": .invalidRequest
    case "shutdown": .shutdown
    default: .internalError
    }
}

/// A host service failed (the message is the host's).
public struct HostServiceError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
