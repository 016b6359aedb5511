import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A local Kinesis Video Streams: the control plane (streams, retention, tags, data endpoints), PutMedia,
/// GetMedia, ListFragments and GetMediaForFragmentList, and Resource Groups Tagging `GetResources`, on one HTTP port,
/// with the wire formats of botocore's models so the AWS CLI and boto3 work against it unchanged. It owns the data
/// directory: every stream's metadata, fragments (one Matroska document each) and fragment index, so a server
/// started again on the same directory serves what it had; a background sweep enforces `DataRetentionInHours`.
///
/// It is a swift-service-lifecycle `Service`: ``run()`` binds, serves until its task is cancelled or the service
/// group shuts down gracefully (live GetMedia sessions then end cleanly, PutMedia sessions stop reading), and
/// returns. ``listeningURL()`` gives the bound address (port 0 picks a free one). Fault injection (latency,
/// throttling, server errors, dropped media connections) is off unless configured.
public final class KVSLocalServer: Service, Sendable {
    public let configuration: Configuration
    let logger: Logger
    let faults: FaultInjector
    private let state = Mutex(RunState.idle)
    private let stateChanged = AsyncSignal()

    private enum RunState {
        case idle
        case starting
        case running(url: String, registry: StreamRegistry)
        case stopped(KVSLocalError)
    }

    public init(configuration: Configuration, logger: Logger = Logger(label: "kit.kvs-local")) {
        self.configuration = configuration
        self.logger = logger
        faults = FaultInjector(configuration.faults)
    }

    /// Loads the data directory, binds, and serves until cancelled or gracefully shut down. Can run once.
    public func run() async throws {
        let canStart = state.withLock { state in
            guard case .idle = state else { return false }
            state = .starting
            return true
        }
        guard canStart else { throw KVSLocalError(.startup, "run() was already called on this server") }
        do {
            try await serve()
            finish(KVSLocalError(.notRunning, "the server has stopped"))
        } catch let error as KVSLocalError {
            finish(error)
            throw error
        } catch {
            finish(KVSLocalError(.startup, "the server stopped with an error", underlying: error))
            throw error
        }
    }

    /// The server's base URL (`http://127.0.0.1:PORT`) once it listens; waits for ``run()`` to bind. Throws if the
    /// server failed to start or has stopped.
    public func listeningURL() async throws(KVSLocalError) -> String {
        // Each pass either returns or waits for the next state change; cancellation ends the wait.
        while true {
            let generation = stateChanged.generation
            switch state.withLock({ $0 }) {
            case .running(let url, _):
                return url
            case .stopped(let error):
                throw error
            case .idle, .starting:
                if Task.isCancelled { throw KVSLocalError(.notRunning, "cancelled while waiting for the server") }
                await stateChanged.wait(after: generation)
            }
        }
    }

    /// The port the server listens on (see ``listeningURL()``).
    public func port() async throws(KVSLocalError) -> Int {
        let url = try await listeningURL()
        return url.split(separator: ":").last.flatMap { Int($0) } ?? configuration.port
    }

    /// Replaces a fault rule while running: for one stream, or for every stream when `stream` is nil; nil clears it.
    public func setFaultRule(_ rule: FaultRule?, stream: String?) {
        faults.setRule(rule, stream: stream)
    }

    /// Runs the retention sweep now (it also runs every `retentionEnforcementInterval`); returns the number of
    /// fragments deleted.
    @discardableResult
    public func enforceRetention() async throws(KVSLocalError) -> Int {
        guard case .running(_, let registry) = state.withLock({ $0 }) else {
            throw KVSLocalError(.notRunning, "the server is not running")
        }
        return await RetentionSweep.run(
            registry: registry, now: configuration.clock.now(),
            unretainedLifetime: configuration.unretainedFragmentLifetime)
    }

    /// What one stream holds and serves right now.
    public struct StreamStatistics: Sendable, Equatable {
        public var region: String
        public var name: String
        public var fragments: Int
        public var openGetMediaSessions: Int
        public var openPutMediaSessions: Int
    }

    /// Every stream with its fragment count and open media sessions (for status pages and tests).
    public func statistics() async throws(KVSLocalError) -> [StreamStatistics] {
        guard case .running(_, let registry) = state.withLock({ $0 }) else {
            throw KVSLocalError(.notRunning, "the server is not running")
        }
        var out: [StreamStatistics] = []
        for store in await registry.stores(region: nil) {
            let sessions = store.gate.openSessions
            out.append(
                StreamStatistics(
                    region: store.key.region, name: store.key.name, fragments: await store.count,
                    openGetMediaSessions: sessions.getMedia, openPutMediaSessions: sessions.putMedia))
        }
        return out
    }

    // MARK: Running

    static func isWildcard(_ host: String) -> Bool {
        host.isEmpty || host == "0.0.0.0" || host == "::" || host == "[::]"
    }

