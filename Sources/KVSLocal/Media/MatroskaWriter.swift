/// The few EBML elements the server writes itself, byte for byte as KVS writes them (see the captures in
/// `testdata/kvs-getmedia/`): its Tags use 4-byte size fields (`0x10 xx xx xx`) at every level and no Targets, the
/// Segment has the 8-byte unknown size, and the Cluster an 8-byte known size.
enum MatroskaWriter {
    static let ebmlID: UInt32 = 0x1A45_DFA3
    static let segmentID: UInt32 = 0x1853_8067
    static let clusterID: UInt32 = 0x1F43_B675
    static let tagsID: UInt32 = 0x1254_C367
    static let tagID: UInt32 = 0x7373
    static let simpleTagID: UInt32 = 0x67C8
    static let tagNameID: UInt32 = 0x45A3
    static let tagStringID: UInt32 = 0x4487

    /// `18 53 80 67 01 FF FF FF FF FF FF FF`.
    static let unknownSizeSegmentHeader: [UInt8] = [
        0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ]

    /// An EBML header for producers that start with a Segment (DocType matroska, versions as mkvmerge writes them).
    static let defaultEBMLHeader: [UInt8] = {
        var body: [UInt8] = []
        body += element(0x4286, uint: 1)  // EBMLVersion
        body += element(0x42F7, uint: 1)  // EBMLReadVersion
        body += element(0x42F2, uint: 4)  // EBMLMaxIDLength
        body += element(0x42F3, uint: 8)  // EBMLMaxSizeLength
        body += element(0x4282, bytes: Array("matroska".utf8))  // DocType
        body += element(0x4287, uint: 4)  // DocTypeVersion
        body += element(0x4285, uint: 2)  // DocTypeReadVersion
        return idBytes(ebmlID) + sizeBytes8(UInt64(body.count)) + body
    }()

    static func idBytes(_ id: UInt32) -> [UInt8] {
        if id > 0xFF_FFFF {
            return [
                UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8),
                UInt8(truncatingIfNeeded: id),
            ]
        } else if id > 0xFFFF {
            return [UInt8(id >> 16), UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id)]
        } else if id > 0xFF {
            return [UInt8(id >> 8), UInt8(truncatingIfNeeded: id)]
        }
        return [UInt8(id)]
    }

    /// The 8-byte size VINT (`01 xx xx xx xx xx xx xx`).
    static func sizeBytes8(_ size: UInt64) -> [UInt8] {
        var out: [UInt8] = [0x01]
        for shift in stride(from: 48, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: size >> UInt64(shift)))
        }
        return out
    }

    /// The 4-byte size VINT KVS uses for its tags (`1x xx xx xx`, sizes below 2^28).
    static func sizeBytes4(_ size: Int) -> [UInt8] {
        let value = UInt32(clamping: size) & 0x0FFF_FFFF
        return [
            0x10 | UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }

    /// The shortest size VINT.
    static func sizeBytesMinimal(_ size: UInt64) -> [UInt8] {
        var length = 1
        while length < 8, size >= (UInt64(1) << UInt64(7 * length)) - 1 { length += 1 }
        var out: [UInt8] = []
        for k in (0..<length).reversed() { out.append(UInt8(truncatingIfNeeded: size >> UInt64(8 * k))) }
        out[0] |= UInt8(0x80 >> (length - 1))
        return out
    }

    static func element(_ id: UInt32, uint value: UInt64) -> [UInt8] {
        var payload: [UInt8] = []
        var v = value
        repeat {
            payload.insert(UInt8(truncatingIfNeeded: v), at: 0)
            v >>= 8
        } while v > 0
        return idBytes(id) + sizeBytesMinimal(UInt64(payload.count)) + payload
    }

    static func element(_ id: UInt32, bytes: [UInt8]) -> [UInt8] {
        idBytes(id) + sizeBytesMinimal(UInt64(bytes.count)) + bytes
    }

    /// A Cluster header with an 8-byte known size, as KVS sends its Clusters.
    static func clusterHeader(payloadSize: Int) -> [UInt8] {
        idBytes(clusterID) + sizeBytes8(UInt64(payloadSize))
    }

    /// One Tags element holding one Tag of SimpleTags (name, string), KVS's layout.
    static func kvsTags(_ tags: [(name: String, value: String)]) -> [UInt8] {
        var simpleTags: [UInt8] = []
        for (name, value) in tags {
            let nameBytes = Array(name.utf8)
            let valueBytes = Array(value.utf8)
            var body: [UInt8] = idBytes(tagNameID) + sizeBytes4(nameBytes.count) + nameBytes
            body += idBytes(tagStringID) + sizeBytes4(valueBytes.count) + valueBytes
            simpleTags += idBytes(simpleTagID) + sizeBytes4(body.count) + body
        }
        let tag = idBytes(tagID) + sizeBytes4(simpleTags.count) + simpleTags
        return idBytes(tagsID) + sizeBytes4(tag.count) + tag
    }
}
