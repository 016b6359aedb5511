import AWSClients
import Foundation
import KITAsync
import KITLeases
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// `kithost run`: discovery → leases → one ``StreamPipeline`` per held lease, as one `Service`. Its long-running
/// parts are the children of one task group:
///
/// - the **lease coordinator** (renew, take, steal, fence), run until the pipelines are drained;
/// - the **lease events**: `.acquired` starts a pipeline as a child of this task, `.lost` stops that pipeline alone
///   (through its ``StopSwitch``); a failing pipeline is restarted from its last checkpoint after a ``Backoff``;
/// - the **lease gauges** (`LeasesHeld`, `WorkersSeen`);
/// - **discovery** (`streamNames` ∪ tag filters, every `discoveryIntervalMillis`) until graceful shutdown, then the
///   **drain**: readers stop, in-flight fragments are published and checkpointed within `drainTimeout`, what is
///   left is cancelled, and the coordinator is stopped, which releases every lease and ends the events.
///
/// A part that fails ends the daemon (`run()` throws); cancelling `run()` cancels everything at once.
public final class HostDaemon: Service, Sendable {
    public struct Dependencies: Sendable {
        /// Region, transport, credentials and environment, resolved once at start.
        public var aws: AWSClientFactory
        public var dispatcher: (any ResultDispatching)?
        public init(aws: AWSClientFactory, dispatcher: (any ResultDispatching)? = nil) {
            self.aws = aws
            self.dispatcher = dispatcher
        }
    }

    public let configuration: HostConfiguration
    let dependencies: Dependencies
    let logger: Logger
    let drainTimeout: Duration
    let discoveryInterval: Duration
    /// Between restarts of a failed pipeline.
    let restarts = Backoff(base: .seconds(1), maximum: .seconds(30))

    let pipelines = PipelineSet()
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
    private var isDraining: Bool { state.withLock { $0.draining } }

    // MARK: Running

    private enum Part: Sendable { case coordinator, leaseEvents, leaseGauges, discovery }

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
        logger.info(
            "kithost running",
            metadata: [
                "worker": "\(configuration.workerId)", "endpoint": "\(parts.scheduler.target.name)",
                "results": "\(parts.publisher.eventSourceARN)", "region": "\(parts.region)",
            ])
        let stopCoordinator = StopSwitch()
        try await withThrowingTaskGroup(of: Part.self) { group in
            group.addTask {
                try await stopCoordinator.run { try await coordinator.run() }
                return .coordinator
            }
            group.addTask {
                await self.followLeases(coordinator, parts: parts)
                return .leaseEvents
            }
            group.addTask {
                await self.reportLeases(coordinator)
                return .leaseGauges
            }
            group.addTask {
                await self.discover(into: coordinator, tagging: parts.tagging)
                await self.drain()
                // Only now are the leases given back: every pipeline has written its last checkpoint.
                stopCoordinator.stop()
                return .discovery
            }
            // The lease events end once the coordinator has stopped and released every lease; the gauges are all
            // that is left then. A part that throws ends the others (and the daemon) at once.
            for try await part in group where part == .leaseEvents {
                group.cancelAll()
            }
        }
        logger.info("stopped: leases released")
    }

    /// `.acquired` starts the stream's pipeline as a child of this task; `.lost` stops it. Ends when the events do.
    private func followLeases(_ coordinator: LeaseCoordinator, parts: Parts) async {
        let checkpointer = LeaseCheckpointer(coordinator: coordinator)
        await withDiscardingTaskGroup { group in
            for await event in coordinator.events {
                switch event {
                case .acquired(let lease):
                    guard !isDraining else { continue }
                    let (pipeline, position) = makePipeline(for: lease, parts: parts, checkpointer: checkpointer)
                    guard let entry = pipelines.add(pipeline) else { continue }
                    group.addTask { await self.keepRunning(entry, from: position) }
                case .lost(let key):
                    if pipelines.stop(stream: key) {
                        logger.info("stopping pipeline", metadata: ["stream": "\(key)", "reason": "lease lost"])
                    }
                }
            }
            // The coordinator has stopped: nothing may run without a lease.
            group.cancelAll()
        }
    }

    /// Runs one pipeline until its lease is lost (its switch is flipped), it is drained, or it stops by itself.
    private func keepRunning(_ entry: PipelineSet.Entry, from position: StreamPosition) async {
        defer { pipelines.finished(entry) }
        logger.info("lease acquired; reading", metadata: ["stream": "\(entry.pipeline.stream)", "from": "\(position)"])
        try? await entry.stop.run { await self.runRestarting(entry.pipeline, from: position) }
    }

    /// A pipeline that fails is started again from its last checkpoint after a full-jitter backoff (which starts
    /// over once the pipeline has checkpointed something since the last failure).
    private func runRestarting(_ pipeline: StreamPipeline, from start: StreamPosition) async {
        let key = pipeline.stream
        var from = start
        var failures = 0
        var progress = pipeline.statistics.checkpointedFragment
        while !Task.isCancelled, !pipeline.isDraining {
            do {
                try await pipeline.run(from: from)
                return
            } catch is CancellationError {
                return
            } catch StreamPipeline.StopReason.leaseLost {
                logger.warning("lease lost; pipeline stopped", metadata: ["stream": "\(key)"])
                return
            } catch {
                let checkpointed = pipeline.statistics.checkpointedFragment
                if checkpointed != progress {
                    progress = checkpointed
                    failures = 0
                }
                failures += 1
                if let checkpointed { from = .afterFragment(checkpointed) }
                let delay = restarts.delay(retry: failures)
                logger.error(
                    "pipeline failed; restarting",
                    metadata: ["stream": "\(key)", "error": "\(error)", "in": "\(delay)"])
                await pipeline.pause(for: delay)
            }
        }
    }

    /// Resolves the streams to process until graceful shutdown (which cuts the wait short: the drain starts at
    /// once, not after the interval).
    private func discover(into coordinator: LeaseCoordinator, tagging: ResourceGroupsTaggingClient?) async {
        let discovery = StreamDiscovery(
            names: configuration.streamNames, tagFilters: configuration.tagFilters, tagging: tagging, logger: logger)
        await withGracefulShutdownHandler {
            var known = Set<String>()
            while !Task.isCancelled, !self.isDraining {
                known = await discovery.discover(previous: known)
                await coordinator.setStreams(known)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.discoveryInterval) }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.draining = true }
        }
    }

    /// Stops reading, lets in-flight fragments finish within `drainTimeout`, then cancels what is left.
    private func drain() async {
        guard !Task.isCancelled else { return }
        state.withLock { $0.draining = true }
        logger.info("draining: stopping readers, finishing in-flight fragments")
        for stream in await pipelines.drain(within: drainTimeout) {
            logger.warning("drain deadline passed; abandoning in-flight work", metadata: ["stream": "\(stream)"])
        }
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
        return WorkerStatus(
            workerId: configuration.workerId, startedAt: startedAt, endpoint: endpoint,
            leasesHeld: snapshot?.held.map(\.key).sorted() ?? [], workersSeen: snapshot?.workersSeen ?? 0,
            inferenceBacklog: scheduler?.backlog ?? 0,
            streams: pipelines.active.map(\.statistics).sorted { $0.stream < $1.stream })
    }

    public func latestImage(stream: String) -> (bytes: [UInt8], contentType: String)? {
        guard let bytes = pipelines.active(stream: stream)?.lastImage else { return nil }
        return (bytes, configuration.endPointAcceptContentType)
    }
}
