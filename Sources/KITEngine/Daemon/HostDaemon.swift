import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITLeases
import KITMedia
import KVSMatroska
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// `kithost run`: discovery → leases → one ``StreamPipeline`` per held lease, as one `Service`. On graceful
/// shutdown (SIGTERM/SIGINT through the ServiceGroup) it stops reading, lets in-flight fragments finish within
/// `drainTimeout` (publishing and checkpointing them), then cancels what is left and releases every lease.
public final class HostDaemon: Service, Sendable {
    public struct Dependencies: Sendable {
        public var transport: any HTTPExecuting
        public var credentials: any CredentialProvider
        public var environment: [String: String]
        public var dispatcher: (any ResultDispatching)?
        public init(
            transport: any HTTPExecuting, credentials: any CredentialProvider, environment: [String: String],
            dispatcher: (any ResultDispatching)? = nil
        ) {
            self.transport = transport
            self.credentials = credentials
            self.environment = environment
            self.dispatcher = dispatcher
        }
    }

    public let configuration: HostConfiguration
    let dependencies: Dependencies
    let logger: Logger
    let drainTimeout: Duration
    let discoveryInterval: Duration

    private struct Running {
        var pipeline: StreamPipeline
        var task: Task<Void, Never>
    }
    private let running = Mutex<[String: Running]>([:])
    private let state = Mutex(DaemonState())
    private struct DaemonState {
        var draining = false
        var coordinator: LeaseCoordinator?
        var scheduler: InferenceScheduler?
        var endpointName = ""
        var startedAt = Date()
    }

    public init(
        configuration: HostConfiguration, dependencies: Dependencies, logger: Logger,
        drainTimeout: Duration = .seconds(15)
    ) {
        self.configuration = configuration
        self.drainTimeout = drainTimeout
        discoveryInterval = .milliseconds(configuration.discoveryIntervalMillis)
        self.dependencies = dependencies
        self.logger = logger
    }

    public var isHealthy: Bool { state.withLock { !$0.draining } }

    // MARK: Building the parts

    struct Parts {
        var region: String
        var control: KinesisVideoClient
        var tagging: ResourceGroupsTaggingClient?
        var scheduler: InferenceScheduler
        var publisher: any ResultPublisher
        var store: any LeaseStore
    }

    func makeParts() async throws -> Parts {
        let c = configuration
        let env = dependencies.environment
        guard let region = c.region ?? RegionResolver.resolve(environment: env) else {
            throw DaemonError("no region: set `region`, AWS_REGION or a profile region")
        }
        let transport = dependencies.transport
        let credentials = dependencies.credentials
        var aws = AWSClient.Configuration()
        aws.timeout = .seconds(30)
        let control = try KinesisVideoClient(
            client: AWSClient(
                service: .kinesisVideo, region: region, credentialProvider: credentials, transport: transport,
                environment: env, configuration: aws, logger: logger))
        let tagging =
            c.tagFilters.isEmpty
            ? nil
            : ResourceGroupsTaggingClient(
                client: try AWSClient(
                    service: .resourceGroupsTaggingAPI, region: region, credentialProvider: credentials,
                    transport: transport, environment: env, configuration: aws, logger: logger))
        // The scheduler owns retries and timeouts of inference calls.
        var once = AWSClient.Configuration(retry: .never, timeout: nil)
        once.clock = aws.clock
        let target: any InferenceTarget
        if let url = c.inferenceUrl {
            target = ContainerEndpointTarget(
                url: url, client: try ContainerModelClient(baseURL: url, transport: transport, configuration: once))
        } else if let endpoint = c.sageMakerEndpoint {
            target = SageMakerEndpointTarget(
                endpointName: endpoint,
                client: SageMakerRuntimeClient(
                    client: try AWSClient(
                        service: .sageMakerRuntime, region: region, credentialProvider: credentials,
                        transport: transport, environment: env, configuration: once, logger: logger)))
        } else {
            throw DaemonError("set sageMakerEndpoint or inferenceUrl")
        }
        let contentType = c.endPointAcceptContentType
        let scheduler = InferenceScheduler(
            target: target,
            configuration: .init(
                queueSize: c.sageMakerTaskQueueSize, concurrency: c.sageMakerTaskThreadPoolSize,
                timeout: .milliseconds(c.sageMakerTaskTimeoutInMilli), contentType: contentType),
            logger: logger)
        let publisher: any ResultPublisher
        if let kds = c.kdsStreamName {
            let kinesis = KinesisClient(
                client: try AWSClient(
                    service: .kinesis, region: region, credentialProvider: credentials, transport: transport,
                    environment: env, configuration: aws, logger: logger))
            let summary = try await kinesis.describeStreamSummary(kds)
            publisher = KinesisResultPublisher(
                streamName: kds, streamARN: summary.streamARN, client: kinesis, workerId: c.workerId, logger: logger)
        } else if let file = c.effectiveResultsFile {
            publisher = try JSONLResultPublisher(path: file)
        } else {
            throw DaemonError("set kdsStreamName or resultsFile")
        }
        let location: LeaseStoreLocation =
            switch c.leaseStore {
            case .sqlite(let path): .sqlite(path: path)
            case .dynamoDB(let table): .dynamoDB(table: table)
            }
        let store = try LeaseStoreFactory.makeStore(
            location, region: region, transport: transport, credentialProvider: credentials, environment: env)
        try await store.prepare()
        return Parts(
            region: region, control: control, tagging: tagging, scheduler: scheduler, publisher: publisher,
            store: store)
    }

