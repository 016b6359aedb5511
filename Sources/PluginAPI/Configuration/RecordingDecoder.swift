import Foundation
import Synchronization

/// Which keys a `Decodable` asked for, per JSON object it opened: a type's synthesized `init(from:)` asks for
/// every key it knows (optional ones through `decodeIfPresent`), so the keys it never asked for are unknown to it.
/// A container whose `allKeys` was read (a dictionary, a hand-written decoder iterating keys) knows every key.
final class KeyRecorder: Sendable {
    private struct Level {
        var asked: Set<String> = []
        var all = false
    }
    private let levels = Mutex<[[String]: Level]>([:])

    func ask(_ key: String, at path: [String]) { levels.withLock { $0[path, default: Level()].asked.insert(key) } }
    func askAll(at path: [String]) { levels.withLock { $0[path, default: Level()].all = true } }

    func unknown(in root: Any, ignoringAtTop ignored: Set<String>) -> [PluginConfiguration.UnknownKey] {
        let levels = self.levels.withLock { $0 }
        var found: [PluginConfiguration.UnknownKey] = []
        func walk(_ value: Any, _ path: [String]) {
            if let object = value as? [String: Any] {
                if let level = levels[path], !level.all {
                    let skip = path.isEmpty ? ignored : []
                    for key in object.keys.sorted() where !level.asked.contains(key) && !skip.contains(key) {
                        found.append(.init(path: (path + [key]).joined(separator: "."), known: level.asked))
                    }
                }
                for (key, child) in object { walk(child, path + [key]) }
            } else if let array = value as? [Any] {
                for (index, child) in array.enumerated() { walk(child, path + ["[\(index)]"]) }
            }
        }
        walk(root, [])
        return found.sorted { $0.path < $1.path }
    }
}

/// A `Decoder` over a `JSONSerialization` tree that records the keys asked for. It runs after `JSONDecoder`
/// succeeded, so it only has to follow the same path; when a type decodes in a way it cannot follow it throws and
/// the unknown-key check is skipped (never a false alarm).
struct RecordingDecoder: Decoder {
    let value: Any
    let path: [String]
    let recorder: KeyRecorder
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let object = value as? [String: Any] else { throw RecordingDecoder.mismatch }
        return KeyedDecodingContainer(Keyed<Key>(object: object, path: path, recorder: recorder))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let array = value as? [Any] else { throw RecordingDecoder.mismatch }
        return Unkeyed(array: array, path: path, recorder: recorder)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, path: path, recorder: recorder)
    }

    static let mismatch = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not followed"))

    static func primitive<T>(_ value: Any, as type: T.Type) throws -> T {
        if T.self == Bool.self, let bool = value as? Bool, let typed = bool as? T { return typed }
        if let number = value as? NSNumber, T.self != Bool.self, T.self != String.self {
            let converted: Any? =
                switch T.self {
                case is Double.Type: number.doubleValue
                case is Float.Type: number.floatValue
                case is Int.Type: number.intValue
                case is Int8.Type: number.int8Value
                case is Int16.Type: number.int16Value
                case is Int32.Type: number.int32Value
                case is Int64.Type: number.int64Value
                case is UInt.Type: number.uintValue
                case is UInt8.Type: number.uint8Value
                case is UInt16.Type: number.uint16Value
                case is UInt32.Type: number.uint32Value
                case is UInt64.Type: number.uint64Value
                default: nil
                }
            if let converted = converted as? T { return converted }
        }
        if let exact = value as? T { return exact }
        throw mismatch
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: Any]
        let path: [String]
        let recorder: KeyRecorder
        var codingPath: [any CodingKey] { [] }

        var allKeys: [Key] {
            recorder.askAll(at: path)
            return object.keys.compactMap { Key(stringValue: $0) }
        }

        func contains(_ key: Key) -> Bool {
            recorder.ask(key.stringValue, at: path)
            return object[key.stringValue] != nil
        }

        private func child(_ key: Key) throws -> Any {
            recorder.ask(key.stringValue, at: path)
            guard let value = object[key.stringValue] else { throw RecordingDecoder.mismatch }
            return value
        }

        func decodeNil(forKey key: Key) throws -> Bool { try child(key) is NSNull }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try RecordingDecoder.decode(T.self, from: child(key), path: path + [key.stringValue], recorder: recorder)
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try RecordingDecoder(value: child(key), path: path + [key.stringValue], recorder: recorder)
                .container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try RecordingDecoder(value: child(key), path: path + [key.stringValue], recorder: recorder)
                .unkeyedContainer()
        }
        func superDecoder() throws -> any Decoder { RecordingDecoder(value: object, path: path, recorder: recorder) }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            RecordingDecoder(value: try child(key), path: path + [key.stringValue], recorder: recorder)
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let array: [Any]
        let path: [String]
        let recorder: KeyRecorder
        var currentIndex = 0
        var codingPath: [any CodingKey] { [] }
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        private mutating func next() throws -> (Any, [String]) {
            guard !isAtEnd else { throw RecordingDecoder.mismatch }
            defer { currentIndex += 1 }
            return (array[currentIndex], path + ["[\(currentIndex)]"])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, array[currentIndex] is NSNull else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (value, path) = try next()
            return try RecordingDecoder.decode(T.self, from: value, path: path, recorder: recorder)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            let (value, path) = try next()
            return try RecordingDecoder(value: value, path: path, recorder: recorder).container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let (value, path) = try next()
            return try RecordingDecoder(value: value, path: path, recorder: recorder).unkeyedContainer()
        }
        mutating func superDecoder() throws -> any Decoder {
            let (value, path) = try next()
            return RecordingDecoder(value: value, path: path, recorder: recorder)
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: Any
        let path: [String]
        let recorder: KeyRecorder
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool { value is NSNull }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try RecordingDecoder.decode(T.self, from: value, path: path, recorder: recorder)
        }
    }

    /// Primitives straight from the tree; anything else through its own `init(from:)`, recorded.
    static func decode<T: Decodable>(_ type: T.Type, from value: Any, path: [String], recorder: KeyRecorder) throws
        -> T
    {
        switch T.self {
        case is Bool.Type, is String.Type, is Double.Type, is Float.Type, is Int.Type, is Int8.Type, is Int16.Type,
            is Int32.Type, is Int64.Type, is UInt.Type, is UInt8.Type, is UInt16.Type, is UInt32.Type,
            is UInt64.Type:
            return try primitive(value, as: T.self)
        default:
            return try T(from: RecordingDecoder(value: value, path: path, recorder: recorder))
        }
    }
}
