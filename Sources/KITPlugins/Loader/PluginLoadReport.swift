/// Why the host refused a plugin file. Codes are opaque (new ones break no one); ``message`` says what to fix.
public struct PluginRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case unsafePermissions, digestNotAllowed, openFailed, missingSymbol, declined, unsupportedABI
            case invalidDescriptor, duplicateName, createFailed, unreadable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file or its directory is writable by someone other than its owner, or owned by another user.
        public static let unsafePermissions = Code(.unsafePermissions)
        /// The file's SHA-256 is not in the configured allow-list.
        public static let digestNotAllowed = Code(.digestNotAllowed)
        /// `dlopen` failed (not a shared object, missing dependency, wrong architecture).
        public static let openFailed = Code(.openFailed)
        /// No `kit_plugin_entry` symbol.
        public static let missingSymbol = Code(.missingSymbol)
        /// `kit_plugin_entry` returned NULL.
        public static let declined = Code(.declined)
        /// The descriptor carries an ABI version this host does not speak.
        public static let unsupportedABI = Code(.unsupportedABI)
        /// The descriptor is too short, lacks a function or has an invalid name.
        public static let invalidDescriptor = Code(.invalidDescriptor)
        /// Another loaded plugin already has this name.
        public static let duplicateName = Code(.duplicateName)
        /// The plugin's `create` failed (usually its configuration).
        public static let createFailed = Code(.createFailed)
        /// The file or its manifest could not be read.
        public static let unreadable = Code(.unreadable)

        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// What loading one plugin file came to: loaded (with its name, version and digest) or refused (with why).
public struct PluginLoadReport: Sendable, CustomStringConvertible {
    public var path: String
    public var name: String?
    public var version: String?
    /// Lower-case hex SHA-256 of the file, when it could be read.
    public var sha256: String?
    /// The ABI version its descriptor declares, once read.
    public var abiVersion: Int?
    public var refusal: PluginRefusal?

    public var isLoaded: Bool { refusal == nil }

    public init(
        path: String, name: String? = nil, version: String? = nil, sha256: String? = nil,
        refusal: PluginRefusal? = nil
    ) {
        self.path = path
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.refusal = refusal
    }

    public var description: String {
        if let refusal { return "refused \(path): \(refusal)" }
        return "loaded \(path): \(name ?? "?") \(version ?? "?") sha256=\(sha256 ?? "?")"
    }
}