    // MARK: Running

    public func run() async throws {
        let parts = try await makeParts()
        let coordinator = LeaseCoordinator(
            store: parts.store, workerId: configuration.workerId,
            failover: .milliseconds(configuration.leaseFailoverMillis), logger: logger)
        state.withLock {
            $0.coordinator = coordinator
            $0.scheduler = parts.scheduler
            $0.endpointName = parts.scheduler.target.name
        }
        let discovery = StreamDiscovery(
            names: configuration.streamNames, tagFilters: configuration.tagFilters, tagging: parts.tagging,
            logger: logger)
        logger.info(
            "kithost running",
            metadata: [
                "worker": "\(configuration.workerId)", "endpoint": "\(parts.scheduler.target.name)",
                "results": "\(parts.publisher.eventSourceARN)", "region": "\(parts.region)",
            ])
        let checkpointer = LeaseCheckpointer(coordinator: coordinator)
        let coordinatorTask = Task { try await coordinator.run() }
        let eventsTask = Task {
            for await event in coordinator.events {
                switch event {
                case .acquired(let lease):
                    self.start(lease: lease, parts: parts, checkpointer: checkpointer)
                case .lost(let key):
                    self.stop(key, reason: "lease lost")
                }
            }
        }
        let leaseGauges = Task { await self.reportLeases(coordinator) }
        await withGracefulShutdownHandler {
            var known = Set<String>()
            while !Task.isCancelled, !self.state.withLock({ $0.draining }) {
                known = await discovery.discover(previous: known)
                await coordinator.setStreams(known)
                // Graceful shutdown cuts the wait short: draining starts at once, not after the interval.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.discoveryInterval) }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.draining = true }
        }
        // Draining: stop reading, let in-flight fragments finish, then give the leases back.
        logger.info("draining: stopping readers, finishing in-flight fragments")
        await drainPipelines()
        coordinatorTask.cancel()
        _ = await coordinatorTask.result
        eventsTask.cancel()
        leaseGauges.cancel()
        logger.info("stopped: leases released")
    }

    private func start(lease: Lease, parts: Parts, checkpointer: LeaseCheckpointer) {
        let key = lease.key
        guard !state.withLock({ $0.draining }) else { return }
        let position: StreamPosition
        if let token = lease.checkpoint?.continuationToken {
            position = .continuation(token)
        } else if let number = lease.checkpoint?.fragmentNumber {
            position = .afterFragment(number)
        } else {
            position = configuration.startSelector == .earliest ? .earliest : .now
        }
        let settings = StreamPipeline.Settings(
            inferenceInterval: configuration.inferenceInterval, maxFramesPerSecond: configuration.maxFramesPerSecond,
            skipWhenBehind: configuration.skipWhenBehind,
            imageFormat: ImageFormat(mimeType: configuration.endPointAcceptContentType) ?? .jpeg,
            workerId: configuration.workerId, region: parts.region)
        let pipeline = StreamPipeline(
            stream: key, settings: settings, control: parts.control, scheduler: parts.scheduler,
            publisher: parts.publisher, dispatcher: dependencies.dispatcher, checkpointer: checkpointer,
            logger: logger)
        let logger = self.logger
        let task = Task {
            logger.info("lease acquired; reading", metadata: ["stream": "\(key)", "from": "\(position)"])
            var attempt = 0
            var from = position
            while !Task.isCancelled {
                do {
                    try await pipeline.run(from: from)
                    return
                } catch is CancellationError {
                    return
                } catch StreamPipeline.StopReason.leaseLost {
                    logger.warning("lease lost; pipeline stopped", metadata: ["stream": "\(key)"])
                    return
                } catch {
                    attempt += 1
                    logger.error(
                        "pipeline failed; restarting", metadata: ["stream": "\(key)", "error": "\(error)"])
                    if let done = pipeline.statistics.checkpointedFragment { from = .afterFragment(done) }
                    try? await Task.sleep(for: .seconds(min(30, 1 << min(attempt, 5))))
                }
            }
        }
        let previous = running.withLock { r -> Running? in
            defer { r[key] = Running(pipeline: pipeline, task: task) }
            return r[key]
        }
        previous?.task.cancel()
    }

    private func stop(_ key: String, reason: String) {
        let entry = running.withLock { $0.removeValue(forKey: key) }
        if let entry {
            logger.info("stopping pipeline", metadata: ["stream": "\(key)", "reason": "\(reason)"])
            entry.task.cancel()
        }
    }

    private func drainPipelines() async {
        let all = running.withLock { $0 }
        for entry in all.values { entry.pipeline.drain() }
        let deadline = ContinuousClock.now.advanced(by: drainTimeout)
        for entry in all.values {
            let finished = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await entry.task.value
                    return true
                }
                group.addTask {
                    try? await Task.sleep(until: deadline)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !finished {
                logger.warning(
                    "drain deadline passed; abandoning in-flight work", metadata: ["stream": "\(entry.pipeline.stream)"]
                )
                entry.task.cancel()
                await entry.task.value
            }
        }
        running.withLock { $0.removeAll() }
    }

    private func reportLeases(_ coordinator: LeaseCoordinator) async {
        let dimensions = [("worker", configuration.workerId)]
        let held = Gauge(label: MetricName.leasesHeld, dimensions: dimensions)
        let workers = Gauge(label: MetricName.workersSeen, dimensions: dimensions)
        while !Task.isCancelled {
            let snapshot = await coordinator.snapshot()
            held.record(snapshot.held.count)
            workers.record(snapshot.workersSeen)
            try? await Task.sleep(for: .seconds(2))
        }
    }

    // MARK: Status

    public func status() async -> WorkerStatus {
        let (coordinator, scheduler, endpoint, startedAt) = state.withLock {
            ($0.coordinator, $0.scheduler, $0.endpointName, $0.startedAt)
        }
        let snapshot = await coordinator?.snapshot()
        let pipelines = running.withLock { $0.values.map(\.pipeline) }
        return WorkerStatus(
            workerId: configuration.workerId, startedAt: startedAt, endpoint: endpoint,
            leasesHeld: snapshot?.held.map(\.key).sorted() ?? [], workersSeen: snapshot?.workersSeen ?? 0,
            inferenceBacklog: scheduler?.backlog ?? 0,
            streams: pipelines.map { $0.statistics }.sorted { $0.stream < $1.stream })
    }

    public func latestImage(stream: String) -> (bytes: [UInt8], contentType: String)? {
        guard let pipeline = running.withLock({ $0[stream]?.pipeline }), let bytes = pipeline.lastImage else {
            return nil
        }
        return (bytes, configuration.endPointAcceptContentType)
    }
}

/// Checkpoints through the lease coordinator (conditional on this worker's current tenure).
struct LeaseCheckpointer: StreamCheckpointing {
    let coordinator: LeaseCoordinator
    func checkpoint(stream: String, fragment: FragmentMetadata) async throws -> Bool {
        try await coordinator.checkpoint(
            key: stream,
            Checkpoint(
                fragmentNumber: fragment.fragmentNumber, continuationToken: fragment.continuationToken,
                serverTimestampMillis: fragment.serverTimestampMillis,
                producerTimestampMillis: fragment.producerTimestampMillis))
    }
}

public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
