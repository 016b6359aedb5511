import Foundation

/// Cuts the PutMedia response body into acknowledgements as bytes arrive: the service writes one JSON object per
/// ack, and a chunk may end anywhere inside one. Objects are found by brace depth outside strings, so whitespace or
/// separators between them do not matter.
struct PutMediaAckParser: Sendable {
    /// An ack bigger than this is not an ack: the stream is refused rather than buffered without bound.
    static let maxObjectBytes = 64 * 1024

    private var buffer: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false

    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// The acks completed by `chunk`, in order.
    mutating func feed(_ chunk: [UInt8]) throws(Failure) -> [PutMediaAck] {
        var acks: [PutMediaAck] = []
        for byte in chunk {
            if depth == 0 {
                guard byte == UInt8(ascii: "{") else { continue }  // whitespace or separators between objects
                depth = 1
                buffer = [byte]
                continue
            }
            buffer.append(byte)
            guard buffer.count <= Self.maxObjectBytes else {
                throw Failure(description: "acknowledgement larger than \(Self.maxObjectBytes) bytes")
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    acks.append(try Self.decode(buffer))
                    buffer = []
                }
            default: break
            }
        }
        return acks
    }

    /// Whether bytes of an unfinished ack are held (the body ended mid-object).
    var hasPartialAck: Bool { depth > 0 }

    static func decode(_ object: [UInt8]) throws(Failure) -> PutMediaAck {
        guard let fields = try? JSONDecoder().decode([String: JSONValue].self, from: Data(object)) else {
            throw Failure(description: "acknowledgement is not a JSON object")
        }
        guard let eventType = fields["EventType"]?.stringValue else {
            throw Failure(description: "acknowledgement without EventType")
        }
        return PutMediaAck(
            eventType: PutMediaAck.EventType(rawValue: eventType),
            fragmentTimecode: fields["FragmentTimecode"]?.int64Value,
            fragmentNumber: fields["FragmentNumber"]?.scalarText,
            errorId: fields["ErrorId"]?.int64Value,
            errorCode: fields["ErrorCode"]?.scalarText)
    }
}
