/// A failure of the server itself (not an answer to a client): the data directory cannot be used, the port cannot
/// be bound, a file cannot be written. Opaque code, human message, optional underlying error.
public struct KVSLocalError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case io, dataDirectory, notRunning, startup, invalidConfiguration
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A file-system call failed.
        public static let io = Code(.io)
        /// The data directory is unusable or holds something this server cannot read.
        public static let dataDirectory = Code(.dataDirectory)
        /// The call needs a running server (``KVSLocalServer/run()`` has not started, or has ended).
        public static let notRunning = Code(.notRunning)
        /// The HTTP server did not start (the address cannot be bound, …).
        public static let startup = Code(.startup)
        /// A configuration value is out of range.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "KVSLocal \(code): \(message)" + (underlying.map { " (\($0))" } ?? "")
    }
}
