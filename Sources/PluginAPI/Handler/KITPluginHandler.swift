/// A KIT plugin in the style of the Lambda runtime's handlers: made once per plugin load from its configuration
/// (`init` may do I/O: it is `async`), then called with each batch, a Lambda Kinesis event.
///
/// `Output` is `Void` (every record succeeded, or throw to fail the batch as a whole: the host retries it with
/// backoff, bisects it to isolate the bad records, then dead-letters them) or ``KinesisBatchResponse`` (Lambda's
/// `ReportBatchItemFailures`: name the failed records and only they and those after them are delivered again).
/// Respond to task cancellation: it means the deadline passed and the host has already given up on the invocation.
///
/// Export it with one line in the plugin library (see ``KITPluginHandler/export(_:)``):
/// ```swift
/// @c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry { MyHandler.export(abi) }
/// ```
public protocol KITPluginHandler: Sendable {
    associatedtype Output: Sendable = Void
    /// Unique among the host's plugins, `[A-Za-z0-9._-]`, 1–64 characters; names its config, logs and metrics.
    static var name: String { get }
    static var version: String { get }

    init(context: PluginInitContext) async throws

    func handle(_ event: KinesisEvent, context: PluginContext) async throws -> Output
}

/// The bytes-level layer: receives the Lambda event JSON undecoded (for handlers that forward it as is, or decode it
/// their own way).
public protocol KITPluginByteHandler: Sendable {
    static var name: String { get }
    static var version: String { get }

    init(context: PluginInitContext) async throws

    func handle(_ event: [UInt8], context: PluginContext) async throws -> KinesisBatchResponse
}

/// The record-level convenience: one KIT record at a time, in order, already decoded (typed fields, inference
/// errors and all). A record whose `handle` throws — or that does not decode — is reported as a batch item
/// failure: it and the records after it are delivered again later (after the host's retries it alone is
/// dead-lettered), the records before it are done.
public protocol KITRecordHandler: Sendable {
    static var name: String { get }
    static var version: String { get }

    init(context: PluginInitContext) async throws

    func handle(_ record: KITRecord, context: PluginContext) async throws
}

/// The batch-of-records convenience: the batch's KIT records, decoded, each with the event record it came in.
/// Records that do not decode are not handed over: the batch ends before the first of them, and that record is
/// reported as failed for you. Return ``KITRecordBatch/succeeded`` or ``KITRecordBatch/failed(from:)``.
public protocol KITRecordBatchHandler: Sendable {
    static var name: String { get }
    static var version: String { get }

    init(context: PluginInitContext) async throws

    func handle(_ batch: KITRecordBatch, context: PluginContext) async throws -> KinesisBatchResponse
}

/// The decoded records of one batch, in order.
public struct KITRecordBatch: Sendable, RandomAccessCollection {
    public struct Item: Sendable {
        public var record: KITRecord
        /// The Lambda event record it came in (`eventID`, `kinesis.sequenceNumber`, …).
        public var event: KinesisEvent.Record
    }

    public let items: [Item]
    /// Set when a record after `items` did not decode: reported as the first failure whatever the handler says.
    let undecodable: KinesisEvent.Record?

    public var startIndex: Int { items.startIndex }
    public var endIndex: Int { items.endIndex }
    public subscript(position: Int) -> Item { items[position] }

    /// Every record handed over succeeded.
    public var succeeded: KinesisBatchResponse {
        undecodable.map(KinesisBatchResponse.failure(from:)) ?? .success
    }

    /// The record at `index` failed (it and every record after it are delivered again).
    public func failed(from index: Int) -> KinesisBatchResponse {
        guard items.indices.contains(index) else { return succeeded }
        return .failure(from: items[index].event)
    }
}
