/// A problem in the byte stream, with where it happened. The parser reports it and carries on: after a framing error
/// it resynchronises at the next EBML header, so one bad fragment never stops a stream.
public struct MatroskaParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case invalidElementID, invalidSize, elementTooLarge, elementOverrunsParent, unexpectedElement,
                unknownSizeLeaf, truncated, malformedBlock, invalidTagValue, garbageSkipped
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// Bytes that cannot start an element ID (a 0x00 lead byte, or a reserved all-ones ID).
        public static let invalidElementID = Code(.invalidElementID)
        /// A size VINT whose length marker is missing (a 0x00 lead byte).
        public static let invalidSize = Code(.invalidSize)
        /// An element claims more bytes than the configured cap; nothing is allocated for it.
        public static let elementTooLarge = Code(.elementTooLarge)
        /// A child's size runs past the end of its known-size parent.
        public static let elementOverrunsParent = Code(.elementOverrunsParent)
        /// An element that cannot appear where it did (for example a Cluster outside any Segment).
        public static let unexpectedElement = Code(.unexpectedElement)
        /// A data element with the unknown-size marker (only masters may have it).
        public static let unknownSizeLeaf = Code(.unknownSizeLeaf)
        /// The input ended inside an element or a fragment.
        public static let truncated = Code(.truncated)
        /// A SimpleBlock/Block whose header or lacing does not add up; the block is dropped, the fragment goes on.
        public static let malformedBlock = Code(.malformedBlock)
        /// A KVS tag whose value cannot be read (for example a timestamp that is not a number).
        public static let invalidTagValue = Code(.invalidTagValue)
        /// Bytes discarded while looking for the next EBML header.
        public static let garbageSkipped = Code(.garbageSkipped)
        public var description: String { value.rawValue }
    }

    public let code: Code
    /// Absolute offset in the input (bytes since the first byte fed) where the problem was found.
    public let offset: Int64
    /// The element being read, if any (as written on the wire, e.g. 0x1F43B675 for Cluster).
    public let elementID: UInt32?
    public let message: String

    public init(code: Code, offset: Int64, elementID: UInt32? = nil, message: String) {
        self.code = code
        self.offset = offset
        self.elementID = elementID
        self.message = message
    }

    public var description: String {
        let element = elementID.map { " in element 0x" + String($0, radix: 16, uppercase: true) } ?? ""
        return "\(code) at byte \(offset)\(element): \(message)"
    }
}