    private func finish(_ error: KVSLocalError) {
        state.withLock { $0 = .stopped(error) }
        stateChanged.notify()
    }

    private func serve() async throws {
        let configuration = configuration
        guard (0...65_535).contains(configuration.port) else {
            throw KVSLocalError(.invalidConfiguration, "port \(configuration.port) is out of range")
        }
        let root = (configuration.dataDirectory as NSString).standardizingPath
        let registry: StreamRegistry
        do {
            registry = try await StreamRegistry.open(
                root: root, accountID: configuration.accountID, syncWrites: configuration.syncWrites,
                maxStreams: configuration.limits.maxStreams)
        } catch {
            throw KVSLocalError(.dataDirectory, "cannot use \(root): \(error.message)")
        }
        let boundURL = Mutex<String?>(nil)
        let control = ControlPlane(
            registry: registry, accountID: configuration.accountID, clock: configuration.clock,
            dataEndpoint: { requestHost in
                if let advertised = configuration.advertisedURL { return advertised }
                // Bound to every interface: the address the client used is the one that reaches this server.
                if Self.isWildcard(configuration.host), let requestHost, !requestHost.isEmpty {
                    return "http://\(requestHost)"
                }
                return boundURL.withLock { $0 } ?? "http://127.0.0.1"
            })
        let handler = KVSHandler(
            registry: registry, control: control, faults: faults, configuration: configuration, logger: logger)
        let logger = logger
        let retention = RetentionService(
            registry: registry, interval: configuration.retentionEnforcementInterval, clock: configuration.clock,
            unretainedLifetime: configuration.unretainedFragmentLifetime, logger: logger)
        // Hummingbird's server without its Application wrapper: the responder decides when to send `100 Continue`
        // (only to a PutMedia it accepts), which Application's fixed request loop cannot do.
        let server: any Service
        do {
            server = try HTTPServerBuilder.http1().buildServer(
                configuration: ServerConfiguration(
                    address: .hostname(configuration.host, port: configuration.port), serverName: "kvs-local"),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger,
                responder: { request, responseWriter, channel in
                    let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                    // Other operations read their (small) body before answering: a client waiting for `100 Continue`
                    // gets it at once.
                    let expectsContinue = request.headers[.expect]?.lowercased() == "100-continue"
                    if expectsContinue, request.uri.path != "/putMedia" {
                        try await responseWriter.writeInformationalHead(HTTPResponse(status: .continue))
                    }
                    let answer = await handler.respond(to: request, context: context)
                    if answer.continueFirst {
                        try await responseWriter.writeInformationalHead(HTTPResponse(status: .continue))
                    }
                    var head = answer.response.head
                    head.headerFields[.server] = "kvs-local"
                    try await responseWriter.write(response: head, body: answer.response.body)
                },
                onServerRunning: { [self] channel in
                    let port = channel.localAddress?.port ?? configuration.port
                    let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
                    let url = "http://\(host):\(port)"
                    boundURL.withLock { $0 = url }
                    state.withLock { $0 = .running(url: url, registry: registry) }
                    stateChanged.notify()
                    logger.info("kvs-local listening", metadata: ["url": "\(url)", "data": "\(root)"])
                })
        } catch {
            throw KVSLocalError(.startup, "the HTTP server could not be set up", underlying: error)
        }
        // Graceful shutdown of an enclosing group reaches this one; live GetMedia and PutMedia sessions end on their
        // graceful-shutdown handlers.
        let group = ServiceGroup(configuration: .init(services: [retention, server], logger: logger))
        try await group.run()
    }
}

/// Deletes fragments past their stream's retention.
enum RetentionSweep {
    static func run(registry: StreamRegistry, now: Date, unretainedLifetime: Duration) async -> Int {
        var deleted = 0
        let nowMillis = now.epochMillis
        let unretainedMillis = unretainedLifetime.components.seconds * 1000
        for store in await registry.stores(region: nil) {
            let hours = await store.metadata.retentionHours
            let keepMillis = hours > 0 ? Int64(hours) * 3_600_000 : unretainedMillis
            deleted += await store.purge(before: nowMillis - keepMillis)
        }
        return deleted
    }
}

/// The periodic retention sweep, a `Service` of the server's group.
struct RetentionService: Service {
    let registry: StreamRegistry
    let interval: Duration
    let clock: KVSLocalClock
    let unretainedLifetime: Duration
    let logger: Logger

    func run() async throws {
        // One sweep per interval until cancelled or shut down (the sleep is the cancellation point).
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            let deleted = await RetentionSweep.run(
                registry: registry, now: clock.now(), unretainedLifetime: unretainedLifetime)
            if deleted > 0 { logger.info("retention: deleted \(deleted) fragments") }
        }
    }
}
