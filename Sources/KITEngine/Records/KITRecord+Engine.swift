import Crypto
import KITRecords
import KVSMatroska

/// How the engine fills KITRecords' model from what the pipeline has: the parser's fragment metadata and frame
/// (whose `description`s are the Java strings KIT publishes), the encoded image and the inference outcome.
extension KITRecord {
    /// The record of one sampled frame of `fragment` once its inference ended (`outcome` is not cancelled).
    init(
        streamName: String, fragment: FragmentMetadata, sampled: StreamPipeline.SampledFrame,
        imageContentType: String, outcome: InferenceOutcome, processing: KITRecord.Processing
    ) {
        self.init(
            streamName: streamName, fragmentMetaData: fragment.description,
            frameMetaData: sampled.frame.description, sageMakerOutput: outcome.response?.body ?? [],
            fragment: KITRecord.Fragment(fragment),
            // Absolute (milliseconds since 1970), whatever time base the producer's timecodes use: the fragment's
            // producer timestamp (KVS's AWS_KINESISVIDEO_PRODUCER_TIMESTAMP tag, the fragment's start) plus how
            // far into the fragment the frame is — what a four-key record's frame time is derived as, too.
            frame: KITRecord.Frame(
                sampled.frame, trackNumber: sampled.trackNumber,
                timestampMillis: fragment.producerTimestampMillis &+ sampled.offsetMillis),
            image: KITRecord.Image(sampled.image, contentType: imageContentType),
            inference: KITRecord.Inference(outcome), processing: processing)
    }
}

extension KITRecord.Fragment {
    init(_ metadata: FragmentMetadata) {
        self.init(
            fragmentNumber: metadata.fragmentNumber, serverTimestampMillis: metadata.serverTimestampMillis,
            producerTimestampMillis: metadata.producerTimestampMillis, success: metadata.success,
            errorId: metadata.errorId, errorCode: metadata.errorCode, millisBehindNow: metadata.millisBehindNow,
            continuationToken: metadata.continuationToken)
    }
}

extension KITRecord.Frame {
    /// `timestampMillis` is the frame's absolute time; the track number is written clamped to `Int`, as it always
    /// was.
    init(_ frame: MatroskaFrame, trackNumber: UInt64, timestampMillis: Int64) {
        self.init(
            trackNumber: Int(clamping: trackNumber), timeCode: Int(frame.timeCode), keyFrame: frame.keyFrame,
            invisible: frame.invisible, discardable: frame.discardable, lacing: frame.lacing.rawValue,
            timestampMillis: timestampMillis)
    }
}

extension KITRecord.Image {
    init(_ image: FrameImager.Image, contentType: String) {
        self.init(
            contentType: contentType, byteCount: image.bytes.count, sha256: Self.hex(SHA256.hash(data: image.bytes)),
            width: image.width, height: image.height)
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ digest: SHA256.Digest) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension KITRecord.Inference {
    init(_ outcome: InferenceOutcome) {
        self.init(
            outputContentType: outcome.response?.contentType, endpointLatencyMillis: outcome.latency.milliseconds,
            attempts: outcome.attempts, failure: outcome.response == nil ? outcome.failure : nil)
    }
}
