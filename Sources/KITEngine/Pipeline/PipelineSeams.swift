import Foundation
import KITPlugins
import KVSMatroska

/// Hands a fragment's published records to the plugins; the returned closure returns once every plugin has taken
/// or dead-lettered them — `true`, and the fragment may be checkpointed — or `false` when some were abandoned
/// (shutdown, a dead-letter write that kept failing): then it must not be. ``PluginDispatcher`` is the real one; the
/// protocol lets tests hold or refuse deliveries.
public protocol ResultDispatching: Sendable {
    func dispatch(stream: String, records: [DispatchRecord]) -> @Sendable () async -> Bool
}

/// The engine's seam to the plugins: each fragment's published records go to the dispatcher (Lambda
/// event-source-mapping semantics, in process), and the fragment may be checkpointed once every plugin took or
/// dead-lettered them.
extension PluginDispatcher: ResultDispatching {
    public func dispatch(stream: String, records: [DispatchRecord]) -> @Sendable () async -> Bool {
        let delivery = enqueue(stream: stream, records: records)
        return { await delivery.wait() }
    }
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
