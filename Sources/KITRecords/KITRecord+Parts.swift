import Foundation

extension KITRecord {
    /// The fragment the frame came from: what the Java `FragmentMetadata` string says, typed. Named `Fragment` (not
    /// `FragmentMetadata`) so that it never clashes with the parser's `KVSMatroska.FragmentMetadata`.
    public struct Fragment: Sendable, Equatable {
        /// The fragment number exactly as KVS sent it (a long decimal string).
        public var fragmentNumber: String
        /// `AWS_KINESISVIDEO_SERVER_TIMESTAMP` in milliseconds (Java's `ceil(seconds × 1000)`); -1 on an error
        /// fragment.
        public var serverTimestampMillis: Int64
        /// As ``serverTimestampMillis``, for `AWS_KINESISVIDEO_PRODUCER_TIMESTAMP`.
        public var producerTimestampMillis: Int64
        public var success: Bool
        public var errorId: Int64
        public var errorCode: String?
        /// From the fragment's trailing tags (GetMedia); `nil` when the Java string prints `OptionalLong.empty`.
        public var millisBehindNow: Int64?
        public var continuationToken: String?

        public init(
            fragmentNumber: String, serverTimestampMillis: Int64, producerTimestampMillis: Int64,
            success: Bool = true, errorId: Int64 = 0, errorCode: String? = nil, millisBehindNow: Int64? = nil,
            continuationToken: String? = nil
        ) {
            self.fragmentNumber = fragmentNumber
            self.serverTimestampMillis = serverTimestampMillis
            self.producerTimestampMillis = producerTimestampMillis
            self.success = success
            self.errorId = errorId
            self.errorCode = errorCode
            self.millisBehindNow = millisBehindNow
            self.continuationToken = continuationToken
        }

        /// When KVS received the fragment.
        public var serverTimestamp: Date { Date(millisSince1970: serverTimestampMillis) }
        /// The producer's time of the fragment's first frame.
        public var producerTimestamp: Date { Date(millisSince1970: producerTimestampMillis) }
    }

    /// The key frame the image was decoded from: what the Java `Frame` string says, typed, plus its absolute time.
    public struct Frame: Sendable, Equatable {
        public var trackNumber: Int
        /// The block's timecode **relative to its Cluster**, in the track's timecode units (milliseconds for KVS):
        /// what `frameMetaData` prints as `timeCode`. It is always 0 for a key frame that starts its Cluster, which
        /// is what KVS producers send (one Cluster per fragment, starting with its key frame), so it does not tell
        /// frames of different fragments apart: use ``timestampMillis`` for time.
        public var timeCode: Int
        public var keyFrame: Bool
        public var invisible: Bool
        public var discardable: Bool
        /// `NO`, `XIPH`, `FIXED_SIZE` or `EBML`, as Java prints it.
        public var lacing: String
        /// The frame's absolute time in milliseconds on the producer's time base. The host computes it from the
        /// stream ((Cluster timecode + block timecode) × TimecodeScale). For a record that does not carry it (KIT's
        /// four keys only) it is **derived** as the fragment's producer timestamp + ``timeCode``, which is the same
        /// number for KVS streams: their Cluster timecode is the producer timestamp in milliseconds.
        public var timestampMillis: Int64

        public init(
            trackNumber: Int, timeCode: Int, keyFrame: Bool = true, invisible: Bool = false,
            discardable: Bool = false, lacing: String = "NO", timestampMillis: Int64
        ) {
            self.trackNumber = trackNumber
            self.timeCode = timeCode
            self.keyFrame = keyFrame
            self.invisible = invisible
            self.discardable = discardable
            self.lacing = lacing
            self.timestampMillis = timestampMillis
        }

        /// ``timestampMillis`` as a date.
        public var timestamp: Date { Date(millisSince1970: timestampMillis) }
    }

    /// The encoded frame the endpoint was sent.
    public struct Image: Sendable, Equatable {
        /// `image/jpeg` or `image/png`.
        public var contentType: String
        public var byteCount: Int
        /// Lowercase hex SHA-256 of the image bytes.
        public var sha256: String
        public var width: Int
        public var height: Int

        public init(contentType: String, byteCount: Int, sha256: String, width: Int, height: Int) {
            self.contentType = contentType
            self.byteCount = byteCount
            self.sha256 = sha256
            self.width = width
            self.height = height
        }
    }

