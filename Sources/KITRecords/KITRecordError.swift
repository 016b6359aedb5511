/// Why a record, one of its Java metadata strings, or its endpoint output could not be read, or why the output
/// does not exist (``Code/inferenceFailed``). ``key`` names the record's JSON key at fault, when there is one.
public struct KITRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case invalidJSON, missingField, invalidField, notObjectDetection, inferenceFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// The bytes are not JSON, or not a JSON object.
        public static let invalidJSON = Code(.invalidJSON)
        /// A required key is absent (``KITRecordError/key`` names it).
        public static let missingField = Code(.missingField)
        /// A key is present but its value cannot be read (``KITRecordError/key`` names it).
        public static let invalidField = Code(.invalidField)
        /// The endpoint output is JSON but not `{"prediction":[[…]]}`.
        public static let notObjectDetection = Code(.notObjectDetection)
        /// The endpoint never answered successfully for this frame: there is no output to read. The record's
        /// ``KITRecord/Inference/failure`` says why.
        public static let inferenceFailed = Code(.inferenceFailed)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    /// The record's JSON key the error is about (`"fragmentMetaData"`, `"attempts"`, …), if any.
    public let key: String?

    public init(_ code: Code, _ message: String, key: String? = nil) {
        self.code = code
        self.message = message
        self.key = key
    }

    public var description: String { "\(code): \(message)" }
}
