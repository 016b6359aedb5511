import AWSClients
import Foundation
import Synchronization

/// A Kinesis Video Streams producer for files: streams a Matroska file through one PutMedia session (at the
/// endpoint `GetDataEndpoint(PUT_MEDIA)` names), one Cluster per GOP — the file's frames are re-clustered at the
/// video track's key frames whatever its own Clusters were — with timecodes rebased to start at 0 (RELATIVE to the
/// producer start timestamp) and continuing monotonically when the file is looped.
///
/// Pacing: `realtime` sends each GOP when the wall clock reaches its timecode (a camera's pace); otherwise GOPs go
/// as fast as acknowledgements allow, at most ``Options/maxFragmentsInFlight`` ahead of the last `PERSISTED` /
/// `ERROR`. ``run(onEvent:)`` returns when the service has acknowledged everything and closed the session; it
/// throws if any fragment was acknowledged `ERROR` (sending stops at the first one), if the session ended early, or
/// if a call failed.
///
/// Used by `kithost put-media`, and as a library by end-to-end tests and demos.
public struct KVSProducer: Sendable {
    public enum Input: Sendable, Equatable {
        case file(String)
        /// Standard input (cannot be looped).
        case standardInput
    }

    public struct Options: Sendable {
        public var realtime: Bool
        /// How many times the file is sent (≥ 1); timecodes continue across loops.
        public var loops: Int
        /// Fragments sent but not yet acknowledged `PERSISTED` or `ERROR` (when not realtime).
        public var maxFragmentsInFlight: Int
        /// `x-amzn-producer-start-timestamp`; nil: when the session starts.
        public var producerStartTimestamp: Date?
        /// Bytes per read of the input.
        public var readSize: Int

        public init(
            realtime: Bool = false, loops: Int = 1, maxFragmentsInFlight: Int = 4, producerStartTimestamp: Date? = nil,
            readSize: Int = 1 << 16
        ) {
            self.realtime = realtime
            self.loops = loops
            self.maxFragmentsInFlight = maxFragmentsInFlight
            self.producerStartTimestamp = producerStartTimestamp
            self.readSize = readSize
        }
    }

    /// What happens during a run, in order per kind.
    public enum Event: Sendable {
        /// The session is about to start at this data endpoint.
        case connecting(endpoint: String)
        /// A Cluster went into the body.
        case fragmentSent(FragmentSent)
        /// An acknowledgement arrived.
        case ack(PutMediaAck)
    }

    public struct FragmentSent: Sendable, Equatable {
        /// 0-based over the whole run.
        public var index: Int
        /// 0-based loop.
        public var loop: Int
        /// The Cluster timecode sent, in the file's TimecodeScale units (milliseconds for most files).
        public var timecode: Int64
        public var frames: Int
        public var bytes: Int
    }

    public struct Summary: Sendable, Equatable {
        public var fragmentsSent = 0
        public var persisted = 0
        public var bytesSent = 0
        public var fragmentNumbers: [String] = []
        public var elapsed: Duration = .zero
    }

    public let stream: KinesisVideoStreamID
    public let input: Input
    public let client: KinesisVideoClient
    public let options: Options

    public init(stream: KinesisVideoStreamID, input: Input, client: KinesisVideoClient, options: Options = Options()) {
        self.stream = stream
        self.input = input
        self.client = client
        self.options = options
    }

    public init(
        stream: String, input: Input, client: KinesisVideoClient, realtime: Bool = false, loops: Int = 1
    ) {
        self.init(
            stream: .name(stream), input: input, client: client, options: Options(realtime: realtime, loops: loops))
    }

