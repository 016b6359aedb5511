import Foundation

/// The plugin's configuration document: the host's entry for it under `plugins` (without the host's own keys,
/// `optional` and `rawCredentials`), else the manifest beside the library (`libName.json`), else `{}`.
///
/// ``decode(_:allowingUnknownKeys:)`` is strict by default: a key the type never asks for — a typo such as
/// `"bucket"` for `"destination"` — fails the plugin's start with the key named, instead of being ignored and
/// leaving the plugin running with its default. `logLevel` is the SDK's own key and always allowed.
public struct PluginConfiguration: Sendable {
    /// Keys every plugin accepts: read by the SDK itself.
    public static let sdkKeys: Set<String> = ["logLevel"]

    public var json: [UInt8]

    public init(json: [UInt8] = Array("{}".utf8)) { self.json = json }

    /// Decodes the whole document; throws ``PluginConfigurationError`` naming the key at fault (missing, wrong
    /// type, or — unless `allowingUnknownKeys` — not a key of `T`).
    public func decode<T: Decodable>(_ type: T.Type = T.self, allowingUnknownKeys: Bool = false) throws(
        PluginConfigurationError
    ) -> T {
        let value: T
        do {
            value = try JSONDecoder().decode(T.self, from: Data(json))
        } catch let error as DecodingError {
            var failure = PluginConfigurationError(decoding: error)
            if failure.code == .missingKey, let present = topLevelKeys, !present.isEmpty {
                failure = PluginConfigurationError(
                    .missingKey, failure.message + " (the configuration has: \(present.joined(separator: ", ")))",
                    key: failure.key)
            }
            throw failure
        } catch {
            throw PluginConfigurationError(.invalidJSON, "configuration is not JSON: \(error)", key: nil)
        }
        if !allowingUnknownKeys, let unknown = unknownKeys(for: T.self), let first = unknown.first {
            let names = unknown.map(\.path).joined(separator: ", ")
            throw PluginConfigurationError(
                .unknownKey,
                "unknown configuration key\(unknown.count > 1 ? "s" : "") \(names)"
                    + (first.known.isEmpty ? "" : " (known: \(first.known.sorted().joined(separator: ", ")))"),
                key: first.path)
        }
        return value
    }

    /// The keys present in the document that decoding `T` never asked for, with the keys it did ask for at the
    /// same level; `nil` when that cannot be told (a type that decodes in a way the walk does not follow).
    func unknownKeys<T: Decodable>(for type: T.Type) -> [UnknownKey]? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed]) else {
            return nil
        }
        let recorder = KeyRecorder()
        guard (try? T(from: RecordingDecoder(value: root, path: [], recorder: recorder))) != nil else { return nil }
        return recorder.unknown(in: root, ignoringAtTop: Self.sdkKeys)
    }

    private var topLevelKeys: [String]? {
        ((try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any])?.keys.sorted()
    }

    struct UnknownKey {
        var path: String
        var known: Set<String>
    }
}

/// Why a plugin's configuration cannot be used. Codes are opaque; ``key`` names the key at fault (dotted path).
public struct PluginConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case invalidJSON, missingKey, wrongType, unknownKey }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let invalidJSON = Code(.invalidJSON)
        public static let missingKey = Code(.missingKey)
        public static let wrongType = Code(.wrongType)
        public static let unknownKey = Code(.unknownKey)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    public let key: String?

    public init(_ code: Code, _ message: String, key: String?) {
        self.code = code
        self.message = message
        self.key = key
    }

    init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            (context.codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let name = path(context, key)
            self.init(.missingKey, "configuration needs \"\(name)\"", key: name)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let name = path(context)
            self.init(.wrongType, "configuration key \"\(name)\" must be \(type): \(context.debugDescription)", key: name)
        case .dataCorrupted(let context):
            let name = path(context)
            self.init(
                context.codingPath.isEmpty ? .invalidJSON : .wrongType,
                "configuration \(name.isEmpty ? "document" : "key \"\(name)\"") is invalid: \(context.debugDescription)",
                key: name.isEmpty ? nil : name)
        @unknown default:
            self.init(.invalidJSON, "configuration cannot be decoded: \(error)", key: nil)
        }
    }

    public var description: String { message }
}
