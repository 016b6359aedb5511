import Foundation
import KVSMatroska

/// One inference result as KIT publishes it (MISSION.md item 6): the four keys and strings of KIT's Java
/// implementation exactly — `streamName`, `fragmentMetaData` (the Java parser's `FragmentMetadata.toString()`),
/// `frameMetaData` (`Frame.toString()`), `sageMakerOutput` (base64 of the endpoint's response body) — followed by
/// typed keys of ours, so consumers written for KIT keep parsing by position and new ones need not.
public struct KITRecord: Sendable, Equatable {
    public var streamName: String
    public var fragment: FragmentMetadata
    /// `Frame(trackNumber=…, timeCode=…, …)`.
    public var frameDescription: String
    public var trackNumber: UInt64
    /// The frame's block timecode relative to its cluster (what `frameMetaData` prints as `timeCode`).
    public var frameTimecode: Int16
    /// The frame's absolute time in milliseconds on the producer's time base (cluster timecode + block timecode).
    public var frameTimestampMillis: Int64
    /// The endpoint's response body; empty when `inferenceError` is set.
    public var output: [UInt8]
    public var outputContentType: String?
    /// What was sent to the endpoint (`image/jpeg` or `image/png`), its size and its SHA-256 (hex).
    public var imageContentType: String
    public var imageBytes: Int
    public var imageSHA256: String
    public var width: Int
    public var height: Int
    public var endpointLatencyMillis: Double
    public var attempts: Int
    /// Set when the endpoint never answered successfully (after retries): the record is still published, so that
    /// records + skipped = eligible I-frames holds and nothing is lost silently.
    public var inferenceError: String?
    public var workerId: String
    /// When the fragment was complete in this worker's reader (milliseconds since the epoch): processedAt − receivedAt
    /// − endpointLatency is the latency the host itself adds.
    public var receivedAtMillis: Int64
    /// When the result was made (milliseconds since the epoch).
    public var processedAtMillis: Int64

    /// The JSON bytes published to Kinesis (or one line of the JSONL sink, without the newline).
    public func json() -> [UInt8] {
        var o = JSONObjectWriter()
        o.add("streamName", streamName)
        o.add("fragmentMetaData", fragment.description)
        o.add("frameMetaData", frameDescription)
        o.add("sageMakerOutput", Data(output).base64EncodedString())
        o.add("fragmentNumber", fragment.fragmentNumber)
        o.add("serverTimestampMillis", fragment.serverTimestampMillis)
        o.add("producerTimestampMillis", fragment.producerTimestampMillis)
        o.add("trackNumber", Int64(clamping: trackNumber))
        o.add("frameTimecode", Int(frameTimecode))
        o.add("frameTimestampMillis", frameTimestampMillis)
        o.add("outputContentType", outputContentType)
        o.add("imageContentType", imageContentType)
        o.add("imageBytes", imageBytes)
        o.add("imageSha256", imageSHA256)
        o.add("width", width)
        o.add("height", height)
        o.add("endpointLatencyMillis", endpointLatencyMillis)
        o.add("attempts", attempts)
        if let inferenceError { o.add("inferenceError", inferenceError) }
        o.add("workerId", workerId)
        o.add("receivedAtMillis", receivedAtMillis)
        o.add("processedAtMillis", processedAtMillis)
        return Array(o.finished().utf8)
    }
}
