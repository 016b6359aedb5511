import Foundation
import KVSMatroska

/// One published result on its way to the plugins (KITPlugins' dispatcher behind it).
public struct ResultEnvelope: Sendable {
    public var streamName: String
    public var fragmentNumber: String
    public var data: [UInt8]
    public var partitionKey: String
    public var sequenceNumber: String
    public var arrivalTimestamp: Double
    public var eventSourceARN: String
    public var awsRegion: String
    public var image: [UInt8]?
    public var imageContentType: String?
}

/// Hands a fragment's published results to the plugins; the returned closure returns once every plugin has taken
/// or dead-lettered them — `true`, and the fragment may be checkpointed — or `false` when some were abandoned
/// (shutdown, a dead-letter write that kept failing): then it must not be.
public protocol ResultDispatching: Sendable {
    func dispatch(stream: String, records: [ResultEnvelope]) -> @Sendable () async -> Bool
}

/// Records that a fragment and everything before it is fully processed. `false` means the lease is gone: the
/// pipeline must stop at once.
public protocol StreamCheckpointing: Sendable {
    func checkpoint(stream: String, fragment: FragmentMetadata) async throws -> Bool
}

/// Live per-stream figures for the status page and `kithost status`.
public struct StreamStatistics: Sendable, Codable, Equatable {
    public var stream: String
    public var fragments: Int = 0
    public var keyFrames: Int = 0
    public var eligible: Int = 0
    public var records: Int = 0
    public var skipped: Int = 0
    public var inferenceErrors: Int = 0
    public var checkpointedFragment: String?
    public var millisBehindNow: Int64?
    public var lastEndpointLatencyMillis: Double?
    public var lastIngestToProcessMillis: Int64?
    public var lastOutputBase64: String?
    public var lastImageContentType: String?
    public var startedAt: Date = Date()

    public init(stream: String) { self.stream = stream }
}
