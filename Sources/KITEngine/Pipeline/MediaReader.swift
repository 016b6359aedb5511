import AWSClients
import Foundation
import KITAsync
import KVSMatroska
import Logging
import Metrics

/// Where a stream's reading starts: from a checkpoint (its continuation token, else after its fragment number) or
/// from the configured start.
public enum StreamPosition: Sendable, Equatable {
    case now
    case earliest
    case afterFragment(String)
    case continuation(String)

    var selector: KinesisVideoStartSelector {
        switch self {
        case .now: .now
        case .earliest: .earliest
        case .afterFragment(let number): .fragmentNumber(after: number)
        case .continuation(let token): .continuationToken(token)
        }
    }
}

/// One stream's media as a sequence of fragments: `for try await fragment in reader.fragments(from: position)`.
///
/// Behind the sequence: `GetDataEndpoint(GET_MEDIA)`, then `GetMedia` from the position, parsed as bytes arrive.
/// When a session ends — the stream went idle, KVS closed it, the connection failed, an error fragment arrived — the
/// sequence reconnects (after a full-jitter ``Backoff`` when the session failed, after ``idlePause`` when it ended
/// with nothing new) from just after the last fragment it handed out (its continuation token, else its fragment
/// number), so no fragment is skipped or repeated across reconnects. It never ends; it throws `CancellationError`
/// when its task is cancelled.
///
/// Nothing is read ahead of the consumer beyond one transport chunk: the next chunk is asked for only when the
/// fragments parsed from the last one have been taken, so while the consumer does not ask for the next fragment the
/// GetMedia transfer pauses (the streaming body's back-pressure closes the TCP window).
struct MediaReader: Sendable {
    let stream: String
    let control: KinesisVideoClient
    let logger: Logger
    let dimensions: [(String, String)]
    /// Between failed sessions.
    var backoff = Backoff(base: .milliseconds(250), maximum: .seconds(10))
    /// After a session that ended cleanly with nothing new (an idle stream), so idle streams cost ~1 call/s.
    var idlePause: Duration = .seconds(1)

    /// Every KVS fragment of the stream from `start`, in order: each has `metadata`, and its `success` is true
    /// (error fragments make the sequence reconnect instead).
    func fragments(from start: StreamPosition) -> Fragments { Fragments(reader: self, start: start) }

    struct Fragments: AsyncSequence, Sendable {
        typealias Element = MatroskaFragment
        let reader: MediaReader
        let start: StreamPosition

        func makeAsyncIterator() -> Iterator { Iterator(reader: reader, position: start) }
    }

    struct Iterator: AsyncIteratorProtocol {
        typealias Element = MatroskaFragment
        let reader: MediaReader
        /// Where the next session starts: just after the last fragment handed out.
        private(set) var position: StreamPosition
        private var media: KinesisVideoMediaClient?
        private var session: Session?
        /// Consecutive failed sessions (reset by every fragment handed out).
        private var failures = 0
        private var sessionsStarted = 0
        private let reconnects: Counter
        private let fragmentsRead: Counter
        private let bytesRead: Counter
        private let behind: Gauge

        /// One GetMedia response being read: its body, its parser, and the fragments parsed from the last chunk
        /// and not yet handed out.
        private struct Session {
            var body: AWSByteStream.AsyncIterator
            var parser = MatroskaStreamParser()
            var parsed: [MatroskaFragment] = []
            var nextParsed = 0
            var handedOut = 0
        }

        init(reader: MediaReader, position: StreamPosition) {
            self.reader = reader
            self.position = position
            reconnects = Counter(label: MetricName.getMediaReconnects, dimensions: reader.dimensions)
            fragmentsRead = Counter(label: MetricName.fragmentsRead, dimensions: reader.dimensions)
            bytesRead = Counter(label: MetricName.bytesRead, dimensions: reader.dimensions)
            behind = Gauge(label: MetricName.millisBehindNow, dimensions: reader.dimensions)
        }

