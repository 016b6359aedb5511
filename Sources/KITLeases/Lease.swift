/// How far a stream has been processed: the last fragment whose results are all durably published, and where
/// GetMedia resumes after it.
public struct Checkpoint: Sendable, Equatable, Codable {
    /// The last fully processed fragment (KVS fragment numbers are decimal strings of up to 47 digits).
    public var fragmentNumber: String
    /// GetMedia's continuation token for the position after ``fragmentNumber``, when one was received.
    public var continuationToken: String?
    /// The fragment's server timestamp (AWS_KINESISVIDEO_SERVER_TIMESTAMP), milliseconds since 1970.
    public var serverTimestampMillis: Int64?
    /// The fragment's producer timestamp (AWS_KINESISVIDEO_PRODUCER_TIMESTAMP), milliseconds since 1970.
    public var producerTimestampMillis: Int64?

    public init(
        fragmentNumber: String, continuationToken: String? = nil, serverTimestampMillis: Int64? = nil,
        producerTimestampMillis: Int64? = nil
    ) {
        self.fragmentNumber = fragmentNumber
        self.continuationToken = continuationToken
        self.serverTimestampMillis = serverTimestampMillis
        self.producerTimestampMillis = producerTimestampMillis
    }
}

/// One stream's lease, as stored: who processes the stream and how far it got. The counter is the lease's version:
/// every take, renew and release bumps it, every conditional write names the value it expects, and other workers
/// judge liveness by watching it change (never by comparing clocks).
public struct Lease: Sendable, Equatable {
    /// The stream name (the DynamoDB hash key attribute `leaseKey`).
    public var key: String
    /// The worker holding the lease; `nil` when it is free.
    public var owner: String?
    /// Bumped on every take, renew and release (KCL's `leaseCounter`).
    public var counter: Int64
    public var checkpoint: Checkpoint?
    /// How many times the lease changed hands since the last checkpoint (a stream that keeps moving without
    /// progress is a poison stream).
    public var ownerSwitchesSinceCheckpoint: Int64
    /// Wall clock of the last write, in milliseconds since 1970: for `kithost status` only, never for expiry.
    public var lastUpdatedMillis: Int64
    /// Wall clock of the last checkpoint write (for the checkpoint's age in `kithost status`).
    public var checkpointWrittenMillis: Int64?

    public init(
        key: String, owner: String? = nil, counter: Int64 = 0, checkpoint: Checkpoint? = nil,
        ownerSwitchesSinceCheckpoint: Int64 = 0, lastUpdatedMillis: Int64 = 0, checkpointWrittenMillis: Int64? = nil
    ) {
        self.key = key
        self.owner = owner
        self.counter = counter
        self.checkpoint = checkpoint
        self.ownerSwitchesSinceCheckpoint = ownerSwitchesSinceCheckpoint
        self.lastUpdatedMillis = lastUpdatedMillis
        self.checkpointWrittenMillis = checkpointWrittenMillis
    }
}
