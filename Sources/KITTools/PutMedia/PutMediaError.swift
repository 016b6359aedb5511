import AWSClients

/// Why a producer run failed.
public struct PutMediaError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The input is not Matroska the producer can send (no video track, a broken element, a GOP too long…).
        case invalidInput
        /// The input cannot be read.
        case io
        /// The options do not fit together (e.g. looping standard input).
        case invalidArgument
        /// A call to the service failed (``PutMediaError/underlying`` holds the `AWSError`).
        case service
        /// The service acknowledged fragments with `ERROR`.
        case errorAcknowledged
        /// The session ended before every fragment sent was acknowledged `PERSISTED`.
        case incomplete
    }

    public var code: Code
    public var message: String
    public var underlying: AWSError?

    public init(_ code: Code, _ message: String, underlying: AWSError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(message): \(underlying.description)" }
        return message
    }
}
