import Foundation
import HTTPTransport
import HTTPTypes
import Hummingbird
import KITTestSupport
import Logging
import NIOCore
import Synchronization

/// A loopback proxy in front of moto that answers every `throttleEvery`-th Kinesis `PutRecords` with Kinesis's
/// `ProvisionedThroughputExceededException` (nothing stored), and forwards everything else unchanged — the
/// throttling moto cannot do by itself.
final class ThrottlingProxy: Sendable {
    let upstream: String
    let throttleEvery: Int
    private let counts = Mutex((putRecords: 0, throttled: 0))

    init(upstream: String, throttleEvery: Int) {
        self.upstream = upstream
        self.throttleEvery = throttleEvery
    }

    var throttled: Int { counts.withLock { $0.throttled } }

    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let transport = try HTTPClient()
        let router = Router()
        router.post("/") { request, context -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 16 << 20))
            let target = HTTPField.Name("X-Amz-Target").flatMap { request.headers[$0] } ?? ""
            if target.hasSuffix(".PutRecords") {
                let throttle = self.counts.withLock { c -> Bool in
                    c.putRecords += 1
                    let hit = c.putRecords % self.throttleEvery == 0
                    if hit { c.throttled += 1 }
                    return hit
                }
                if throttle {
                    return Response(
                        status: .badRequest, headers: [.contentType: "application/x-amz-json-1.1"],
                        body: .init(
                            byteBuffer: ByteBuffer(
                                string:
                                    #"{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded (test)"}"#
                            )))
                }
            }
            var headers = HTTPHeaders()
            for field in request.headers where !["host", "content-length"].contains(field.name.canonicalName) {
                headers.add(name: field.name.rawName, value: field.value)
            }
            let answer = try await transport.execute(
                HTTPTransport.HTTPRequest(
                    method: .post, url: self.upstream + "/", headers: headers, body: .bytes(bytes),
                    isIdempotent: true))
            var out = HTTPFields()
            for field in answer.head.headers.fields {
                let lower = field.name.lowercased()
                guard lower != "content-length", lower != "transfer-encoding", lower != "connection",
                    let name = HTTPField.Name(field.name)
                else { continue }
                out.append(HTTPField(name: name, value: field.value))
            }
            return Response(
                status: .init(code: answer.status), headers: out,
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        let bound = Mutex<Int?>(nil)
        var logger = Logger(label: "throttling-proxy")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        let result = try await withService(app) {
            try await waitUntil(timeout: .seconds(180), "proxy to bind") { bound.withLock { $0 } != nil }
            return try await body("http://127.0.0.1:\(bound.withLock { $0 } ?? 0)")
        }
        await transport.shutdown()
        return result
    }
}
