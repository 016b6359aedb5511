import AWSClients
import Foundation
import KITAsync
import KITMedia
import KITRecords
import KVSMatroska
import Logging
import Metrics
import Synchronization

/// One stream, from GetMedia to checkpoint, while this worker holds its lease:
///
///     reader ─ fragments ─▶ sample key frames ─▶ decode ─▶ encode ─▶ inference (shared scheduler)
///        │                                                                  │
///        └──────── FragmentWork, in order ──▶ committer: await results ─▶ publish ─▶ plugins ─▶ checkpointer
///
/// The reader never waits for inference (frames of several fragments are in flight at once), but at most
/// `maxFragmentsInFlight` fragments are between reader and checkpoint. With `skipWhenBehind`, a sampled frame that
/// finds the scheduler's queue full is skipped (counted, logged) instead of waiting; without it the reader waits, so
/// the transfer pauses and nothing is skipped. A fragment is checkpointed only after all its records are published and
/// the plugins took them; fragments are published and checkpointed strictly in order.
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
    private let stats: Mutex<StreamStatistics>
    private let latestImage = Mutex<[UInt8]?>(nil)
    private let control = Mutex(Control())
    private struct Control {
        var reader: Task<Void, any Error>?
        var draining = false
    }

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
        let (works, sink) = AsyncStream<FragmentWork>.makeStream()
        let (checkpoints, checkpointSink) = AsyncStream<(FragmentMetadata, @Sendable () async -> Bool)>.makeStream()
        let inFlight = AsyncSemaphore(permits: settings.maxFragmentsInFlight)
        let tasks = TaskRegistry()
        defer { tasks.cancelAll() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { sink.finish() }
                let reader = Task { try await self.read(from: position, into: sink, inFlight: inFlight, tasks: tasks) }
                let alreadyDraining = self.control.withLock { c in
                    c.reader = reader
                    return c.draining
                }
                if alreadyDraining { reader.cancel() }
                do {
                    try await withTaskCancellationHandler {
                        try await reader.value
                    } onCancel: {
                        reader.cancel()
                    }
                } catch is CancellationError where self.control.withLock({ $0.draining }) {
                    // Drained: what was read is still committed below.
                }
            }
            group.addTask {
                defer { checkpointSink.finish() }
                for await work in works {
                    try await self.commit(work, tasks: tasks, checkpoints: checkpointSink)
                }
            }
            group.addTask {
                for await (fragment, delivered) in checkpoints {
                    guard await delivered() else { throw StopReason.deliveryFailed(fragment.fragmentNumber) }
                    try Task.checkCancellation()
                    guard try await self.checkpointer.checkpoint(stream: self.stream, fragment: fragment) else {
                        throw StopReason.leaseLost
                    }
                    self.stats.withLock { $0.checkpointedFragment = fragment.fragmentNumber }
                    inFlight.release()
                }
            }
            // A task that fails (lease lost, a real error) or cancellation ends all three; a drained reader ends the
            // others only once they have committed and checkpointed what it read.
            do {
                for try await _ in group {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Stops reading; fragments already read are still published and checkpointed, then ``run(from:)`` returns.
    public func drain() {
        let reader = control.withLock { c in
            c.draining = true
            return c.reader
        }
        reader?.cancel()
    }

    static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Reader side

    struct SampledFrame {
        var frame: MatroskaFrame
        var trackNumber: UInt64
        var timestampMillis: Int64
        var image: FrameImager.Image
        var inference: Task<InferenceOutcome, Never>
    }

    struct FragmentWork {
        var metadata: FragmentMetadata
        var receivedAtMillis: Int64
        var frames: [SampledFrame]
    }

    private func read(
        from position: StreamPosition, into sink: AsyncStream<FragmentWork>.Continuation,
        inFlight: AsyncSemaphore, tasks: TaskRegistry
    ) async throws {
        let imager: FrameImager
        do {
            imager = try FrameImager(format: settings.imageFormat, dimensions: dimensions)
        } catch {
            logger.error("cannot create the image encoder", metadata: ["error": "\(error)"])
            throw error
        }
        var sampler = KeyFrameSampler(
            everyNthKeyFrame: settings.inferenceInterval,
            minIntervalMillis: settings.maxFramesPerSecond.map { Int64((1000 / $0).rounded(.up)) })
        let sampledCounter = Counter(label: MetricName.framesSampled, dimensions: dimensions)
        let skippedCounter = Counter(label: MetricName.framesSkipped, dimensions: dimensions)
        var reportedUndecodable: String?
        try await reader.run(from: position) { fragment in
            guard let metadata = fragment.metadata else { return }
            try await inFlight.acquire()
            var work = FragmentWork(metadata: metadata, receivedAtMillis: Self.nowMillis, frames: [])
            var eligible = 0
            var skipped = 0
            let keyFrames = FrameImager.keyFrames(of: fragment)
            for frame in keyFrames?.frames ?? [] {
                guard let track = keyFrames?.track else { break }
                let millis = fragment.timestampMillis(of: frame)
                guard sampler.shouldSample(keyFrameAtMillis: millis) else { continue }
                eligible += 1
                if settings.skipWhenBehind {
                    guard scheduler.tryReserve() else {
                        skipped += 1
                        skippedCounter.increment()
                        logger.info(
                            "frame skipped: the endpoint is behind",
                            metadata: [
                                "fragment": "\(metadata.fragmentNumber)", "timecode": "\(frame.timeCode)",
                                "backlog": "\(scheduler.backlog)",
                            ])
                        continue
                    }
                } else {
                    try await scheduler.reserve()
                }
                let image: FrameImager.Image
                do throws(MediaError) {
                    image = try imager.image(of: frame, track: track)
                } catch {
                    scheduler.unreserve()
                    skipped += 1
                    skippedCounter.increment()
                    if reportedUndecodable != track.codecID || error.code != .unsupportedCodec {
                        reportedUndecodable = track.codecID
                        logger.warning(
                            "key frame not decodable; skipped",
                            metadata: ["fragment": "\(metadata.fragmentNumber)", "error": "\(error)"])
                    }
                    continue
                }
                sampledCounter.increment()
                let bytes = image.bytes
                let task = tasks.start { [scheduler, dimensions] in
                    await scheduler.infer(bytes, dimensions: dimensions)
                }
                work.frames.append(
                    SampledFrame(
                        frame: frame, trackNumber: track.number, timestampMillis: millis, image: image,
                        inference: task))
            }
            stats.withLock {
                $0.fragments += 1
                $0.keyFrames += keyFrames?.frames.count ?? 0
                $0.eligible += eligible
                $0.skipped += skipped
                if let behind = metadata.millisBehindNow { $0.millisBehindNow = behind }
            }
            sink.yield(work)
        }
    }

    // MARK: Committer side

    private func commit(
        _ work: FragmentWork, tasks: TaskRegistry,
        checkpoints: AsyncStream<(FragmentMetadata, @Sendable () async -> Bool)>.Continuation
    ) async throws {
        var records: [KITRecord] = []
        var images: [[UInt8]] = []
        for sampled in work.frames {
            let outcome = await sampled.inference.value
            tasks.finished(sampled.inference)
            try Task.checkCancellation()
            if outcome.cancelled { throw CancellationError() }
            let record = KITRecord(
                streamName: stream, fragment: work.metadata, sampled: sampled,
                imageContentType: settings.imageFormat.mimeType, outcome: outcome,
                processing: KITRecord.Processing(
                    workerId: settings.workerId, receivedAtMillis: work.receivedAtMillis,
                    processedAtMillis: Self.nowMillis))
            records.append(record)
            images.append(sampled.image.bytes)
        }
        let payloads = records.map { $0.json() }
        let published: [PublishedRecord]
        if payloads.isEmpty {
            published = []
        } else {
            published = try await publisher.publish(stream: stream, records: payloads)
            Counter(label: MetricName.recordsPublished, dimensions: dimensions).increment(by: Int64(published.count))
            let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
            let ingestToProcess = max(0, nowMillis - work.metadata.serverTimestampMillis)
            Timer(label: MetricName.ingestToProcessLatency, dimensions: dimensions)
                .recordMilliseconds(ingestToProcess)
            let last = records.last
            stats.withLock {
                $0.records += records.count
                $0.inferenceErrors += records.count { $0.inference.failure != nil }
                $0.lastIngestToProcessMillis = ingestToProcess
                if let last {
                    $0.lastEndpointLatencyMillis = last.inference.endpointLatencyMillis
                    $0.lastOutputBase64 = Data(last.sageMakerOutput).base64EncodedString()
                    $0.lastImageContentType = last.image?.contentType
                }
            }
            if let lastImage = images.last { latestImage.withLock { $0 = lastImage } }
        }
        var delivered: @Sendable () async -> Bool = { true }
        if let dispatcher, !published.isEmpty {
            let envelopes = zip(zip(payloads, published), images).map { pair, image in
                ResultEnvelope(
                    streamName: stream, fragmentNumber: work.metadata.fragmentNumber, data: pair.0,
                    partitionKey: stream, sequenceNumber: pair.1.sequenceNumber,
                    arrivalTimestamp: pair.1.arrivalTimestamp, eventSourceARN: publisher.eventSourceARN,
                    awsRegion: settings.region, image: image, imageContentType: settings.imageFormat.mimeType)
            }
            delivered = dispatcher.dispatch(stream: stream, records: envelopes)
        }
        checkpoints.yield((work.metadata, delivered))
    }
}

/// Unstructured inference tasks of one pipeline, cancelled together when the pipeline stops.
final class TaskRegistry: Sendable {
    private struct State {
        var tasks: Set<Task<InferenceOutcome, Never>> = []
        var stopped = false
    }
    private let state = Mutex(State())

    func start(_ body: @escaping @Sendable () async -> InferenceOutcome) -> Task<InferenceOutcome, Never> {
        let task = Task { await body() }
        let keep = state.withLock { s in
            if !s.stopped { s.tasks.insert(task) }
            return !s.stopped
        }
        if !keep { task.cancel() }
        return task
    }

    func finished(_ task: Task<InferenceOutcome, Never>) {
        _ = state.withLock { $0.tasks.remove(task) }
    }

    func cancelAll() {
        let all = state.withLock { s in
            s.stopped = true
            defer { s.tasks.removeAll() }
            return s.tasks
        }
        for task in all { task.cancel() }
    }
}
