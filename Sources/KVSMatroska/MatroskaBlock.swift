/// SimpleBlock / Block payload → frames, with all three lacing kinds (Matroska spec §10.3).
enum MatroskaBlock {
    struct Malformed: Error { let reason: String }

    /// `simple` selects SimpleBlock flag semantics; for a Block, `keyFrame` comes from its BlockGroup.
    static func frames(
        from payload: ArraySlice<UInt8>, simple: Bool, keyFrameOverride: Bool? = nil
    ) throws(Malformed) -> [MatroskaFrame] {
        guard let (track, trackLength) = EBML.readVint(payload, at: payload.startIndex) else {
            throw Malformed(reason: "block track number is not a valid VINT")
        }
        var i = payload.startIndex + trackLength
        guard payload.endIndex - i >= 3 else { throw Malformed(reason: "block header shorter than 4 bytes") }
        let timeCode = Int16(bitPattern: UInt16(payload[i]) << 8 | UInt16(payload[i + 1]))
        let flags = payload[i + 2]
        i += 3
        let keyFrame = keyFrameOverride ?? (simple && flags & 0x80 != 0)
        let invisible = flags & 0x08 != 0
        let discardable = simple && flags & 0x01 != 0
        let lacing: MatroskaFrame.Lacing =
            switch (flags >> 1) & 0x03 {
            case 0: .none
            case 1: .xiph
            case 2: .fixedSize
            default: .ebml
            }
        func frame(_ data: ArraySlice<UInt8>) -> MatroskaFrame {
            MatroskaFrame(
                trackNumber: track, timeCode: timeCode, keyFrame: keyFrame, invisible: invisible,
                discardable: discardable, lacing: lacing, data: data)
        }
        if lacing == .none { return [frame(payload[i...])] }

        guard i < payload.endIndex else { throw Malformed(reason: "laced block without a frame count") }
        let count = Int(payload[i]) + 1
        i += 1
        var sizes: [Int] = []
        sizes.reserveCapacity(count)
        switch lacing {
        case .xiph:
            for _ in 0..<(count - 1) {
                var size = 0
                while true {
                    guard i < payload.endIndex else { throw Malformed(reason: "Xiph lace sizes run past the block") }
                    let b = payload[i]
                    i += 1
                    size += Int(b)
                    if b != 0xFF { break }
                }
                sizes.append(size)
            }
        case .ebml:
            guard let (first, length) = EBML.readVint(payload, at: i) else {
                throw Malformed(reason: "EBML lace size is not a valid VINT")
            }
            i += length
            var size = Int64(clamping: first)
            sizes.append(Int(size))
            for _ in 0..<max(0, count - 2) {
                guard let (raw, length) = EBML.readVint(payload, at: i) else {
                    throw Malformed(reason: "EBML lace delta is not a valid VINT")
                }
                i += length
                let bias = (Int64(1) << (7 * length - 1)) - 1
                size += Int64(clamping: raw) - bias
                guard size >= 0 else { throw Malformed(reason: "EBML lace size is negative") }
                sizes.append(Int(size))
            }
        case .fixedSize:
            let remaining = payload.endIndex - i
            guard remaining % count == 0 else {
                throw Malformed(reason: "fixed-size lacing: \(remaining) bytes do not split into \(count) frames")
            }
            sizes = Array(repeating: remaining / count, count: count - 1)
        case .none:
            break
        }
        var frames: [MatroskaFrame] = []
        frames.reserveCapacity(count)
        for size in sizes {
            guard size <= payload.endIndex - i else { throw Malformed(reason: "lace sizes exceed the block") }
            frames.append(frame(payload[i..<(i + size)]))
            i += size
        }
        frames.append(frame(payload[i...]))
        return frames
    }
}
