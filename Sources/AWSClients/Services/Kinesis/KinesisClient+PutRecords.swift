import Foundation
import Logging

/// How ``KinesisClient/putRecords(streamName:records:limits:deadline:)`` cuts and retries.
public struct PutRecordsLimits: Sendable, Hashable {
    /// Records per request (the API allows 500).
    public var maxRecordsPerRequest: Int
    /// Data plus partition key bytes per request (the API allows 5 MiB).
    public var maxBytesPerRequest: Int
    /// Sends per record, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(
        maxRecordsPerRequest: Int = 500, maxBytesPerRequest: Int = 5 * 1024 * 1024, maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)
    ) {
        self.maxRecordsPerRequest = max(1, min(500, maxRecordsPerRequest))
        self.maxBytesPerRequest = max(1, maxBytesPerRequest)
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Per-record codes worth sending again (the API documents these two, plus KMS throttling).
    static let retryableRecordCodes: Set<String> = [
        "ProvisionedThroughputExceededException", "InternalFailure", "KMSThrottlingException",
    ]
}

extension KinesisClient {
    /// Publishes `records`, in input order, in as few `PutRecords` requests as the limits allow, and sends again —
    /// after a full-jitter backoff — only the records that failed with a retryable code (or whose whole request
    /// failed retryably), up to ``PutRecordsLimits/maxAttempts`` times. Never throws for failed records: each one's
    /// outcome is in the result, in input order. Throws only when the task is cancelled.
    ///
    /// Delivery is at-least-once, as with every Kinesis producer: a request that failed in an unknown state (5xx,
    /// lost connection) is sent again, so a consumer may see a record twice; and retried records may land after
    /// later ones with the same partition key.
    public func putRecords(
        streamName: String, records: [PutRecordsEntry], limits: PutRecordsLimits = PutRecordsLimits(),
        deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> PutRecordsOutcome {
        let operation = "Kinesis.PutRecords"
        var results = Array(repeating: PutRecordsResultEntry(), count: records.count)
        var pending: [Int] = []
        for (index, record) in records.enumerated() {
            if record.wireSize > limits.maxBytesPerRequest {
                results[index].errorCode = "RecordTooLarge"
                results[index].errorMessage =
                    "data and partition key take \(record.wireSize) bytes, more than \(limits.maxBytesPerRequest)"
            } else {
                pending.append(index)
            }
        }
        var outcome = PutRecordsOutcome(results: [], requestCount: 0, lastRequestError: nil)
        var attempt = 1
        while !pending.isEmpty {
            var again: [Int] = []
            for batch in Self.batches(of: pending, records: records, limits: limits) {
                if Task.isCancelled { throw AWSError.cancelled(operation) }
                outcome.requestCount += 1
                do {
                    let entries = try await sendBatch(streamName, batch.map { records[$0] }, deadline: deadline)
                    for (index, entry) in zip(batch, entries) {
                        results[index] = PutRecordsResultEntry(
                            sequenceNumber: entry.sequenceNumber, shardId: entry.shardId,
                            errorCode: entry.errorCode, errorMessage: entry.errorMessage)
                        if let code = entry.errorCode, PutRecordsLimits.retryableRecordCodes.contains(code) {
                            again.append(index)
                        }
                    }
                } catch {
                    if error.code == .cancelled { throw error }
                    outcome.lastRequestError = error
                    for index in batch {
                        results[index] = PutRecordsResultEntry(
                            errorCode: error.serviceCode ?? error.code.description, errorMessage: error.message)
                    }
                    if error.isRetryable { again += batch }
                }
            }
            guard !again.isEmpty, attempt < limits.maxAttempts else { break }
            let ceiling = min(limits.baseDelay * (1 << min(attempt - 1, 30)), limits.maxDelay)
            let delay = ceiling * min(max(client.configuration.retry.unitRandom(), 0), 1)
            if let deadline, ContinuousClock.now + delay >= deadline { break }
            client.logger.debug(
                "retrying failed records",
                metadata: ["stream": "\(streamName)", "records": "\(again.count)", "attempt": "\(attempt + 1)"])
            do {
                try await client.configuration.retry.sleep(delay)
            } catch {
                throw AWSError.cancelled(operation)
            }
            pending = again.sorted()
            attempt += 1
        }
        outcome.results = results
        return outcome
    }

    /// Consecutive runs of `indices` within both the record-count and byte limits.
    static func batches(of indices: [Int], records: [PutRecordsEntry], limits: PutRecordsLimits) -> [[Int]] {
        var batches: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for index in indices {
            let size = records[index].wireSize
            if !current.isEmpty,
                current.count == limits.maxRecordsPerRequest || bytes + size > limits.maxBytesPerRequest
            {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(index)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    private func sendBatch(_ streamName: String, _ batch: [PutRecordsEntry], deadline: ContinuousClock.Instant?)
        async throws(AWSError) -> [PutRecordsResponseBody.Entry]
    {
        let body = PutRecordsRequestBody(
            streamName: streamName,
            records: batch.map {
                .init(data: Data($0.data), partitionKey: $0.partitionKey, explicitHashKey: $0.explicitHashKey)
            })
        // Not idempotent at the request level: retries of whole requests happen above, record by record.
        let output: PutRecordsResponseBody = try await client.jsonRPC(
            Self.rpc, "PutRecords", input: body, isIdempotent: false, deadline: deadline)
        guard output.records.count == batch.count else {
            throw AWSError(
                .invalidResponse, operation: "Kinesis.PutRecords",
                "\(output.records.count) results for \(batch.count) records")
        }
        return output.records
    }
}
