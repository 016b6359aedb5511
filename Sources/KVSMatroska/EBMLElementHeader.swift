/// One EBML element header (ID and size) read from a growing buffer — for code that frames Matroska itself (the
/// local KVS cutting PutMedia into fragments, the producer cutting files into GOPs).
public struct EBMLElementHeader: Sendable, Equatable {
    public var id: UInt32
    /// nil for the unknown-size marker.
    public var size: Int64?
    /// Bytes taken by the ID and the size.
    public var length: Int

    public enum Problem: Error, Sendable, Equatable {
        case invalidID
        case invalidSize
        case sizeOutOfRange
    }

    /// The header at `position`, or nil when the buffer ends before it does.
    public static func read(_ buffer: [UInt8], at position: Int) throws(Problem) -> EBMLElementHeader? {
        let available = buffer.count - position
        guard available > 0 else { return nil }
        let b0 = buffer[position]
        guard b0 != 0, b0.leadingZeroBitCount < 4 else { throw .invalidID }
        let idLength = b0.leadingZeroBitCount + 1
        guard available > idLength else { return nil }
        var id = UInt32(0)
        for k in 0..<idLength { id = id << 8 | UInt32(buffer[position + k]) }
        let s0 = buffer[position + idLength]
        guard s0 != 0 else { throw .invalidSize }
        let sizeLength = s0.leadingZeroBitCount + 1
        guard available >= idLength + sizeLength else { return nil }
        let mask = UInt8(0xFF >> sizeLength)
        var value = UInt64(s0 & mask)
        var allOnes = (s0 & mask) == mask
        for k in 1..<sizeLength {
            let b = buffer[position + idLength + k]
            value = value << 8 | UInt64(b)
            allOnes = allOnes && b == 0xFF
        }
        if allOnes { return EBMLElementHeader(id: id, size: nil, length: idLength + sizeLength) }
        guard value < UInt64(Int64.max / 2) else { throw .sizeOutOfRange }
        return EBMLElementHeader(id: id, size: Int64(value), length: idLength + sizeLength)
    }
}
