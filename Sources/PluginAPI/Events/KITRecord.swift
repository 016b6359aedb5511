import Foundation

/// A typed view of one KIT result record (MISSION item 6): the stream, the Java `toString()` forms of the fragment
/// and frame metadata parsed into fields (the strings themselves are kept exactly, for code that parses them by
/// position as the blog's Lambda does), and the endpoint's response body decoded from base64.
public struct KITRecord: Sendable {
    public var streamName: String
    /// `FragmentMetadata(fragmentNumberString=…, …)` exactly as published.
    public var fragmentMetaData: String
    /// `Frame(trackNumber=1, timeCode=0, …)` exactly as published.
    public var frameMetaData: String
    public var fragment: FragmentMetadata
    public var frame: FrameMetadata
    /// The endpoint's response body (base64-decoded `sageMakerOutput`).
    public var sageMakerOutput: [UInt8]

    /// Parses the record JSON (`kinesis.data` of an event record).
    public init(json: some Collection<UInt8>) throws(KITRecordError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json))
        } catch {
            throw KITRecordError(.invalidJSON, "record is not JSON: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else {
            throw KITRecordError(.invalidJSON, "record is not a JSON object")
        }
        func string(_ key: String) throws(KITRecordError) -> String {
            guard let value = fields[key] as? String else {
                throw KITRecordError(.missingField, "record has no string \"\(key)\"")
            }
            return value
        }
        streamName = try string("streamName")
        fragmentMetaData = try string("fragmentMetaData")
        frameMetaData = try string("frameMetaData")
        fragment = try FragmentMetadata(javaString: fragmentMetaData)
        frame = try FrameMetadata(javaString: frameMetaData)
        let base64 = try string("sageMakerOutput")
        guard let output = Data(base64Encoded: base64) else {
            throw KITRecordError(.invalidField, "sageMakerOutput is not base64")
        }
        sageMakerOutput = Array(output)
    }

    /// The endpoint output as a SageMaker object-detection result.
    public func objectDetection() throws(KITRecordError) -> ObjectDetection {
        try ObjectDetection(json: sageMakerOutput)
    }

    /// The endpoint output as parsed JSON (`[String: Any]`, `[Any]`, …) for embedding in documents, or `nil` if it
    /// is not JSON.
    public func sageMakerOutputJSON() -> Any? {
        try? JSONSerialization.jsonObject(with: Data(sageMakerOutput), options: [.fragmentsAllowed])
    }
}

/// The fields of the Java KVS parser's `FragmentMetadata.toString()`.
public struct FragmentMetadata: Sendable, Hashable {
    public var fragmentNumber: String
    public var serverSideTimestampMillis: Int64
    public var producerSideTimestampMillis: Int64
    public var success: Bool
    public var errorId: Int64
    public var errorCode: String?
    public var millisBehindNow: Int64?
    public var continuationToken: String?

    /// Server-side time of the fragment.
    public var serverTimestamp: Date { Date(timeIntervalSince1970: Double(serverSideTimestampMillis) / 1000) }

    public init(javaString: String) throws(KITRecordError) {
        let fields = try JavaToString.fields(javaString, type: "FragmentMetadata")
        func value(_ key: String) throws(KITRecordError) -> String {
            guard let value = fields[key] else {
                throw KITRecordError(.invalidField, "FragmentMetadata has no \(key): \(javaString)")
            }
            return value
        }
        func integer(_ key: String) throws(KITRecordError) -> Int64 {
            let text = try value(key)
            guard let number = Int64(text) else {
                throw KITRecordError(.invalidField, "FragmentMetadata \(key)=\(text) is not an integer")
            }
            return number
        }
        fragmentNumber = try value("fragmentNumberString")
        serverSideTimestampMillis = try integer("serverSideTimestampMillis")
        producerSideTimestampMillis = try integer("producerSideTimestampMillis")
        success = (try value("success")) == "true"
        errorId = (try? integer("errorId")) ?? 0
        errorCode = fields["errorCode"].flatMap { $0 == "null" ? nil : $0 }
        millisBehindNow = fields["millisBehindNow"].flatMap { JavaToString.optional($0).flatMap { Int64($0) } }
        continuationToken = fields["continuationToken"].flatMap { JavaToString.optional($0) }
    }
}

/// The fields of the Java KVS parser's `Frame.toString()`.
public struct FrameMetadata: Sendable, Hashable {
    public var trackNumber: Int
    /// Relative to the cluster's timecode, in track timescale units (milliseconds for KVS).
    public var timeCode: Int
    public var keyFrame: Bool
    public var invisible: Bool
    public var discardable: Bool
    public var lacing: String

    public init(javaString: String) throws(KITRecordError) {
        let fields = try JavaToString.fields(javaString, type: "Frame")
        guard let track = fields["trackNumber"].flatMap({ Int($0) }),
            let timeCode = fields["timeCode"].flatMap({ Int($0) })
        else {
            throw KITRecordError(.invalidField, "Frame has no numeric trackNumber / timeCode: \(javaString)")
        }
        trackNumber = track
        self.timeCode = timeCode
        keyFrame = fields["keyFrame"] == "true"
        invisible = fields["invisible"] == "true"
        discardable = fields["discardable"] == "true"
        lacing = fields["lacing"] ?? "NO"
    }
}

/// Lombok-style `Type(key=value, key=value)` strings.
enum JavaToString {
    static func fields(_ text: String, type: String) throws(KITRecordError) -> [String: String] {
        let prefix = type + "("
        guard text.hasPrefix(prefix), text.hasSuffix(")") else {
            throw KITRecordError(.invalidField, "not a \(type)(…) string: \(text.prefix(120))")
        }
        let body = text.dropFirst(prefix.count).dropLast()
        var fields: [String: String] = [:]
        for part in body.components(separatedBy: ", ") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        return fields
    }

    /// `OptionalLong[5]` / `Optional[x]` → the value; `OptionalLong.empty` / `Optional.empty` → nil.
    static func optional(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "["), text.hasSuffix("]") else { return nil }
        return String(text[text.index(after: open)..<text.index(before: text.endIndex)])
    }
}

/// Why a record or endpoint output could not be read.
public struct KITRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case invalidJSON, missingField, invalidField, notObjectDetection }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let invalidJSON = Code(.invalidJSON)
        public static let missingField = Code(.missingField)
        public static let invalidField = Code(.invalidField)
        /// The endpoint output is JSON but not `{"prediction":[[…]]}`.
        public static let notObjectDetection = Code(.notObjectDetection)
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
