import Hummingbird
import KVSMatroska
import Synchronization

/// One GetMedia response: fragments from the selector's start, in fragment-number order, then live ones as they are
/// persisted (the session waits on the stream's signal), until no fragment arrives for the idle timeout, the stream
/// is deleted, the server shuts down, or the client goes away (the task is cancelled).
struct GetMediaSession: Sendable {
    /// Where the session starts: after this fragment number (nil: from the first stored fragment).
    enum Start: Sendable, Equatable {
        case beforeFirst
        case after(String)
    }

    let store: StreamStore
    let start: Start
    let idleTimeout: Duration
    let clock: KVSLocalClock
    let dropAfter: Int?
    let bytesPerSecond: Int?
    let stopped: StopFlag

    /// Resolves a StartSelector against the stream as it is now.
    static func resolve(_ selector: GetMediaInput.StartSelector, store: StreamStore) async throws(KVSError) -> Start {
        switch selector.startSelectorType {
        case "EARLIEST":
            return .beforeFirst
        case "NOW":
            return await store.last.map { .after($0.number) } ?? .beforeFirst
        case "FRAGMENT_NUMBER":
            guard let number = selector.afterFragmentNumber else { throw KVSError.missing("AfterFragmentNumber") }
            guard FragmentNumber.isWellFormed(number) else {
                throw KVSError.invalid("AfterFragmentNumber", "must be a decimal fragment number")
            }
            return .after(number)
        case "CONTINUATION_TOKEN":
            guard let token = selector.continuationToken else { throw KVSError.missing("ContinuationToken") }
            guard FragmentNumber.isWellFormed(token), FragmentNumber.counter(of: token) != nil else {
                throw KVSError.invalid("ContinuationToken", "is not a continuation token this server issued")
            }
            return .after(token)
        case "SERVER_TIMESTAMP", "PRODUCER_TIMESTAMP":
            guard let timestamp = selector.startTimestamp else { throw KVSError.missing("StartTimestamp") }
            let cursor = await store.cursor(
                forTimestamp: timestamp.date.epochMillis, producer: selector.startSelectorType == "PRODUCER_TIMESTAMP")
            switch cursor {
            case .beforeFirst: return .beforeFirst
            case .after(let number): return .after(number)
            }
        default:
            throw KVSError.invalid(
                "StartSelectorType",
                "must be FRAGMENT_NUMBER, SERVER_TIMESTAMP, PRODUCER_TIMESTAMP, NOW, EARLIEST or CONTINUATION_TOKEN")
        }
    }

    func run(writer: inout any ResponseBodyWriter) async throws {
        var output = MediaStreamWriter(dropAfter: dropAfter, bytesPerSecond: bytesPerSecond)
        var cursor: String?
        if case .after(let number) = start { cursor = number }
        // Each pass sends at least one fragment or waits at most `idleTimeout`; it ends when a wait times out.
        while !Task.isCancelled, !stopped.isSet {
            let generation = store.signal.generation
            let batch = await store.fragments(after: cursor, limit: 8)
            if batch.isEmpty {
                if await store.isDeleted { return }
                guard await store.signal.wait(after: generation, timeout: idleTimeout) else { return }
                continue
            }
            for record in batch {
                try Task.checkCancellation()
                let path = store.fragmentPath(record)
                do {
                    let file = try await FileIO.run { () throws(KVSLocalError) in try FileIO.readFile(path) }
                    try await output.writeGetMediaFragment(
                        file, record: record, nowMillis: clock.now().epochMillis, to: &writer)
                } catch is KVSLocalError {
                    // Expired (retention) or deleted between listing and reading: KVS reports it in-stream.
                    try await output.write(
                        MediaStreamWriter.errorDocument([
                            (KVSTagName.errorCode, "Requested fragment is not found"),
                            (KVSTagName.errorId, "4000"),
                            (KVSTagName.continuationToken, record.number),
                        ]), to: &writer)
                }
                cursor = record.number
            }
        }
    }
}

/// A one-way flag set on graceful shutdown.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
