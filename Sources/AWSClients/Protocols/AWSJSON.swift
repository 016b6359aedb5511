import Foundation

/// JSON coding as the AWS JSON protocols want it: timestamps as epoch seconds (sent with millisecond precision,
/// as the Java SDK does; botocore truncates to whole seconds), blobs as base64.
package enum AWSJSON {
    package static func encode(_ value: some Encodable, operation: String) throws(AWSError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(AWSTimestamps.epochSeconds(date))
        }
        encoder.dataEncodingStrategy = .base64
        // Deterministic bodies: the same input always sends (and logs, and pages by) the same bytes.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw AWSError(.invalidRequest, operation: operation, "request does not encode as JSON", underlying: error)
        }
    }

    /// Decodes a response body; an empty body counts as `{}`.
    package static func decode<Output: Decodable>(_ type: Output.Type, from body: [UInt8], operation: String)
        throws(AWSError) -> Output
    {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            let text = try container.decode(String.self)
            guard let date = AWSTimestamps.parseISO8601(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a timestamp: \(text)")
            }
            return date
        }
        decoder.dataDecodingStrategy = .base64
        do {
            return try decoder.decode(type, from: body.isEmpty ? Data("{}".utf8) : Data(body))
        } catch {
            throw AWSError(
                .invalidResponse, operation: operation, "response is not the expected JSON", underlying: error)
        }
    }
}

/// An operation without output members.
public struct AWSEmptyOutput: Decodable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
}
