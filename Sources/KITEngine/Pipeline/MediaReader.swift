import AWSClients
import Foundation
import KVSMatroska
import Logging
import Metrics

/// Reads one stream's media forever: `GetDataEndpoint(GET_MEDIA)`, then `GetMedia` from a position, parsing as bytes
/// arrive and handing each complete fragment to the caller (who may take its time: the transfer pauses meanwhile).
/// When the session ends — the stream went idle, KVS closed it, the connection failed, an error fragment arrived —
/// it reconnects after a backoff from just after the last fragment it handed out (its continuation token, else its
/// fragment number), so no fragment is skipped or repeated across reconnects. It returns only when cancelled.
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

struct MediaReader: Sendable {
    let stream: String
    let control: KinesisVideoClient
    let logger: Logger
    let dimensions: [(String, String)]
    var minBackoff: Duration = .milliseconds(250)
    var maxBackoff: Duration = .seconds(10)
    /// Pause after a session that ended cleanly with nothing new (an idle stream), so idle streams cost ~1 call/s.
    var idlePause: Duration = .seconds(1)

    /// Calls `handle` for every fragment in order, forever; throws only `CancellationError` (or what `handle` throws).
    func run(from start: StreamPosition, handle: (MatroskaFragment) async throws -> Void) async throws {
        var position = start
        var media: KinesisVideoMediaClient?
        var failures = 0
        var sessions = 0
        let reconnects = Counter(label: MetricName.getMediaReconnects, dimensions: dimensions)
        let fragmentsRead = Counter(label: MetricName.fragmentsRead, dimensions: dimensions)
        let bytesRead = Counter(label: MetricName.bytesRead, dimensions: dimensions)
        let behind = Gauge(label: MetricName.millisBehindNow, dimensions: dimensions)
        while true {
            try Task.checkCancellation()
            if sessions > 0 { reconnects.increment() }
            sessions += 1
            var delivered = 0
            var sessionError: String?
            do {
                let client: KinesisVideoMediaClient
                if let media {
                    client = media
                } else {
                    client = try await control.mediaClient(for: .name(stream), api: .getMedia)
                    media = client
                }
                let session = try await client.getMedia(
                    GetMediaInput(stream: .name(stream), startSelector: position.selector))
                logger.debug("GetMedia session started", metadata: ["from": "\(position)"])
                var parser = MatroskaStreamParser()
                for try await chunk in session.payload {
                    bytesRead.increment(by: Int64(chunk.count))
                    var events: [MatroskaStreamParser.Event] = []
                    parser.feed(chunk) { events.append($0) }
                    for event in events {
                        switch event {
                        case .fragment(let fragment):
                            guard let metadata = fragment.metadata else {
                                // Not a KVS fragment (no fragment number): nothing to resume from or checkpoint.
                                logger.error(
                                    "fragment without KVS tags skipped", metadata: ["offset": "\(fragment.startOffset)"]
                                )
                                continue
                            }
                            guard metadata.success else {
                                throw ReaderError.errorFragment(
                                    code: metadata.errorCode ?? "unknown", id: metadata.errorId)
                            }
                            fragmentsRead.increment()
                            if let millis = metadata.millisBehindNow { behind.record(millis) }
                            try await handle(fragment)
                            delivered += 1
                            failures = 0
                            position =
                                metadata.continuationToken.map(StreamPosition.continuation)
                                ?? .afterFragment(metadata.fragmentNumber)
                        case .error(let error):
                            logger.warning("corrupt media skipped", metadata: ["error": "\(error)"])
                        }
                    }
                }
            } catch let error as CancellationError {
                throw error
            } catch let error as AWSError where error.code == .cancelled {
                try Task.checkCancellation()
                sessionError = "\(error)"
            } catch let error as AWSError {
                sessionError = "\(error)"
                // A not-found or moved endpoint: resolve it again next time.
                if error.status == nil || error.status == 404 || (error.status ?? 0) >= 500 { media = nil }
            } catch let error as ReaderError {
                sessionError = "\(error)"
            } catch {
                // `handle` failed: not ours to swallow.
                throw error
            }
            try Task.checkCancellation()
            if let sessionError {
                failures += 1
                let delay = backoff(failures)
                logger.warning(
                    "GetMedia session failed; reconnecting",
                    metadata: ["error": "\(sessionError)", "in": "\(delay)", "from": "\(position)"])
                try await Task.sleep(for: delay)
            } else if delivered == 0 {
                try await Task.sleep(for: idlePause)
            }
        }
    }

    private func backoff(_ failures: Int) -> Duration {
        let ceiling = min(maxBackoff, minBackoff * Int(1 << min(failures, 12)))
        return ceiling * Double.random(in: 0.5...1.0)
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
