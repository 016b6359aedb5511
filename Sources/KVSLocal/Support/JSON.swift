import AWSClients
import Foundation

/// JSON in and out of the wire, with the service's error answers for bodies that do not decode.
enum JSONOutput {
    /// As the AWS clients encode: sorted keys, timestamps as epoch seconds with millisecond precision.
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Encoding our own output types cannot fail; an empty object is still valid JSON if it ever did.
        (try? AWSJSON.encode(value, operation: "kvs-local")) ?? Array("{}".utf8)
    }
}

enum JSONInput {
    /// Decodes a request body; an empty body is an empty object (botocore sends `{}` for no input, curl users send
    /// nothing). Malformed JSON is a `SerializationException`, a wrong shape an `InvalidArgumentException`.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(KVSError) -> T {
        let data = bytes.isEmpty ? Data("{}".utf8) : Data(bytes)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw KVSError.missing(key.stringValue)
        } catch let DecodingError.typeMismatch(_, context) {
            throw KVSError(.invalidArgument, "invalid value at \(path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw KVSError(.invalidArgument, "missing value at \(path(context.codingPath))")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw KVSError(.invalidArgument, "invalid value at \(path(context.codingPath))")
        } catch {
            throw KVSError(.serialization, "the request body is not valid JSON")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A timestamp as botocore sends it in REST-JSON and JSON 1.1 bodies: epoch seconds as a number (possibly with a
/// fraction). ISO 8601 text and numeric strings are accepted too (curl users, other SDKs).
struct EpochSeconds: Decodable, Sendable {
    let date: Date

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            date = Date(timeIntervalSince1970: seconds)
            return
        }
        let text = try container.decode(String.self)
        if let seconds = Double(text) {
            date = Date(timeIntervalSince1970: seconds)
        } else if let parsed = EpochSeconds.parseISO8601(text) {
            date = parsed
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a timestamp")
        }
    }

    static func parseISO8601(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension Date {
    /// Milliseconds since the epoch, rounded down (KVS timestamps have millisecond precision).
    var epochMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(epochMillis: Int64) { self.init(timeIntervalSince1970: Double(epochMillis) / 1000) }
}

enum KVSTime {
    /// `1511852109.126`: seconds, a dot, three digits — KVS's tag format (negative times do not occur).
    static func secondsText(millis: Int64) -> String {
        let (seconds, fraction) = max(0, millis).quotientAndRemainder(dividingBy: 1000)
        let digits = String(fraction)
        return "\(seconds)." + String(repeating: "0", count: 3 - digits.count) + digits
    }

    /// `x-amzn-producer-start-timestamp`: epoch seconds, possibly with a fraction.
    static func parseHeaderSeconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let seconds = Double(trimmed), seconds.isFinite, seconds >= 0, seconds < 1e11 else { return nil }
        return Int64((seconds * 1000).rounded())
    }
}
