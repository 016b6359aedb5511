import Foundation

/// One inference result, as the KIT host publishes it (to Kinesis or JSONL) and as a plugin reads it back: the one
/// record model both sides import.
///
/// On the wire it is KIT's JSON (MISSION item 6): first the four keys of KIT's Java implementation with its strings
/// exactly — `streamName`, `fragmentMetaData` (the Java KVS parser's `FragmentMetadata.toString()`), `frameMetaData`
/// (`Frame.toString()`), `sageMakerOutput` (base64 of the endpoint's response body) — so consumers that slice those
/// strings by position keep working, then typed keys of ours (see ``json()`` for the list and order). In Swift the
/// typed data is grouped: ``fragment``, ``frame``, ``image``, ``inference`` and ``processing``.
///
/// A record with only KIT's four keys (what the original Java KIT publishes) decodes too: its fragment and frame
/// fields are then read from the Java strings, and what only our host knows (image, latency, attempts, worker) is
/// `nil`. When a typed key and a Java string disagree, the typed key wins; the strings are kept exactly as they
/// arrived and are not rewritten when typed fields change.
public struct KITRecord: Sendable, Equatable, Identifiable {
    public var streamName: String
    /// `FragmentMetadata(fragmentNumberString=…, …)` exactly as published.
    public var fragmentMetaData: String
    /// `Frame(trackNumber=…, timeCode=…, …)` exactly as published.
    public var frameMetaData: String
    /// The endpoint's response body (the wire's `sageMakerOutput` is its base64); empty when the inference failed.
    public var sageMakerOutput: [UInt8]

    public var fragment: Fragment
    public var frame: Frame
    /// What was sent to the endpoint; `nil` for a record that does not say (a four-key record).
    public var image: Image?
    public var inference: Inference
    /// Which worker made the record, and when; `nil` for a record that does not say.
    public var processing: Processing?

    public init(
        streamName: String, fragmentMetaData: String, frameMetaData: String, sageMakerOutput: [UInt8],
        fragment: Fragment, frame: Frame, image: Image? = nil, inference: Inference = Inference(),
        processing: Processing? = nil
    ) {
        self.streamName = streamName
        self.fragmentMetaData = fragmentMetaData
        self.frameMetaData = frameMetaData
        self.sageMakerOutput = sageMakerOutput
        self.fragment = fragment
        self.frame = frame
        self.image = image
        self.inference = inference
        self.processing = processing
    }

    /// A record with only KIT's four keys: the typed fragment and frame fields are parsed from the Java strings
    /// (see ``Frame/timestampMillis`` for how the frame's time is derived).
    public init(streamName: String, fragmentMetaData: String, frameMetaData: String, sageMakerOutput: [UInt8])
        throws(KITRecordError)
    {
        let fragment = try Fragment(javaString: fragmentMetaData)
        let frame = try Frame(javaString: frameMetaData, producerTimestampMillis: fragment.producerTimestampMillis)
        self.init(
            streamName: streamName, fragmentMetaData: fragmentMetaData, frameMetaData: frameMetaData,
            sageMakerOutput: sageMakerOutput, fragment: fragment, frame: frame)
    }

    /// Stream, fragment number and frame timecode: unique per record, because the host makes at most one record
    /// per key frame and a KVS fragment is one Cluster (the timecode is relative to it). A replayed fragment gives
    /// its records the same ids, so a plugin can use them to stay idempotent.
    public struct ID: Hashable, Sendable, Codable, CustomStringConvertible {
        public var streamName: String
        public var fragmentNumber: String
        public var frameTimecode: Int

        public init(streamName: String, fragmentNumber: String, frameTimecode: Int) {
            self.streamName = streamName
            self.fragmentNumber = fragmentNumber
            self.frameTimecode = frameTimecode
        }

        /// `stream/fragmentNumber/timecode`.
        public var description: String { "\(streamName)/\(fragmentNumber)/\(frameTimecode)" }
    }

    public var id: ID {
        ID(streamName: streamName, fragmentNumber: fragment.fragmentNumber, frameTimecode: frame.timeCode)
    }

    /// The frame's absolute time in milliseconds on the producer's time base (see ``Frame/timestampMillis``).
    public var frameTimestampMillis: Int64 { frame.timestampMillis }
    /// ``frameTimestampMillis`` as a date.
    public var frameTimestamp: Date { frame.timestamp }

    /// The endpoint output as a SageMaker object-detection result. Throws ``KITRecordError/Code/inferenceFailed``
    /// when the inference failed (there is no output: an empty one would read as "nothing detected").
    public func objectDetection() throws(KITRecordError) -> ObjectDetection {
        if let failure = inference.failure {
            throw KITRecordError(
                .inferenceFailed, "inference failed after \(inference.attempts ?? 0) attempt(s): \(failure)",
                key: "inferenceError")
        }
        return try ObjectDetection(json: sageMakerOutput)
    }

    /// The endpoint output as parsed JSON (`[String: Any]`, `[Any]`, …) for embedding in documents, or `nil` if it
    /// is not JSON (as when the inference failed: the output is then empty).
    public func sageMakerOutputJSON() -> Any? {
        try? JSONSerialization.jsonObject(with: Data(sageMakerOutput), options: [.fragmentsAllowed])
    }
}
