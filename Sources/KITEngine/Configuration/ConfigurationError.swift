/// A configuration value that cannot be used, naming the key and what is allowed. `kithost` exits with status 2.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key as written in the file (`streamNames`), or `config` for the file itself.
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key == "config" ? message : "\(key): \(message)" }
}