        mutating func next() async throws -> MatroskaFragment? {
            while true {
                try Task.checkCancellation()
                // Taken out while it is worked on, so its parser's buffers are never shared (no copy on write).
                guard var current = session.take() else {
                    try await startSession()
                    continue
                }
                do {
                    if let fragment = try take(from: &current) {
                        session = current
                        return fragment
                    }
                    guard let chunk = try await current.body.next() else {
                        if current.handedOut == 0 { try await Task.sleep(for: reader.idlePause) }
                        continue
                    }
                    bytesRead.increment(by: Int64(chunk.count))
                    parse(chunk, into: &current)
                    session = current
                } catch {
                    try await sessionFailed(error)
                }
            }
        }

        /// The next parsed fragment, if one is waiting; throws at an error fragment (the session is over).
        private mutating func take(from current: inout Session) throws(ReaderError) -> MatroskaFragment? {
            while current.nextParsed < current.parsed.count {
                let fragment = current.parsed[current.nextParsed]
                current.nextParsed += 1
                guard let metadata = fragment.metadata else {
                    // Not a KVS fragment (no fragment number): nothing to resume from or checkpoint.
                    reader.logger.error(
                        "fragment without KVS tags skipped", metadata: ["offset": "\(fragment.startOffset)"])
                    continue
                }
                guard metadata.success else {
                    throw ReaderError.errorFragment(code: metadata.errorCode ?? "unknown", id: metadata.errorId)
                }
                fragmentsRead.increment()
                if let millis = metadata.millisBehindNow { behind.record(millis) }
                current.handedOut += 1
                failures = 0
                position =
                    metadata.continuationToken.map(StreamPosition.continuation)
                    ?? .afterFragment(metadata.fragmentNumber)
                return fragment
            }
            return nil
        }

        private func parse(_ chunk: [UInt8], into current: inout Session) {
            var events: [MatroskaStreamParser.Event] = []
            current.parser.feed(chunk) { events.append($0) }
            current.parsed.removeAll(keepingCapacity: true)
            current.nextParsed = 0
            for event in events {
                switch event {
                case .fragment(let fragment): current.parsed.append(fragment)
                case .error(let error): reader.logger.warning("corrupt media skipped", metadata: ["error": "\(error)"])
                }
            }
        }

        private mutating func startSession() async throws {
            if sessionsStarted > 0 { reconnects.increment() }
            sessionsStarted += 1
            do {
                let client: KinesisVideoMediaClient
                if let media {
                    client = media
                } else {
                    client = try await reader.control.mediaClient(for: .name(reader.stream), api: .getMedia)
                    media = client
                }
                let response = try await client.getMedia(
                    GetMediaInput(stream: .name(reader.stream), startSelector: position.selector))
                reader.logger.debug("GetMedia session started", metadata: ["from": "\(position)"])
                session = Session(body: response.payload.makeAsyncIterator())
            } catch {
                try await sessionFailed(error)
            }
        }

        /// Waits out the backoff before the next session; rethrows cancellation and anything that is not a
        /// session failure.
        private mutating func sessionFailed(_ error: any Error) async throws {
            switch error {
            case let error as AWSError where error.code == .cancelled:
                try Task.checkCancellation()
            case let error as AWSError:
                // A not-found or moved endpoint: resolve it again next time.
                if error.status == nil || error.status == 404 || (error.status ?? 0) >= 500 { media = nil }
            case is ReaderError:
                break
            default:
                throw error
            }
            try Task.checkCancellation()
            failures += 1
            let delay = reader.backoff.delay(retry: failures)
            reader.logger.warning(
                "GetMedia session failed; reconnecting",
                metadata: ["error": "\(error)", "in": "\(delay)", "from": "\(position)"])
            try await Task.sleep(for: delay)
        }
    }

    enum ReaderError: Error, CustomStringConvertible {
        case errorFragment(code: String, id: Int64)
        var description: String {
            switch self {
            case .errorFragment(let code, let id): "KVS sent an error fragment: \(code) (id \(id))"
            }
        }
    }
}
