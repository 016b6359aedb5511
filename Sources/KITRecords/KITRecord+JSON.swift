import Foundation

extension KITRecord {
    /// The record's JSON keys, in the order ``json()`` writes them.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case streamName, fragmentMetaData, frameMetaData, sageMakerOutput
        case fragmentNumber, serverTimestampMillis, producerTimestampMillis
        case trackNumber, frameTimecode, frameTimestampMillis
        case outputContentType
        case imageContentType, imageBytes, imageSha256, width, height
        case endpointLatencyMillis, attempts
        case inferenceError, inferenceErrorStatus, inferenceErrorBody, inferenceErrorBodyTruncated
        case workerId, receivedAtMillis, processedAtMillis
    }

    /// The JSON bytes the host publishes (to Kinesis, or as one line of the JSONL sink without the newline).
    ///
    /// Keys, in this order: KIT's `streamName`, `fragmentMetaData`, `frameMetaData`, `sageMakerOutput` (base64);
    /// then `fragmentNumber`, `serverTimestampMillis`, `producerTimestampMillis`, `trackNumber`, `frameTimecode`,
    /// `frameTimestampMillis`, `outputContentType` (`null` when unknown); when ``image`` is set `imageContentType`,
    /// `imageBytes`, `imageSha256`, `width`, `height`; when known `endpointLatencyMillis` (three decimals, `null`
    /// if not finite) and `attempts`; when the inference failed `inferenceError`, then `inferenceErrorStatus`,
    /// `inferenceErrorBody` and `inferenceErrorBodyTruncated` (`true`) each only when set; when ``processing`` is
    /// set `workerId`, `receivedAtMillis`, `processedAtMillis`. Strings escape only `"`, `\` and control
    /// characters; everything else is written as UTF-8.
    ///
    /// This is the hot path (one call per published frame) and fixes the bytes; `Encodable` writes the same
    /// document through any encoder.
    public func json() -> [UInt8] {
        var o = RecordJSONWriter()
        o.string(.streamName, streamName)
        o.string(.fragmentMetaData, fragmentMetaData)
        o.string(.frameMetaData, frameMetaData)
        o.base64(.sageMakerOutput, sageMakerOutput)
        o.string(.fragmentNumber, fragment.fragmentNumber)
        o.integer(.serverTimestampMillis, fragment.serverTimestampMillis)
        o.integer(.producerTimestampMillis, fragment.producerTimestampMillis)
        o.integer(.trackNumber, Int64(frame.trackNumber))
        o.integer(.frameTimecode, Int64(frame.timeCode))
        o.integer(.frameTimestampMillis, frame.timestampMillis)
        o.string(.outputContentType, inference.outputContentType)
        if let image {
            o.string(.imageContentType, image.contentType)
            o.integer(.imageBytes, Int64(image.byteCount))
            o.string(.imageSha256, image.sha256)
            o.integer(.width, Int64(image.width))
            o.integer(.height, Int64(image.height))
        }
        if let latency = inference.endpointLatencyMillis { o.millis(.endpointLatencyMillis, latency) }
        if let attempts = inference.attempts { o.integer(.attempts, Int64(attempts)) }
        if let failure = inference.failure {
            o.string(.inferenceError, failure.message)
            if let status = failure.status { o.integer(.inferenceErrorStatus, Int64(status)) }
            if let body = failure.body { o.string(.inferenceErrorBody, body) }
            if failure.bodyTruncated { o.raw(.inferenceErrorBodyTruncated, "true") }
        }
        if let processing {
            o.string(.workerId, processing.workerId)
            o.integer(.receivedAtMillis, processing.receivedAtMillis)
            o.integer(.processedAtMillis, processing.processedAtMillis)
        }
        return o.finished()
    }

    /// Parses a record's JSON (`kinesis.data` of an event record, or a line of the JSONL sink): the host's full
    /// record or KIT's four keys only. Errors name the key at fault.
    public init(json: some Collection<UInt8>) throws(KITRecordError) {
        do {
            self = try JSONDecoder().decode(KITRecord.self, from: Data(json))
        } catch let error as DecodingError {
            throw KITRecordError(decoding: error)
        } catch {
            throw KITRecordError(.invalidJSON, "record does not decode: \(error)")
        }
    }

    /// The latency as the wire has it: what `%.3f` prints, read back (so both encoders write the same number).
    static func wireMillis(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        return Double(String(format: "%.3f", value))
    }
}

extension KITRecordError {
    /// A `DecodingError` from ``KITRecord``'s `Decodable` conformance, with the key it is about.
    init(decoding error: DecodingError) {
        func name(_ path: [any CodingKey]) -> String? { path.last?.stringValue }
        switch error {
        case .keyNotFound(let key, _):
            self.init(.missingField, "record has no \"\(key.stringValue)\"", key: key.stringValue)
        case .valueNotFound(_, let context):
            let key = name(context.codingPath)
            self.init(.invalidField, "record's \"\(key ?? "")\" is null", key: key)
        case .typeMismatch(let type, let context):
            if let key = name(context.codingPath) {
                self.init(.invalidField, "record's \"\(key)\" is not \(Self.kind(type))", key: key)
            } else {
                self.init(.invalidJSON, "record is not a JSON object")
            }
        case .dataCorrupted(let context):
            if let key = name(context.codingPath) {
                self.init(.invalidField, context.debugDescription, key: key)
            } else {
                self.init(.invalidJSON, "record is not JSON: \(context.debugDescription)")
            }
        @unknown default:
            self.init(.invalidJSON, "record does not decode: \(error)")
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: "a \(type)"
        }
    }
}

/// Writes one JSON object straight into bytes, keys in call order, with the escapes and number forms the
/// published format has always had.
struct RecordJSONWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    init() { bytes.reserveCapacity(1024) }

    mutating func string(_ key: KITRecord.CodingKeys, _ value: String?) {
        guard let value else { return raw(key, "null") }
        self.key(key)
        Self.quote(value, into: &bytes)
    }

    mutating func integer(_ key: KITRecord.CodingKeys, _ value: Int64) { raw(key, String(value)) }

    /// Three decimals, as `%.3f`; `null` when not finite.
    mutating func millis(_ key: KITRecord.CodingKeys, _ value: Double) {
        raw(key, value.isFinite ? String(format: "%.3f", value) : "null")
    }

    mutating func base64(_ key: KITRecord.CodingKeys, _ value: [UInt8]) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: Data(value).base64EncodedData())
        bytes.append(UInt8(ascii: "\""))
    }

    /// `json` must already be valid JSON.
    mutating func raw(_ key: KITRecord.CodingKeys, _ json: String) {
        self.key(key)
        bytes.append(contentsOf: json.utf8)
    }

    func finished() -> [UInt8] { bytes + [UInt8(ascii: "}")] }

    private mutating func key(_ key: KITRecord.CodingKeys) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        Self.quote(key.rawValue, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func escape(_ byte: UInt8, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(byte)
    }

    /// `"`, `\`, `\n`, `\r`, `\t` as two-character escapes, other control characters as `\u00xx`, every other
    /// byte of the UTF-8 as it is.
    static func quote(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escape(byte, into: &bytes)
            case UInt8(ascii: "\n"): escape(UInt8(ascii: "n"), into: &bytes)
            case UInt8(ascii: "\r"): escape(UInt8(ascii: "r"), into: &bytes)
            case UInt8(ascii: "\t"): escape(UInt8(ascii: "t"), into: &bytes)
            case 0..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
