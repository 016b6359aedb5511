import Crypto
import Foundation
import Hummingbird
import KITTestSupport
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A test inference server following the SageMaker container contract: `GET /ping`, `POST /invocations` answering
/// `{"prediction":[[0,0.9,0.1,0.1,0.6,0.9]],"sha256":"<hex of the image it received>"}` so every record carries the
/// hash of a real image. Faults on demand: a delay per call, and every `failEvery`-th call answered with
/// `failStatus` (or held past the caller's timeout when `failStatus` is 0).
final class EchoModelServer: Sendable {
    struct Behaviour: Sendable {
        var delay: Duration = .zero
        var failEvery = 0
        var failStatus = 503
    }

    private let behaviour: Mutex<Behaviour>
    private let state = Mutex(State())
    private struct State {
        var calls = 0
        var answered: [String] = []
        var failures = 0
        var contentTypes: Set<String> = []
    }

    init(_ behaviour: Behaviour = Behaviour()) { self.behaviour = Mutex(behaviour) }

    var calls: Int { state.withLock { $0.calls } }
    var failures: Int { state.withLock { $0.failures } }
    /// Hashes of the images answered successfully, in order.
    var answered: [String] { state.withLock { $0.answered } }
    var contentTypes: Set<String> { state.withLock { $0.contentTypes } }
    func set(_ update: (inout Behaviour) -> Void) { behaviour.withLock { update(&$0) } }

    /// Runs the server for the duration of `body` with its base URL.
    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/ping") { _, _ in HTTPResponse.Status.ok }
        router.post("/invocations") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 16 << 20)
            let image = Array(buffer: bytes)
            let (b, call) = self.state.withLock { s -> (Behaviour, Int) in
                s.calls += 1
                if let type = request.headers[.contentType] { s.contentTypes.insert(type) }
                return (self.behaviour.withLock { $0 }, s.calls)
            }
            if b.delay > .zero { try await Task.sleep(for: b.delay) }
            if b.failEvery > 0, call % b.failEvery == 0 {
                self.state.withLock { $0.failures += 1 }
                if b.failStatus == 0 {
                    // Held past the caller's timeout; the server's graceful shutdown at the end of a test ends it.
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(30)) }
                }
                return Response(
                    status: .init(code: b.failStatus == 0 ? 500 : b.failStatus),
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"message":"injected failure"}"#)))
            }
            let hash = SHA256.hash(data: image).map { String(format: "%02x", $0) }.joined()
            self.state.withLock { $0.answered.append(hash) }
            let json = #"{"prediction":[[0,0.9,0.1,0.1,0.6,0.9]],"sha256":"\#(hash)"}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let bound = Mutex<Int?>(nil)
        var logger = Logger(label: "echo-model")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        return try await withService(app) {
            try await waitUntil(timeout: .seconds(180), "echo model server to bind") { bound.withLock { $0 } != nil }
            let port = bound.withLock { $0 } ?? 0
            return try await body("http://127.0.0.1:\(port)")
        }
    }
}
