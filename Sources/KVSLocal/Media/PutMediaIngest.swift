import KVSMatroska

/// One PutMedia session's ingest: body bytes in, acknowledgements out. ``MatroskaFragmenter`` cuts the body into
/// Clusters; each Cluster's elements are fed, as they arrive, to a `MatroskaStreamParser` that checks them against
/// the Segment's tracks (an unknown-size Cluster header first, so the parser emits the fragment when the Cluster is
/// closed). A complete, valid Cluster becomes a fragment: numbered when it starts (`BUFFERING`), timestamped,
/// written to disk with its index line (`PERSISTED`).
///
/// Errors in one fragment (bad blocks, a timecode going backwards, frames of unknown tracks) are acknowledged
/// `ERROR` and the session goes on; framing errors, oversize fragments, a deleted stream or a failing disk end it.
struct PutMediaIngest {
    enum TimecodeType: Sendable {
        case absolute, relative
    }

    struct Settings: Sendable {
        var timecodeType: TimecodeType
        /// `x-amzn-producer-start-timestamp` in milliseconds (RELATIVE timecodes count from it).
        var producerStartMillis: Int64
        var maxFragmentDurationMillis: Int64
        var fragmenterLimits: MatroskaFragmenter.Limits
    }

    /// The session is over (after the acknowledgements already emitted).
    struct Terminated: Error {}

    private struct Current {
        var number: String
        var serverMillis: Int64
        var chunks: [[UInt8]]
        var prefixLength: Int
        var parser = MatroskaStreamParser()
        var fragments: [MatroskaFragment] = []
        var parseErrors: [MatroskaParseError] = []
        var timecode: Int64?
        var announced = false

        mutating func parse(_ bytes: [UInt8]) {
            var events: [MatroskaStreamParser.Event] = []
            parser.feed(bytes) { events.append($0) }
            collect(events)
        }

        mutating func finishParsing() {
            var events: [MatroskaStreamParser.Event] = []
            parser.finish { events.append($0) }
            collect(events)
        }

        private mutating func collect(_ events: [MatroskaStreamParser.Event]) {
            for event in events {
                switch event {
                case .fragment(let fragment): fragments.append(fragment)
                case .error(let error): parseErrors.append(error)
                }
            }
        }
    }

    let store: StreamStore
    let settings: Settings
    let clock: KVSLocalClock
    private var fragmenter: MatroskaFragmenter
    private var current: Current?
    private var lastProducerMillis: Int64?
    private(set) var persistedCount = 0

    init(store: StreamStore, settings: Settings, clock: KVSLocalClock) {
        self.store = store
        self.settings = settings
        self.clock = clock
        fragmenter = MatroskaFragmenter(limits: settings.fragmenterLimits)
    }

    /// Feeds body bytes; `emit` gets each acknowledgement in order. Throws ``Terminated`` when the session must end.
    mutating func feed(_ bytes: some Collection<UInt8>, emit: (PutMediaAck) async -> Void) async throws(Terminated) {
        var events: [MatroskaFragmenter.Event] = []
        var failure: MatroskaFragmenter.Failure?
        do {
            try fragmenter.feed(bytes) { events.append($0) }
        } catch {
            failure = error
        }
        try await handle(events, emit: emit)
        if let failure { try await fail(failure, emit: emit) }
    }

    /// The body ended: completes an open unknown-size Cluster, or reports one cut short.
    mutating func finish(emit: (PutMediaAck) async -> Void) async throws(Terminated) {
        var events: [MatroskaFragmenter.Event] = []
        var failure: MatroskaFragmenter.Failure?
        do {
            try fragmenter.finish { events.append($0) }
        } catch {
            failure = error
        }
        try await handle(events, emit: emit)
        if let failure { try await fail(failure, emit: emit) }
    }

    private mutating func fail(_ failure: MatroskaFragmenter.Failure, emit: (PutMediaAck) async -> Void)
        async throws(Terminated)
    {
        let id: PutMediaErrorID = failure.kind == .fragmentTooLarge ? .maxFragmentSizeReached : .invalidMKVData
        await emit(
            PutMediaAck(
                eventType: .error, fragmentTimecode: current?.timecode, fragmentNumber: current?.number, errorID: id))
        current = nil
        throw Terminated()
    }

