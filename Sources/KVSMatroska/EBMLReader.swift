/// EBML variable-length integers (RFC 8794 §4) read from raw bytes.
enum EBML {
    /// Length in bytes of a VINT, from its first byte (1…8), or nil for 0x00.
    @inline(__always) static func vintLength(_ first: UInt8) -> Int? {
        first == 0 ? nil : first.leadingZeroBitCount + 1
    }

    enum Header {
        case needMore
        case invalidID
        case invalidSize
        /// `size` nil means the unknown-size marker.
        case element(id: UInt32, size: UInt64?, headerLength: Int)
    }

    /// Reads an element header (ID then size) at `start`.
    @inline(__always) static func readHeader(_ p: UnsafeBufferPointer<UInt8>, at start: Int) -> Header {
        let available = p.count - start
        guard available > 0 else { return .needMore }
        let b0 = p[start]
        // IDs are at most 4 bytes (EBMLMaxIDLength 4 in every Matroska file).
        guard let idLength = vintLength(b0), idLength <= 4 else { return .invalidID }
        guard available > idLength else { return .needMore }
        var id = UInt32(b0)
        var allOnes = (b0 & (0xFF >> idLength)) == (0xFF >> idLength)
        for k in 1..<idLength {
            let b = p[start + k]
            id = id << 8 | UInt32(b)
            allOnes = allOnes && b == 0xFF
        }
        if allOnes { return .invalidID }
        // The shortest encoding must be used for IDs: 0x80-style IDs with all value bits zero are reserved too.
        if id & ~(UInt32(0x80) << (8 * UInt32(idLength - 1))) == 0 { return .invalidID }
        let s0 = p[start + idLength]
        guard let sizeLength = vintLength(s0) else { return .invalidSize }
        guard available >= idLength + sizeLength else { return .needMore }
        let mask = UInt8(0xFF >> sizeLength)
        var value = UInt64(s0 & mask)
        var unknown = (s0 & mask) == mask
        for k in 1..<sizeLength {
            let b = p[start + idLength + k]
            value = value << 8 | UInt64(b)
            unknown = unknown && b == 0xFF
        }
        return .element(id: id, size: unknown ? nil : value, headerLength: idLength + sizeLength)
    }

    /// Reads an unsigned VINT value (marker removed) inside a block header; nil if it does not fit in `bytes`.
    static func readVint(_ bytes: ArraySlice<UInt8>, at i: Int) -> (value: UInt64, length: Int)? {
        guard i < bytes.endIndex, let length = vintLength(bytes[i]), i + length <= bytes.endIndex else { return nil }
        var value = UInt64(bytes[i] & UInt8(0xFF >> length))
        for k in 1..<length { value = value << 8 | UInt64(bytes[i + k]) }
        return (value, length)
    }

    static func readUInt(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for b in bytes.prefix(8) { v = v << 8 | UInt64(b) }
        return v
    }

    static func readFloat(_ bytes: ArraySlice<UInt8>) -> Double? {
        switch bytes.count {
        case 0: return 0
        case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: readUInt(bytes))))
        case 8: return Double(bitPattern: readUInt(bytes))
        default: return nil
        }
    }

    /// UTF-8 text with trailing NUL padding removed (EBML strings may be zero-padded).
    static func readString(_ bytes: ArraySlice<UInt8>) -> String {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0 { end -= 1 }
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }
}
