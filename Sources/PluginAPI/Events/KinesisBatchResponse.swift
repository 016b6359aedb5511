/// Lambda's partial batch response for a Kinesis event source with `ReportBatchItemFailures`:
/// `{"batchItemFailures":[{"itemIdentifier":"<kinesis.sequenceNumber>"}]}`. Return it from a handler to fail only
/// some records of a batch: the host re-delivers from the first failed record on (the records before it are done
/// and never delivered again), and checkpoints nothing past a record that was not delivered. An empty list means
/// every record succeeded; an identifier that names no record of the batch fails the whole batch, as in Lambda.
public struct KinesisBatchResponse: Sendable, Codable, Equatable {
    public struct BatchItemFailure: Sendable, Codable, Equatable {
        /// The failed record's `kinesis.sequenceNumber`.
        public var itemIdentifier: String

        public init(itemIdentifier: String) { self.itemIdentifier = itemIdentifier }
    }

    public var batchItemFailures: [BatchItemFailure]

    public init(batchItemFailures: [BatchItemFailure] = []) { self.batchItemFailures = batchItemFailures }

    /// Every record succeeded.
    public static let success = KinesisBatchResponse()

    /// `record` failed; the host delivers it and every record after it again.
    public static func failure(from record: KinesisEvent.Record) -> KinesisBatchResponse {
        KinesisBatchResponse(batchItemFailures: [BatchItemFailure(itemIdentifier: record.kinesis.sequenceNumber)])
    }

    public var isSuccess: Bool { batchItemFailures.isEmpty }
}
