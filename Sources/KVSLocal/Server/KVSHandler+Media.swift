import AWSClients
import Foundation
import HTTPTypes
import Hummingbird
import KVSMatroska
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

extension KVSHandler {
    // MARK: GetMedia

    func getMedia(_ request: Request, region: String, body: [UInt8], fault: FaultDecision, requestID: String)
        async throws(KVSError) -> Response
    {
        let input = try JSONInput.decode(GetMediaInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        try store.gate.admitCall(.getMedia, perSecond: configuration.limits.getMediaCallsPerSecond)
        let lease = try store.gate.openSession(.getMedia, limit: configuration.limits.getMediaConnectionsPerStream)
        let start = try await GetMediaSession.resolve(input.startSelector, store: store)
        let stop = StopFlag()
        let session = GetMediaSession(
            store: store, start: start, idleTimeout: configuration.limits.getMediaIdleTimeout,
            clock: configuration.clock, dropAfter: fault.dropMediaAfterBytes,
            bytesPerSecond: configuration.limits.getMediaBytesPerSecond, stopped: stop)
        var headers = HTTPFields()
        headers[.contentType] = "video/webm"
        headers[Self.requestIDHeader] = requestID
        let logger = logger
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { lease.release() }
                // A client that goes away is noticed at the next write (or when the idle wait ends): Hummingbird's
                // inbound-close helper cannot be used once the JSON body has been read, which the status line
                // depends on.
                do {
                    try await withGracefulShutdownHandler {
                        try await session.run(writer: &writer)
                    } onGracefulShutdown: {
                        stop.set()
                        store.signal.notify()
                    }
                } catch is CancellationError {
                    return
                } catch is MediaStreamWriter.Dropped {
                    logger.debug(
                        "GetMedia dropped after the injected byte count", metadata: ["request-id": "\(requestID)"])
                    throw MediaStreamWriter.Dropped()
                }
                try await writer.finish(nil)
            })
    }

    // MARK: PutMedia

    func putMedia(_ request: Request, region: String, requestID: String) async throws(KVSError) -> Response {
        let name = request.headers[Self.streamNameHeader]
        let arn = request.headers[Self.streamARNHeader]
        guard name != nil || arn != nil else {
            throw KVSError(.invalidArgument, "x-amzn-stream-name or x-amzn-stream-arn is required")
        }
        let timecodeType: PutMediaIngest.TimecodeType
        switch request.headers[Self.timecodeTypeHeader]?.uppercased() {
        case "ABSOLUTE": timecodeType = .absolute
        case "RELATIVE", nil: timecodeType = .relative
        case let other?:
            throw KVSError.invalid("x-amzn-fragment-timecode-type", "must be ABSOLUTE or RELATIVE, not \(other)")
        }
        let startMillis: Int64
        if let header = request.headers[Self.producerStartHeader] {
            guard let millis = KVSTime.parseHeaderSeconds(header) else {
                throw KVSError.invalid("x-amzn-producer-start-timestamp", "must be epoch seconds (e.g. 1511852108.513)")
            }
            startMillis = millis
        } else {
            startMillis = configuration.clock.now().epochMillis
        }
        let store = try await registry.store(region: region, name: name, arn: arn)
        try store.gate.admitCall(.putMedia, perSecond: configuration.limits.putMediaCallsPerSecond)
        let lease = try store.gate.openSession(.putMedia, limit: configuration.limits.putMediaConnectionsPerStream)
        let limits = configuration.limits
        let settings = PutMediaIngest.Settings(
            timecodeType: timecodeType, producerStartMillis: startMillis,
            maxFragmentDurationMillis: Int64(limits.maxFragmentDuration.components.seconds) * 1000
                + limits.maxFragmentDuration.components.attoseconds / 1_000_000_000_000_000,
            fragmenterLimits: .init(maxElementSize: limits.maxElementBytes, maxFragmentSize: limits.maxFragmentBytes))
        let clock = configuration.clock
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[Self.requestIDHeader] = requestID
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { lease.release() }
                let (acks, sink) = AsyncStream.makeStream(of: PutMediaAck.self)
                let activity = Activity()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { sink.finish() }
                        try await cancelWhenGracefulShutdown {
                            var ingest = PutMediaIngest(store: store, settings: settings, clock: clock)
                            do {
                                for try await chunk in request.body {
                                    activity.touch()
                                    try await ingest.feed(chunk.readableBytesView) { sink.yield($0) }
                                }
                                try await ingest.finish { sink.yield($0) }
                            } catch is PutMediaIngest.Terminated {
                                return
                            }
                        }
                    }
                    group.addTask {
                        try await Self.watchIdle(activity: activity, limits: limits, sink: sink)
                    }
                    for await ack in acks {
                        try await writer.write(ByteBuffer(bytes: ack.bytes))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }

    /// While the body is silent: an `IDLE` ack every `putMediaIdleAckInterval`, and the end of the session after
    /// `putMediaIdleTimeout` (KVS closes a PutMedia that sends nothing for 30 s). A session older than
    /// `putMediaMaxConnectionDuration` gets a `MAX_CONNECTION_DURATION_REACHED` ack and ends.
    private static func watchIdle(
        activity: Activity, limits: KVSLocalServer.Limits, sink: AsyncStream<PutMediaAck>.Continuation
    ) async throws {
        let interval = limits.putMediaIdleAckInterval
        var tick = min(interval.map { $0 / 2 } ?? .seconds(1), .seconds(1), limits.putMediaIdleTimeout / 2)
        if let maximum = limits.putMediaMaxConnectionDuration { tick = min(tick, maximum / 4) }
        let opened = ContinuousClock.now
        var lastIdleAck = ContinuousClock.now
        while !Task.isCancelled {
            try await Task.sleep(for: max(tick, .milliseconds(20)))
            if let maximum = limits.putMediaMaxConnectionDuration, ContinuousClock.now - opened >= maximum {
                sink.yield(PutMediaAck(eventType: .error, errorID: .maxConnectionDurationReached))
                sink.finish()
                return
            }
            let idle = activity.idleFor
            if idle >= limits.putMediaIdleTimeout {
                sink.finish()
                return
            }
            if let interval, idle >= interval, ContinuousClock.now - lastIdleAck >= interval {
                sink.yield(.idle)
                lastIdleAck = .now
            }
        }
    }

    // MARK: Archived media

    func listFragments(region: String, body: [UInt8], requestID: String) async throws(KVSError) -> Response {
        let input = try JSONInput.decode(ListFragmentsInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        try store.gate.admitCall(.archivedMedia, perSecond: configuration.limits.archivedMediaCallsPerSecond)
        let limit = input.maxResults ?? 1000
        guard (1...1000).contains(limit) else { throw KVSError.invalid("MaxResults", "must be between 1 and 1000") }
        var selector: (producer: Bool, start: Int64, end: Int64)?
        if let fragmentSelector = input.fragmentSelector {
            let producer: Bool
            switch fragmentSelector.fragmentSelectorType {
            case "PRODUCER_TIMESTAMP": producer = true
            case "SERVER_TIMESTAMP": producer = false
            default: throw KVSError.invalid("FragmentSelectorType", "must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP")
            }
            let range = fragmentSelector.timestampRange
            let start = range.startTimestamp.date.epochMillis
            let end = range.endTimestamp.date.epochMillis
            guard start <= end else {
                throw KVSError.invalid("TimestampRange", "StartTimestamp must not be after EndTimestamp")
            }
            selector = (producer, start, end)
        }
        let after = try input.nextToken.map { (token) throws(KVSError) -> String in try PageToken.decode(token) }
        let page = await store.list(selector: selector, after: after, limit: limit)
        let output = ListFragmentsOutput(
            fragments: page.records.map(KinesisVideoFragment.init),
            nextToken: page.more ? page.records.last.map { PageToken.encode($0.number) } : nil)
        return Self.json(JSONOutput.encode(output), requestID: requestID)
    }

    func getMediaForFragmentList(
        _ request: Request, region: String, body: [UInt8], fault: FaultDecision, requestID: String
    ) async throws(KVSError) -> Response {
        let input = try JSONInput.decode(GetMediaForFragmentListInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        try store.gate.admitCall(.archivedMedia, perSecond: configuration.limits.archivedMediaCallsPerSecond)
        guard (1...1000).contains(input.fragments.count) else {
            throw KVSError.invalid("Fragments", "must hold 1 to 1000 fragment numbers")
        }
        var records: [FragmentRecord] = []
        for number in input.fragments {
            guard FragmentNumber.isWellFormed(number), let record = await store.fragment(number) else {
                throw KVSError(.invalidArgument, "Fragment numbers are invalid: \(number)")
            }
            records.append(record)
        }
        var headers = HTTPFields()
        headers[.contentType] = "video/webm"
        headers[Self.requestIDHeader] = requestID
        let dropAfter = fault.dropMediaAfterBytes
        let snapshot = records
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var output = MediaStreamWriter(dropAfter: dropAfter)
                for record in snapshot {
                    let path = store.fragmentPath(record)
                    do {
                        let file = try await FileIO.run { () throws(KVSLocalError) in try FileIO.readFile(path) }
                        try await output.writeArchivedFragment(file, record: record, to: &writer)
                    } catch is KVSLocalError {
                        try await output.write(
                            MediaStreamWriter.errorDocument([
                                (KVSTagName.fragmentNumber, record.number),
                                (KVSTagName.exceptionErrorCode, "4000"),
                                (KVSTagName.exceptionMessage, "The fragment is no longer stored"),
                            ]), to: &writer)
                    }
                }
                try await writer.finish(nil)
            })
    }
}

/// When the last body bytes of a PutMedia arrived.
final class Activity: Sendable {
    private let last = Mutex(ContinuousClock.now)
    func touch() { last.withLock { $0 = .now } }
    var idleFor: Duration { ContinuousClock.now - last.withLock { $0 } }
}
