import AWSClients
import Foundation
import KITAsync
import Logging
import Metrics

/// Where results go. `publish` returns only when every record is durably accepted (retrying as long as it takes,
/// until cancelled), so a fragment can be checkpointed after it.
public protocol ResultPublisher: Sendable {
    /// The ARN (or a local stand-in) plugins see as `eventSourceARN`.
    var eventSourceARN: String { get }
    func publish(stream: String, records: [[UInt8]]) async throws -> [PublishedRecord]
}

public struct PublishedRecord: Sendable, Equatable {
    public var sequenceNumber: String
    public var arrivalTimestamp: Double
}

/// `PutRecords` to a Kinesis data stream, partition key = stream name. Records that fail are sent again (only
/// those) after a full-jitter backoff, round after round, until they are accepted; a fragment's records are
/// published before the next fragment's.
public struct KinesisResultPublisher: ResultPublisher {
    public let streamName: String
    public let eventSourceARN: String
    let client: KinesisClient
    let logger: Logger
    let workerId: String
    /// Between rounds of re-publishing what failed.
    var rounds = Backoff(base: .milliseconds(200), maximum: .seconds(5))

    public init(streamName: String, streamARN: String, client: KinesisClient, workerId: String, logger: Logger) {
        self.streamName = streamName
        eventSourceARN = streamARN
        self.client = client
        self.workerId = workerId
        self.logger = logger
    }

    public func publish(stream: String, records: [[UInt8]]) async throws -> [PublishedRecord] {
        var published = [PublishedRecord?](repeating: nil, count: records.count)
        var pending = Array(records.indices)
        var round = 0
        while !pending.isEmpty {
            try Task.checkCancellation()
            let entries = pending.map { PutRecordsEntry(data: records[$0], partitionKey: stream) }
            let outcome: PutRecordsOutcome
            do {
                // One attempt per round: the rounds here retry (without end), and count what failed.
                outcome = try await client.putRecords(
                    streamName: streamName, records: entries, limits: PutRecordsLimits(maxAttempts: 1))
            } catch {
                throw CancellationError()
            }
            var again: [Int] = []
            let now = Date().timeIntervalSince1970
            for (index, result) in zip(pending, outcome.results) {
                if result.isSuccess, let sequence = result.sequenceNumber {
                    published[index] = PublishedRecord(sequenceNumber: sequence, arrivalTimestamp: now)
                } else {
                    again.append(index)
                }
            }
            if !again.isEmpty {
                Counter(label: MetricName.recordsFailed, dimensions: [("stream", stream), ("worker", workerId)])
                    .increment(by: Int64(again.count))
                round += 1
                let first = outcome.results.first { !$0.isSuccess }
                logger.warning(
                    "PutRecords left records unpublished; sending them again",
                    metadata: [
                        "failed": "\(again.count)", "round": "\(round)",
                        "error": "\(first?.errorCode ?? outcome.lastRequestError.map { "\($0)" } ?? "?")",
                    ])
                try await rounds.sleep(retry: round)
            }
            pending = again
        }
        return published.compactMap { $0 }
    }
}

/// Appends one JSON line per record to a local file, each fragment's lines in one `write` and `fsync`ed before
/// returning (a failed write is tried again after a full-jitter backoff, until it succeeds or the task is
/// cancelled). Sequence numbers are a per-stream counter (millisecond start time × 10⁶ + n, so they keep increasing
/// across restarts); `eventSourceARN` names the file.
public final class JSONLResultPublisher: ResultPublisher {
    public let path: String
    public let eventSourceARN: String
    private let fd: Int32
    private let counters = LockedDictionary<String, UInt64>()
    private let retries = Backoff(base: .milliseconds(100), maximum: .seconds(5))

    public init(path: String) throws(PublisherError) {
        self.path = path
        eventSourceARN = "arn:kit:jsonl:::" + path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PublisherError(message: "cannot open results file \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    public func publish(stream: String, records: [[UInt8]]) async throws -> [PublishedRecord] {
        guard !records.isEmpty else { return [] }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(records.reduce(0) { $0 + $1.count + 1 })
        for record in records {
            buffer += record
            buffer.append(0x0A)
        }
        var attempt = 0
        while true {
            if let error = writeAll(buffer) {
                attempt += 1
                try Task.checkCancellation()
                if attempt == 1 || attempt % 20 == 0 {
                    Logger(label: "kit.publish").error(
                        "cannot append results; retrying", metadata: ["error": "\(error)"])
                }
                try await retries.sleep(retry: attempt)
                continue
            }
            break
        }
        let now = Date().timeIntervalSince1970
        let base = UInt64(now * 1000) * 1_000_000
        return counters.update(stream, default: base) { counter in
            records.map { _ in
                counter += 1
                return PublishedRecord(sequenceNumber: String(counter), arrivalTimestamp: now)
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) -> String? {
        let failure: String? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
        if let failure { return failure }
        return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
    }
}

public struct PublisherError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