    private mutating func handle(_ events: [MatroskaFragmenter.Event], emit: (PutMediaAck) async -> Void)
        async throws(Terminated)
    {
        for event in events {
            switch event {
            case .clusterStarted(let prefix):
                let serverMillis = clock.now().epochMillis
                let number = await store.reserveFragmentNumber(serverMillis: serverMillis)
                var fragment = Current(
                    number: number, serverMillis: serverMillis, chunks: [prefix], prefixLength: prefix.count)
                fragment.parse(prefix)
                // The Cluster's size is only known at its end, so the parser sees it as unknown-size.
                fragment.parse(
                    MatroskaWriter.idBytes(MatroskaWriter.clusterID) + [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
                current = fragment

            case .clusterChild(let id, let bytes):
                guard var fragment = current else { continue }
                current = nil
                if id == 0xE7, fragment.timecode == nil {
                    fragment.timecode = Self.readUInt(bytes)
                }
                if !fragment.announced, fragment.timecode != nil || id == 0xA3 || id == 0xA0 {
                    fragment.announced = true
                    await emit(
                        PutMediaAck(
                            eventType: .buffering, fragmentTimecode: fragment.timecode, fragmentNumber: fragment.number)
                    )
                }
                fragment.chunks.append(bytes)
                fragment.parse(bytes)
                current = fragment

            case .clusterEnded(let payloadSize):
                guard var fragment = current else { continue }
                current = nil
                fragment.finishParsing()
                if !fragment.announced {
                    await emit(
                        PutMediaAck(
                            eventType: .buffering, fragmentTimecode: fragment.timecode, fragmentNumber: fragment.number)
                    )
                }
                try await complete(fragment, payloadSize: payloadSize, emit: emit)
            }
        }
    }

    private mutating func complete(_ fragment: Current, payloadSize: Int, emit: (PutMediaAck) async -> Void)
        async throws(Terminated)
    {
        func ack(_ type: PutMediaAck.EventType, _ error: PutMediaErrorID? = nil) -> PutMediaAck {
            PutMediaAck(
                eventType: type, fragmentTimecode: fragment.timecode, fragmentNumber: fragment.number, errorID: error)
        }
        await emit(ack(.received))
        guard fragment.timecode != nil, fragment.parseErrors.isEmpty, let parsed = fragment.fragments.first,
            !parsed.tracks.isEmpty
        else {
            await emit(ack(.error, .invalidMKVData))
            return
        }
        guard !parsed.frames.isEmpty else {
            await emit(ack(.error, .framesMissingForTrack))
            return
        }
        let trackNumbers = Set(parsed.tracks.map(\.number))
        guard parsed.frames.allSatisfy({ trackNumbers.contains($0.trackNumber) }) else {
            await emit(ack(.error, .trackNumberMismatch))
            return
        }
        let timing = Self.timing(of: parsed)
        let producerMillis: Int64
        switch settings.timecodeType {
        case .absolute: producerMillis = timing.startMillis
        case .relative: producerMillis = settings.producerStartMillis &+ timing.startMillis
        }
        guard producerMillis >= 0 else {
            await emit(ack(.error, .invalidProducerTimestamp))
            return
        }
        if let last = lastProducerMillis, producerMillis <= last {
            await emit(ack(.error, .fragmentTimecodeLesserThanPrevious))
            return
        }
        guard timing.durationMillis <= settings.maxFragmentDurationMillis else {
            await emit(ack(.error, .maxFragmentDurationReached))
            return
        }
        var chunks = fragment.chunks
        chunks.insert(MatroskaWriter.clusterHeader(payloadSize: payloadSize), at: 1)
        let size = chunks.reduce(0) { $0 + $1.count }
        let record = FragmentRecord(
            number: fragment.number, serverMillis: fragment.serverMillis, producerMillis: producerMillis,
            durationMillis: timing.durationMillis, fileSize: size, clusterOffset: fragment.prefixLength)
        do {
            try await store.persist(record, chunks: chunks)
        } catch {
            let deleted = await store.isDeleted
            await emit(ack(.error, deleted ? .streamNotActive : .archivalError))
            throw Terminated()
        }
        lastProducerMillis = producerMillis
        persistedCount += 1
        await emit(ack(.persisted))
    }

    /// The fragment's first frame time and its length, in milliseconds: from the first to the last frame of the
    /// first video track (else of all frames) plus one frame duration (the track's default duration, else the
    /// average spacing).
    static func timing(of fragment: MatroskaFragment) -> (startMillis: Int64, durationMillis: Int64) {
        let video = fragment.videoTrack
        let frames = fragment.frames.filter { video == nil || $0.trackNumber == video?.number }
        let times = frames.map { fragment.timestampMillis(of: $0) }
        guard let first = times.min(), let last = times.max() else { return (fragment.startMillis, 0) }
        var frameMillis: Int64 = 0
        if let nanos = video?.defaultDurationNanos
            ?? fragment.track(frames.first?.trackNumber ?? 0)?.defaultDurationNanos
        {
            frameMillis = Int64(clamping: (nanos + 500_000) / 1_000_000)
        } else if times.count > 1 {
            frameMillis = (last - first) / Int64(times.count - 1)
        }
        return (fragment.startMillis, last - first + frameMillis)
    }

    static func millis(_ timecode: Int64, scale: UInt64) -> Int64 {
        let (product, overflow) = timecode.multipliedReportingOverflow(by: Int64(clamping: scale))
        return overflow ? Int64.max / 2 : product / 1_000_000
    }

    /// The value of an unsigned-integer element (the Cluster Timecode), header included in `element`.
    static func readUInt(_ element: [UInt8]) -> Int64? {
        guard element.count >= 2, element[0] == 0xE7 else { return nil }
        let sizeLength = element[1].leadingZeroBitCount + 1
        guard element[1] != 0, element.count >= 1 + sizeLength else { return nil }
        var value: UInt64 = 0
        for b in element[(1 + sizeLength)...].prefix(8) { value = value << 8 | UInt64(b) }
        return Int64(clamping: value)
    }
}
