import AWSClients
import Foundation
import KITAsync
import KITMedia
import KVSMatroska
import Logging
import Metrics
import Synchronization

/// One stream, from GetMedia to checkpoint, while this worker holds its lease. Its stages are the children of one
/// task group, joined by streams that carry work in order:
///
///     reader ── frames ──▶ (group body) one inference child per frame ──▶ its frame's outcome slot
///       │                                                                          │ awaited in order
///       └─ fragments ─────────────────────────────────────────────────▶ committer: records ─▶ publish ─▶ plugins
///                                                                                  │
///                                                              checkpointer ◀─ delivery, in order
///
/// - The **reader** (`+Reader`) takes fragments from ``MediaReader``'s sequence, samples key frames, reserves each
///   one's inference slot, decodes and encodes it, and hands the frame to the group's body, which starts its
///   inference child at once; the fragment goes to the committer when all its frames are handed over.
/// - The **committer** (`+Commit`) awaits each fragment's outcomes, builds and publishes the records and hands them
///   to the plugins; the **checkpointer** waits for the plugins' delivery and writes the checkpoint.
///
/// The reader never waits for inference (frames of several fragments are in flight at once), but at most
/// `maxFragmentsInFlight` fragments are between reader and checkpoint. With `skipWhenBehind`, a sampled frame that
/// finds the scheduler's queue full is skipped (counted, logged) instead of waiting; without it the reader waits, so
/// the transfer pauses and nothing is skipped. A fragment is checkpointed only after all its records are published and
/// the plugins took them; fragments are published and checkpointed strictly in order.
///
/// A stage that throws (the lease is lost, the plugins did not take a fragment) cancels the others at once; a
/// cancelled run cancels them all; ``drain()`` stops the reader only, and the rest finish what it read.
public final class StreamPipeline: Sendable {
    public struct Settings: Sendable {
        public var inferenceInterval: Int
        public var maxFramesPerSecond: Double?
        public var skipWhenBehind: Bool
        public var imageFormat: ImageFormat
        public var workerId: String
        public var region: String
        public var maxFragmentsInFlight = 64

        public init(
            inferenceInterval: Int, maxFramesPerSecond: Double?, skipWhenBehind: Bool, imageFormat: ImageFormat,
            workerId: String, region: String
        ) {
            self.inferenceInterval = inferenceInterval
            self.maxFramesPerSecond = maxFramesPerSecond
            self.skipWhenBehind = skipWhenBehind
            self.imageFormat = imageFormat
            self.workerId = workerId
            self.region = region
        }
    }

    public let stream: String
    let settings: Settings
    let reader: MediaReader
    let scheduler: InferenceScheduler
    let publisher: any ResultPublisher
    let dispatcher: (any ResultDispatching)?
    let checkpointer: any StreamCheckpointing
    let logger: Logger
    let dimensions: [(String, String)]
    let stats: Mutex<StreamStatistics>
    let latestImage = Mutex<[UInt8]?>(nil)
    /// Flipped by ``drain()``: stops the reader (and a restart pause), never the other stages.
    let draining = StopSwitch()

    public init(
        stream: String, settings: Settings, control: KinesisVideoClient, scheduler: InferenceScheduler,
        publisher: any ResultPublisher, dispatcher: (any ResultDispatching)?, checkpointer: any StreamCheckpointing,
        logger: Logger
    ) {
        self.stream = stream
        self.settings = settings
        self.scheduler = scheduler
        self.publisher = publisher
        self.dispatcher = dispatcher
        self.checkpointer = checkpointer
        var logger = logger
        logger[metadataKey: "stream"] = "\(stream)"
        self.logger = logger
        dimensions = [("stream", stream), ("worker", settings.workerId)]
        reader = MediaReader(stream: stream, control: control, logger: logger, dimensions: dimensions)
        stats = Mutex(StreamStatistics(stream: stream))
        // Every counter of the stream exists from the start, at 0: "no errors" is a value (alarms need it), and a
        // dashboard shows the series before the first event.
        for name in [
            MetricName.fragmentsRead, MetricName.bytesRead, MetricName.framesSampled, MetricName.framesDecoded,
            MetricName.framesSkipped, MetricName.endpointCalls, MetricName.recordsPublished, MetricName.recordsFailed,
            MetricName.getMediaReconnects,
        ] {
            Counter(label: name, dimensions: dimensions).increment(by: 0)
        }
    }

    public var statistics: StreamStatistics { stats.withLock { $0 } }
    /// The last image sent to the endpoint (for the status page).
    public var lastImage: [UInt8]? { latestImage.withLock { $0 } }

    public enum StopReason: Error, CustomStringConvertible {
        case leaseLost
        /// The plugins did not take a fragment's records (abandoned, or dead-lettering failed): it is not
        /// checkpointed, and the pipeline starts again from the last checkpoint.
        case deliveryFailed(String)
        public var description: String {
            switch self {
            case .leaseLost: "the lease was lost"
            case .deliveryFailed(let fragment): "the plugins did not take the records of fragment \(fragment)"
            }
        }
    }

    /// Runs until cancelled, drained or the lease is lost (throws ``StopReason/leaseLost``).
    public func run(from position: StreamPosition) async throws {
        let inFlight = AsyncSemaphore(permits: settings.maxFragmentsInFlight)
        // Each stream is bounded upstream: frames by the scheduler's queue slots (reserved before a frame is sent),
        // fragments by `inFlight` (acquired before a fragment is read, released once it is checkpointed).
        let (frames, frameSink) = AsyncStream.makeStream(of: InferenceJob.self)
        let (fragments, fragmentSink) = AsyncStream.makeStream(of: FragmentWork.self)
        let (committed, committedSink) = AsyncStream.makeStream(of: CommittedFragment.self)
        // A stage that throws cancels the group, so every other stage stops; the body ends when the reader has
        // (it finishes `frames` however it ends), and the group then waits for the stages still finishing.
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.checkpointStage(committed, inFlight: inFlight) }
            group.addTask { try await self.commitStage(fragments, into: committedSink) }
            group.addTask {
                try await self.readStage(from: position, frames: frameSink, fragments: fragmentSink, inFlight: inFlight)
            }
            for await job in frames {
                group.addTask { [scheduler, dimensions] in
                    job.outcome.resolve(
                        await scheduler.infer(job.image, reservation: job.reservation, dimensions: dimensions))
                }
            }
        }
    }

    /// Stops reading; fragments already read are still published and checkpointed, then ``run(from:)`` returns.
    public func drain() { draining.stop() }

    public var isDraining: Bool { draining.isStopped }

    /// Waits `duration` before a restart, returning early when the pipeline is drained or the task cancelled.
    func pause(for duration: Duration) async { await draining.sleep(for: duration) }

    static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
