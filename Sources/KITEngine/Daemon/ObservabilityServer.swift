import Foundation
import Hummingbird
import KITPlugins
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The worker's HTTP face on `metricsPort`: `GET /metrics` (Prometheus text), `GET /healthz` (200 `ok` while
/// running, 200 `degraded: …` while an optional plugin is down or a plugin is quarantined, 503 once shutting down
/// — for container health checks), `GET /status` (JSON: per-stream figures, leases),
/// `GET /` (a small live status page), `GET /streams/{name}/latest` (the last image sent to the endpoint).
struct ObservabilityServer {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let status: @Sendable () async -> WorkerStatus
    let latestImage: @Sendable (String) -> (bytes: [UInt8], contentType: String)?
    let health: @Sendable () -> Health
    let onBound: @Sendable (Int) -> Void
    let logger: Logger

    func makeService() -> some Service {
        let router = Router()
        let registry = self.registry
        let status = self.status
        let latestImage = self.latestImage
        let health = self.health
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ -> Response in
            let health = health()
            return Response(
                status: health.isServing ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: health.text + "\n")))
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
    /// Every configured or loaded plugin and its state (running, quarantined, down).
    public var plugins: [PluginStatus] = []
}

/// What `/healthz` says: serving (`ok`, or `degraded` with why) or shutting down.
struct Health: Sendable {
    var draining: Bool
    var plugins: [PluginStatus]

    var isServing: Bool { !draining }

    var text: String {
        if draining { return "shutting down" }
        let troubled = plugins.filter { $0.state != .running }
        guard !troubled.isEmpty else { return "ok" }
        return "degraded: "
            + troubled.map { "plugin \($0.name) \($0.state.rawValue)\($0.reason.map { " (\($0))" } ?? "")" }
            .joined(separator: "; ")
    }
}
