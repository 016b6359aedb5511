import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The worker's HTTP face on `metricsPort`: `GET /metrics` (Prometheus text), `GET /healthz` (200 while running,
/// 503 once shutting down — for container health checks), `GET /status` (JSON: per-stream figures, leases),
/// `GET /` (a small live status page), `GET /streams/{name}/latest` (the last image sent to the endpoint).
struct ObservabilityServer {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let status: @Sendable () async -> WorkerStatus
    let latestImage: @Sendable (String) -> (bytes: [UInt8], contentType: String)?
    let healthy: @Sendable () -> Bool
    let onBound: @Sendable (Int) -> Void
    let logger: Logger

    func makeService() -> some Service {
        let router = Router()
        let registry = self.registry
        let status = self.status
        let latestImage = self.latestImage
        let healthy = self.healthy
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ -> Response in
            let ok = healthy()
            return Response(
                status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: ok ? "ok\n" : "shutting down\n")))
        }
        router.get("/status") { _, _ -> Response in
            let value = await status()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/streams/:name/latest") { _, context -> Response in
            guard let name = context.parameters.get("name"), let image = latestImage(name) else {
                return Response(status: .notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: image.contentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: image.bytes)))
        }
        router.get("/") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: StatusPage.html)))
        }
        let onBound = self.onBound
        let fallbackPort = port
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "kithost"),
            onServerRunning: { channel in onBound(channel.localAddress?.port ?? fallbackPort) },
            logger: logger)
    }
}

/// What `/status` answers.
public struct WorkerStatus: Sendable, Codable {
    public var workerId: String
    public var startedAt: Date
    public var endpoint: String
    public var leasesHeld: [String]
    public var workersSeen: Int
    public var inferenceBacklog: Int
    public var streams: [StreamStatistics]
}