    /// How the endpoint call went. Every field is `nil` for a record that does not say (KIT's four keys only).
    public struct Inference: Sendable, Equatable {
        /// The `Content-Type` of the endpoint's answer.
        public var outputContentType: String?
        /// From the first call to the last answer, retries included (rounded to the microsecond on the wire).
        public var endpointLatencyMillis: Double?
        /// Calls made, retries included.
        public var attempts: Int?
        /// Set when the endpoint never answered successfully (after retries). The record is still published, with
        /// an empty ``KITRecord/sageMakerOutput``, so nothing is lost silently; ``KITRecord/objectDetection()``
        /// then throws ``KITRecordError/Code/inferenceFailed``.
        public var failure: Failure?

        public init(
            outputContentType: String? = nil, endpointLatencyMillis: Double? = nil, attempts: Int? = nil,
            failure: Failure? = nil
        ) {
            self.outputContentType = outputContentType
            self.endpointLatencyMillis = endpointLatencyMillis
            self.attempts = attempts
            self.failure = failure
        }

        /// Why the last attempt failed: the error's text (the wire's `inferenceError`) and, when the endpoint
        /// answered, its HTTP status and its body, bounded to ``maxBodyBytes`` of UTF-8.
        public struct Failure: Sendable, Equatable, CustomStringConvertible {
            /// How much of an error body a record keeps.
            public static let maxBodyBytes = 4096

            public var message: String
            /// The HTTP status of the failed answer, when there was one (none for a timeout or a refused connection).
            public var status: Int?
            /// The failed answer's body as UTF-8 text (invalid bytes replaced by U+FFFD), at most ``maxBodyBytes``.
            public var body: String?
            /// Whether ``body`` was cut to ``maxBodyBytes``.
            public var bodyTruncated: Bool

            /// Values as they are (a decoded record's are kept as they arrived).
            public init(message: String, status: Int? = nil, body: String? = nil, bodyTruncated: Bool = false) {
                self.message = message
                self.status = status
                self.body = body
                self.bodyTruncated = bodyTruncated
            }

            /// With the raw bytes of the failed answer, bounded: cut at a character boundary to at most
            /// ``maxBodyBytes`` bytes of UTF-8 and marked truncated when anything was cut.
            public init(message: String, status: Int?, responseBody: some Collection<UInt8>) {
                let (text, truncated) = Self.bounded(responseBody, limit: Self.maxBodyBytes)
                self.init(message: message, status: status, body: text, bodyTruncated: truncated)
            }

            public var description: String {
                var text = message
                if let status { text += " (HTTP \(status))" }
                return text
            }

            static func bounded(_ bytes: some Collection<UInt8>, limit: Int) -> (String, Bool) {
                var kept = Array(bytes.prefix(limit + 1))
                var truncated = kept.count > limit
                if truncated {
                    // Never keep half a character: if the first byte left out continues a sequence, leave out the
                    // whole sequence (a UTF-8 sequence has at most three continuation bytes).
                    var cut = limit
                    while cut > max(0, limit - 3), kept[cut] & 0xC0 == 0x80 { cut -= 1 }
                    if kept[cut] & 0xC0 == 0x80 { cut = limit }  // not UTF-8 there anyway: cut where the limit is
                    kept.removeSubrange(cut...)
                }
                // Each invalid byte becomes U+FFFD, three bytes: the text can outgrow the bytes it came from.
                var text = String.UnicodeScalarView()
                var size = 0
                for scalar in String(decoding: kept, as: UTF8.self).unicodeScalars {
                    let width = UTF8.width(scalar)
                    guard size + width <= limit else {
                        truncated = true
                        break
                    }
                    text.append(scalar)
                    size += width
                }
                return (String(text), truncated)
            }
        }
    }

    /// Which worker made the record, and when (milliseconds since the epoch). processedAt − receivedAt −
    /// endpointLatency is the latency the host itself adds.
    public struct Processing: Sendable, Equatable {
        public var workerId: String
        /// When the fragment was complete in the worker's reader.
        public var receivedAtMillis: Int64
        /// When the record was made.
        public var processedAtMillis: Int64

        public init(workerId: String, receivedAtMillis: Int64, processedAtMillis: Int64) {
            self.workerId = workerId
            self.receivedAtMillis = receivedAtMillis
            self.processedAtMillis = processedAtMillis
        }

        public var receivedAt: Date { Date(millisSince1970: receivedAtMillis) }
        public var processedAt: Date { Date(millisSince1970: processedAtMillis) }
    }
}

extension Date {
    init(millisSince1970 millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