    /// Streams the input; `onEvent` sees every fragment sent and every acknowledgement as they happen.
    @discardableResult
    public func run(onEvent: @escaping @Sendable (Event) async -> Void = { _ in }) async throws(PutMediaError)
        -> Summary
    {
        guard options.loops >= 1 else { throw PutMediaError(.invalidArgument, "--loop must be at least 1") }
        guard options.maxFragmentsInFlight >= 1 else {
            throw PutMediaError(.invalidArgument, "at least one fragment must be allowed in flight")
        }
        if input == .standardInput, options.loops > 1 {
            throw PutMediaError(.invalidArgument, "standard input cannot be looped; give a file")
        }
        // Fail on a bad input before touching the service: a file is read up to its Tracks (standard input can
        // only be read once, so it is checked as it streams).
        var probe = try GOPSource.open(input, readSize: options.readSize)
        if input != .standardInput {
            while let event = try probe.next() {
                if case .header = event { break }
            }
        }

        let media: KinesisVideoMediaClient
        do {
            media = try await client.mediaClient(for: stream, api: .putMedia)
        } catch {
            throw PutMediaError(.service, "GetDataEndpoint(PUT_MEDIA) for \(stream) failed", underlying: error)
        }
        await onEvent(.connecting(endpoint: "\(media.client.endpoint)"))
        let session = media.putMedia(
            PutMediaInput(
                stream: stream, fragmentTimecodeType: .relative,
                producerStartTimestamp: options.producerStartTimestamp ?? Date()))
        let started = ContinuousClock.now
        let (credits, creditSink) = AsyncStream.makeStream(of: Void.self)
        let stop = StopSignal()
        let options = options
        let input = input
        let writer = session.writer

        let (sent, sendFailure, errors, numbers, ackFailure) = await withTaskGroup(
            of: (Summary, PutMediaError?).self
        ) { group in
            group.addTask {
                var summary = Summary()
                do {
                    try await Self.send(
                        input: input, options: options, writer: writer, credits: credits, stop: stop,
                        summary: &summary, onEvent: onEvent)
                    writer.finish()
                    return (summary, nil)
                } catch let error as PutMediaError {
                    writer.fail("the producer stopped: \(error)")
                    return (summary, error)
                } catch is CancellationError {
                    writer.fail("the producer was cancelled")
                    return (summary, nil)
                } catch {
                    writer.fail("the producer stopped: \(error)")
                    return (summary, PutMediaError(.service, "sending failed: \(error)"))
                }
            }
            var errors: [PutMediaAck] = []
            var numbers: [String] = []
            var ackFailure: AWSError?
            do throws(AWSError) {
                for try await ack in session.acks {
                    await onEvent(.ack(ack))
                    guard ack.eventType == .persisted || ack.eventType == .error else { continue }
                    if ack.eventType == .error {
                        errors.append(ack)
                        stop.set()
                    } else if let number = ack.fragmentNumber {
                        numbers.append(number)
                    }
                    creditSink.yield()
                }
            } catch {
                ackFailure = error
                writer.fail("acknowledgement stream ended")
            }
            // The exchange is over: a writer still pacing or waiting for credits has nothing left to do.
            creditSink.finish()
            group.cancelAll()
            let (sent, sendFailure) = await group.next() ?? (Summary(), nil)
            return (sent, sendFailure, errors, numbers, ackFailure)
        }
        if let ackFailure { throw PutMediaError(.service, "the PutMedia session failed", underlying: ackFailure) }
        if let sendFailure { throw sendFailure }
        var summary = sent
        summary.persisted = numbers.count
        summary.fragmentNumbers = numbers
        summary.elapsed = ContinuousClock.now - started
        if let first = errors.first {
            let id = first.errorId.map { String($0) } ?? "?"
            let timecode = first.fragmentTimecode.map { String($0) } ?? "?"
            throw PutMediaError(
                .errorAcknowledged,
                "\(errors.count) fragment(s) acknowledged ERROR; the first: ErrorId \(id) \(first.errorCode ?? "")"
                    + " at fragment timecode \(timecode)")
        }
        if summary.persisted < summary.fragmentsSent {
            throw PutMediaError(
                .incomplete,
                "the session ended with \(summary.persisted) of \(summary.fragmentsSent) fragments persisted")
        }
        return summary
    }

    /// The writer side: header, then every GOP of every loop as a Cluster, paced.
    private static func send(
        input: Input, options: Options, writer: PutMediaWriter, credits: AsyncStream<Void>, stop: StopSignal,
        summary: inout Summary, onEvent: @Sendable (Event) async -> Void
    ) async throws {
        var creditIterator = credits.makeAsyncIterator()
        var acknowledged = 0
        var shift: Int64 = 0
        var start: ContinuousClock.Instant?
        var headerSent = false
        for loop in 0..<options.loops {
            var source = try GOPSource.open(input, readSize: options.readSize)
            var first: Int64?
            var videoFrames = 0
            var firstVideo: Int64?
            while let event = try source.next() {
                if stop.isSet { return }
                switch event {
                case .header(let header):
                    source.header = header
                    guard !headerSent else { continue }
                    headerSent = true
                    try await writer.write(
                        (header.ebml ?? GOPClusterWriter.defaultEBMLHeader) + GOPClusterWriter.unknownSizeSegment
                            + header.info + header.tracks)
                case .gop(let gop):
                    if first == nil {
                        first = gop.startTime
                        if loop == 0 { shift = -gop.startTime }
                    }
                    for frame in gop.frames where frame.track == source.header?.videoTrack {
                        videoFrames += 1
                        if firstVideo == nil { firstVideo = frame.time }
                    }
                    let cluster = try GOPClusterWriter.cluster(gop, shift: shift)
                    let timecode = gop.startTime + shift
                    if options.realtime {
                        let scale = Int64(clamping: source.header?.timecodeScale ?? 1_000_000)
                        let origin = start ?? .now
                        start = origin
                        let (nanos, overflow) = max(0, timecode).multipliedReportingOverflow(by: scale)
                        if !overflow { try await Task.sleep(until: origin + .nanoseconds(nanos), clock: .continuous) }
                    } else {
                        while summary.fragmentsSent - acknowledged >= options.maxFragmentsInFlight {
                            guard await creditIterator.next() != nil else { return }
                            acknowledged += 1
                        }
                    }
                    if stop.isSet { return }
                    try await writer.write(cluster)
                    let sent = FragmentSent(
                        index: summary.fragmentsSent, loop: loop, timecode: timecode, frames: gop.frames.count,
                        bytes: cluster.count)
                    summary.fragmentsSent += 1
                    summary.bytesSent += cluster.count
                    await onEvent(.fragmentSent(sent))
                }
            }
            // The next loop starts one frame after this one's last frame.
            guard let first, let last = source.lastFrameTime else {
                throw PutMediaError(.invalidInput, "the input has no video key frame")
            }
            var frameDuration = source.header?.frameDuration ?? 0
            if frameDuration <= 0, videoFrames > 1, let firstVideo {
                frameDuration = max(1, (last - firstVideo) / Int64(videoFrames - 1))
            }
            shift += last - first + max(1, frameDuration)
        }
    }
}

