import Foundation

/// The record through `Codable`, flat on the wire as ``KITRecord/json()`` writes it.
///
/// Encoding writes the same document as ``KITRecord/json()``: the same keys, present under the same conditions,
/// with the same values (the latency already rounded to three decimals). The bytes differ, which is why the host
/// publishes with ``KITRecord/json()``: `JSONEncoder` prints `12.5` for `12.500`, escapes `/` and writes `\b`/`\f`
/// where the published format has `\u0008`/`\u000c`, and **does not keep the key order**: Foundation's encoder on
/// Linux writes a keyed container in hash order (sorted with `.sortedKeys`), whatever order the keys are encoded
/// in. Consumers that need KIT's order (the four keys first) get it from ``KITRecord/json()``.
///
/// Decoding takes the host's full record or KIT's four keys only; see ``KITRecord`` for how missing typed fields
/// are derived. Errors are `DecodingError`s whose coding path names the key; ``KITRecord/init(json:)`` turns them
/// into ``KITRecordError``s.
extension KITRecord: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let streamName = try c.required(String.self, .streamName)
        let fragmentMetaData = try c.required(String.self, .fragmentMetaData)
        let frameMetaData = try c.required(String.self, .frameMetaData)
        guard let output = Data(base64Encoded: try c.required(String.self, .sageMakerOutput)) else {
            throw DecodingError.dataCorruptedError(
                forKey: .sageMakerOutput, in: c, debugDescription: "record's \"sageMakerOutput\" is not base64")
        }

        var fragment: Fragment
        var frame: Frame
        do {
            fragment = try Fragment(javaString: fragmentMetaData)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .fragmentMetaData, in: c, debugDescription: error.message)
        }
        if let number = try c.optional(String.self, .fragmentNumber) {
            fragment.fragmentNumber = number
        }
        if let millis = try c.optional(Int64.self, .serverTimestampMillis) {
            fragment.serverTimestampMillis = millis
        }
        if let millis = try c.optional(Int64.self, .producerTimestampMillis) {
            fragment.producerTimestampMillis = millis
        }
        do {
            frame = try Frame(javaString: frameMetaData, producerTimestampMillis: fragment.producerTimestampMillis)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .frameMetaData, in: c, debugDescription: error.message)
        }
        if let track = try c.optional(Int.self, .trackNumber) { frame.trackNumber = track }
        if let timeCode = try c.optional(Int.self, .frameTimecode) {
            frame.timeCode = timeCode
            frame.timestampMillis = fragment.producerTimestampMillis &+ Int64(timeCode)
        }
        if let millis = try c.optional(Int64.self, .frameTimestampMillis) {
            frame.timestampMillis = millis
        }

        var image: Image?
        if Self.group(c, [.imageContentType, .imageBytes, .imageSha256, .width, .height]) {
            image = Image(
                contentType: try c.required(String.self, .imageContentType),
                byteCount: try c.required(Int.self, .imageBytes),
                sha256: try c.required(String.self, .imageSha256),
                width: try c.required(Int.self, .width), height: try c.required(Int.self, .height))
        }

        var failure: Inference.Failure?
        if let message = try c.optional(String.self, .inferenceError) {
            failure = Inference.Failure(
                message: message, status: try c.optional(Int.self, .inferenceErrorStatus),
                body: try c.optional(String.self, .inferenceErrorBody),
                bodyTruncated: try c.optional(Bool.self, .inferenceErrorBodyTruncated) ?? false)
        }
        let inference = Inference(
            outputContentType: try c.optional(String.self, .outputContentType),
            endpointLatencyMillis: try c.optional(Double.self, .endpointLatencyMillis),
            attempts: try c.optional(Int.self, .attempts), failure: failure)

        var processing: Processing?
        if Self.group(c, [.workerId, .receivedAtMillis, .processedAtMillis]) {
            processing = Processing(
                workerId: try c.required(String.self, .workerId),
                receivedAtMillis: try c.required(Int64.self, .receivedAtMillis),
                processedAtMillis: try c.required(Int64.self, .processedAtMillis))
        }

        self.init(
            streamName: streamName, fragmentMetaData: fragmentMetaData, frameMetaData: frameMetaData,
            sageMakerOutput: Array(output), fragment: fragment, frame: frame, image: image, inference: inference,
            processing: processing)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(streamName, forKey: .streamName)
        try c.encode(fragmentMetaData, forKey: .fragmentMetaData)
        try c.encode(frameMetaData, forKey: .frameMetaData)
        try c.encode(Data(sageMakerOutput).base64EncodedString(), forKey: .sageMakerOutput)
        try c.encode(fragment.fragmentNumber, forKey: .fragmentNumber)
        try c.encode(fragment.serverTimestampMillis, forKey: .serverTimestampMillis)
        try c.encode(fragment.producerTimestampMillis, forKey: .producerTimestampMillis)
        try c.encode(frame.trackNumber, forKey: .trackNumber)
        try c.encode(frame.timeCode, forKey: .frameTimecode)
        try c.encode(frame.timestampMillis, forKey: .frameTimestampMillis)
        if let type = inference.outputContentType {
            try c.encode(type, forKey: .outputContentType)
        } else {
            try c.encodeNil(forKey: .outputContentType)
        }
        if let image {
            try c.encode(image.contentType, forKey: .imageContentType)
            try c.encode(image.byteCount, forKey: .imageBytes)
            try c.encode(image.sha256, forKey: .imageSha256)
            try c.encode(image.width, forKey: .width)
            try c.encode(image.height, forKey: .height)
        }
        if let latency = inference.endpointLatencyMillis {
            if let wire = Self.wireMillis(latency) {
                try c.encode(wire, forKey: .endpointLatencyMillis)
            } else {
                try c.encodeNil(forKey: .endpointLatencyMillis)
            }
        }
        try c.encodeIfPresent(inference.attempts, forKey: .attempts)
        if let failure = inference.failure {
            try c.encode(failure.message, forKey: .inferenceError)
            try c.encodeIfPresent(failure.status, forKey: .inferenceErrorStatus)
            try c.encodeIfPresent(failure.body, forKey: .inferenceErrorBody)
            if failure.bodyTruncated { try c.encode(true, forKey: .inferenceErrorBodyTruncated) }
        }
        if let processing {
            try c.encode(processing.workerId, forKey: .workerId)
            try c.encode(processing.receivedAtMillis, forKey: .receivedAtMillis)
            try c.encode(processing.processedAtMillis, forKey: .processedAtMillis)
        }
    }

    /// Whether a group of keys that are written together is there: none of them (`false`) or, when any is, all
    /// of them (`true`; a missing one is reported by the `decode` that follows, with its name).
    private static func group(_ c: KeyedDecodingContainer<CodingKeys>, _ keys: [CodingKeys]) -> Bool {
        keys.contains { c.contains($0) }
    }
}

extension KeyedDecodingContainer where Key == KITRecord.CodingKeys {
    /// `decode`, with the key named in every error (JSONDecoder loses it for some: a fraction read as `Int` throws
    /// an internal error that becomes "not valid JSON" for the whole document).
    fileprivate func required<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        do {
            return try decode(type, forKey: key)
        } catch {
            throw Self.naming(key, in: error, type: type, container: self)
        }
    }

    /// `decodeIfPresent` (absent or `null` is `nil`), with the key named in every error.
    fileprivate func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        do {
            return try decodeIfPresent(type, forKey: key)
        } catch {
            throw Self.naming(key, in: error, type: type, container: self)
        }
    }

    private static func naming(_ key: Key, in error: any Error, type: Any.Type, container: Self) -> DecodingError {
        if let error = error as? DecodingError {
            switch error {
            case .keyNotFound, .valueNotFound, .typeMismatch: return error
            case .dataCorrupted(let context) where context.codingPath.last?.stringValue == key.stringValue:
                return error
            default: break
            }
        }
        return DecodingError.typeMismatch(
            type,
            .init(
                codingPath: container.codingPath + [key],
                debugDescription: "record's \"\(key.stringValue)\" is not a \(type)", underlyingError: error))
    }
}
