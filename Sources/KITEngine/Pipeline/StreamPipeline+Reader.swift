import KITAsync
import KITMedia
import KVSMatroska
import Logging
import Metrics
import Synchronization

/// The reader stage: fragments in, sampled and encoded key frames out, each with its inference slot reserved.
extension StreamPipeline {
    /// A sampled key frame on its way to the committer: what its record needs, and where its outcome lands.
    struct SampledFrame: Sendable {
        var frame: MatroskaFrame
        var trackNumber: UInt64
        /// How far into its fragment the frame is: the record's absolute frame time is the fragment's producer
        /// timestamp plus this.
        var offsetMillis: Int64
        var image: FrameImager.Image
        var outcome: OutcomeSlot
    }

    /// One frame's inference, as the group's body starts it.
    struct InferenceJob: Sendable {
        var image: [UInt8]
        var reservation: InferenceScheduler.Reservation
        var outcome: OutcomeSlot
    }

    /// A fragment read: its frames in order (their inferences already started).
    struct FragmentWork: Sendable {
        var metadata: FragmentMetadata
        var receivedAtMillis: Int64
        var frames: [SampledFrame]
    }

    /// Reads until cancelled or drained (then it returns normally: what was read is still committed). Both streams
    /// are finished however it ends.
    func readStage(
        from position: StreamPosition, frames: AsyncStream<InferenceJob>.Continuation,
        fragments: AsyncStream<FragmentWork>.Continuation, inFlight: AsyncSemaphore
    ) async throws {
        defer {
            frames.finish()
            fragments.finish()
        }
        try await draining.run {
            try await self.read(from: position, frames: frames, fragments: fragments, inFlight: inFlight)
        }
    }

    private func read(
        from position: StreamPosition, frames: AsyncStream<InferenceJob>.Continuation,
        fragments: AsyncStream<FragmentWork>.Continuation, inFlight: AsyncSemaphore
    ) async throws {
        var sampling: FrameSampling
        do {
            sampling = try FrameSampling(settings: settings, dimensions: dimensions)
        } catch {
            logger.error("cannot create the image encoder", metadata: ["error": "\(error)"])
            throw error
        }
        for try await fragment in reader.fragments(from: position) {
            guard let metadata = fragment.metadata else { continue }
            try await inFlight.acquire()
            var work = FragmentWork(metadata: metadata, receivedAtMillis: Self.nowMillis, frames: [])
            var eligible = 0
            var skipped = 0
            let keyFrames = FrameImager.keyFrames(of: fragment)
            for frame in keyFrames?.frames ?? [] {
                guard let track = keyFrames?.track else { break }
                let millis = fragment.timestampMillis(of: frame)
                guard sampling.sampler.shouldSample(keyFrameAtMillis: millis) else { continue }
                eligible += 1
                guard let reservation = try await reserve(metadata, frame) else {
                    skipped += 1
                    sampling.skipped.increment()
                    continue
                }
                guard let image = sampling.image(of: frame, track: track, metadata, logger: logger) else {
                    reservation.release()
                    skipped += 1
                    sampling.skipped.increment()
                    continue
                }
                let sampled = SampledFrame(
                    frame: frame, trackNumber: track.number, offsetMillis: fragment.offsetMillis(of: frame),
                    image: image,
                    outcome: OutcomeSlot())
                frames.yield(InferenceJob(image: image.bytes, reservation: reservation, outcome: sampled.outcome))
                work.frames.append(sampled)
            }
            stats.withLock {
                $0.fragments += 1
                $0.keyFrames += keyFrames?.frames.count ?? 0
                $0.eligible += eligible
                $0.skipped += skipped
                if let behind = metadata.millisBehindNow { $0.millisBehindNow = behind }
            }
            fragments.yield(work)
        }
    }

    /// A queue slot for a sampled frame: waited for, or with `skipWhenBehind` `nil` (the frame is skipped; logged)
    /// when none is free now.
    private func reserve(_ metadata: FragmentMetadata, _ frame: MatroskaFrame) async throws
        -> InferenceScheduler.Reservation?
    {
        guard settings.skipWhenBehind else { return try await scheduler.reserve() }
        if let reservation = scheduler.tryReserve() { return reservation }
        logger.info(
            "frame skipped: the endpoint is behind",
            metadata: [
                "fragment": "\(metadata.fragmentNumber)", "timecode": "\(frame.timeCode)",
                "backlog": "\(scheduler.backlog)",
            ])
        return nil
    }
}

/// The reader's per-run state: which key frames to sample, and the decoder and encoder they go through.
struct FrameSampling {
    var sampler: KeyFrameSampler
    let imager: FrameImager
    let sampled: Counter
    let skipped: Counter
    /// The codec last reported as undecodable, so an unsupported codec is logged once, not per frame.
    var reportedUndecodable: String?

    init(settings: StreamPipeline.Settings, dimensions: [(String, String)]) throws(MediaError) {
        imager = try FrameImager(format: settings.imageFormat, dimensions: dimensions)
        sampler = KeyFrameSampler(
            everyNthKeyFrame: settings.inferenceInterval,
            minIntervalMillis: settings.maxFramesPerSecond.map { Int64((1000 / $0).rounded(.up)) })
        sampled = Counter(label: MetricName.framesSampled, dimensions: dimensions)
        skipped = Counter(label: MetricName.framesSkipped, dimensions: dimensions)
    }

    /// The frame decoded and encoded, or `nil` when it cannot be decoded (logged; the caller counts it skipped).
    mutating func image(
        of frame: MatroskaFrame, track: MatroskaTrack, _ metadata: FragmentMetadata, logger: Logger
    ) -> FrameImager.Image? {
        do throws(MediaError) {
            let image = try imager.image(of: frame, track: track)
            sampled.increment()
            return image
        } catch {
            if reportedUndecodable != track.codecID || error.code != .unsupportedCodec {
                reportedUndecodable = track.codecID
                logger.warning(
                    "key frame not decodable; skipped",
                    metadata: ["fragment": "\(metadata.fragmentNumber)", "error": "\(error)"])
            }
            return nil
        }
    }
}

/// Where one frame's inference outcome lands: resolved once by the frame's inference child, awaited once by the
/// committer (a one-element stream, so a cancelled committer stops waiting at once).
struct OutcomeSlot: Sendable {
    private let stream: AsyncStream<InferenceOutcome>
    private let continuation: AsyncStream<InferenceOutcome>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: InferenceOutcome.self, bufferingPolicy: .bufferingNewest(1))
    }

    func resolve(_ outcome: InferenceOutcome) {
        continuation.yield(outcome)
        continuation.finish()
    }

    /// The outcome, or `nil` when the waiting task is cancelled first. Awaited by one task, once.
    func value() async -> InferenceOutcome? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}