/// Set once an `ERROR` acknowledgement arrived: nothing more is sent.
final class StopSignal: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// A ``MatroskaGOPReader`` over the input's bytes.
struct GOPSource: ~Copyable {
    private let bytes: ByteSource
    private var reader = MatroskaGOPReader()
    private var pending: [MatroskaGOPReader.Event] = []
    private var ended = false
    var header: MatroskaGOPReader.Header?

    static func open(_ input: KVSProducer.Input, readSize: Int) throws(PutMediaError) -> GOPSource {
        let path: String
        switch input {
        case .file(let file): path = file
        case .standardInput: path = "-"
        }
        do {
            return GOPSource(bytes: try ByteSource(path: path, chunkSize: readSize))
        } catch {
            throw PutMediaError(.io, error.description)
        }
    }

    private init(bytes: consuming ByteSource) { self.bytes = bytes }

    var lastFrameTime: Int64? { reader.lastFrameTime }

    mutating func next() throws(PutMediaError) -> MatroskaGOPReader.Event? {
        while pending.isEmpty {
            if ended { return nil }
            let chunk: [UInt8]?
            do {
                chunk = try bytes.next()
            } catch {
                throw PutMediaError(.io, error.description)
            }
            if let chunk {
                pending = try reader.feed(chunk)
            } else {
                ended = true
                pending = try reader.finish()
            }
        }
        return pending.removeFirst()
    }
}

/// Writes GOPs as KVS wants them: one known-size Cluster each, its Timecode the GOP's first frame.
enum GOPClusterWriter {
    static let unknownSizeSegment: [UInt8] = [0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    /// For inputs that start with a Segment.
    static let defaultEBMLHeader: [UInt8] = EBML.element(
        0x1A45_DFA3,
        EBML.element(0x4286, uint: 1) + EBML.element(0x42F7, uint: 1) + EBML.element(0x42F2, uint: 4)
            + EBML.element(0x42F3, uint: 8) + [0x42, 0x82, 0x88] + Array("matroska".utf8)
            + EBML.element(0x4287, uint: 4) + EBML.element(0x4285, uint: 2))

    /// The Cluster for `gop` with every time moved by `shift` (TimecodeScale units).
    static func cluster(_ gop: MatroskaGOPReader.GOP, shift: Int64) throws(PutMediaError) -> [UInt8] {
        let clusterTime = gop.startTime + shift
        guard clusterTime >= 0 else {
            throw PutMediaError(.invalidInput, "a GOP starts before the first key frame (timecode \(gop.startTime))")
        }
        var payload = EBML.element(0xE7, uint: UInt64(clusterTime))
        payload.reserveCapacity(gop.frames.reduce(payload.count) { $0 + $1.bytes.count })
        for frame in gop.frames {
            let relative = frame.time - gop.startTime
            guard let value = Int16(exactly: relative) else {
                throw PutMediaError(
                    .invalidInput,
                    "a GOP is too long for one Cluster (a frame \(relative) timecode units after its key frame)")
            }
            var bytes = frame.bytes
            let bits = UInt16(bitPattern: value)
            bytes[frame.timecodeOffset] = UInt8(bits >> 8)
            bytes[frame.timecodeOffset + 1] = UInt8(truncatingIfNeeded: bits)
            payload += bytes
        }
        return EBML.element(MatroskaGOPReader.clusterID, payload)
    }
}
