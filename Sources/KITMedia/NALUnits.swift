/// A look at the NAL unit headers of one access unit, before libavcodec sees it.
///
/// libavcodec logs and skips what it cannot use, so "nothing came out" could mean garbage, a P-frame or missing
/// parameter sets. Reading the NAL types first turns these into distinct typed errors, and lets an Annex B frame in
/// an avcC stream (some producers mix them) be rewritten to length prefixes instead of failing.
struct NALUnits {
    /// Byte ranges of each NAL unit's payload (header byte included, start code / length prefix excluded).
    private(set) var ranges: [Range<Int>] = []
    /// How the units were found in the input.
    let framing: CodecPrivate.Framing

    enum Failure: Error {
        case empty
        case malformed(String)
    }

    /// Splits `bytes` as `expected` says; a length-prefixed stream falls back to start codes when the lengths do not
    /// add up but the bytes begin with a start code.
    static func split(_ bytes: ArraySlice<UInt8>, expected: CodecPrivate.Framing) -> Result<
        NALUnits, Failure
    > {
        guard !bytes.isEmpty else { return .failure(.empty) }
        switch expected {
        case .annexB:
            return splitAnnexB(bytes)
        case .lengthPrefixed(let lengthSize):
            let prefixed = splitLengthPrefixed(bytes, lengthSize: lengthSize)
            if case .success = prefixed { return prefixed }
            if startsWithStartCode(bytes) { return splitAnnexB(bytes) }
            return prefixed
        }
    }

    static func startsWithStartCode(_ b: ArraySlice<UInt8>) -> Bool {
        let s = b.startIndex
        if b.count >= 3, b[s] == 0, b[s + 1] == 0, b[s + 2] == 1 { return true }
        return b.count >= 4 && b[s] == 0 && b[s + 1] == 0 && b[s + 2] == 0 && b[s + 3] == 1
    }

    private static func splitLengthPrefixed(_ b: ArraySlice<UInt8>, lengthSize: Int) -> Result<
        NALUnits, Failure
    > {
        var units = NALUnits(framing: .lengthPrefixed(lengthSize: lengthSize))
        var offset = b.startIndex
        while offset < b.endIndex {
            guard b.endIndex - offset >= lengthSize else {
                return .failure(
                    .malformed("\(b.endIndex - offset) trailing bytes, shorter than a NAL length prefix"))
            }
            var length = 0
            for i in 0..<lengthSize { length = length << 8 | Int(b[offset + i]) }
            offset += lengthSize
            guard length > 0, length <= b.endIndex - offset else {
                return .failure(
                    .malformed(
                        "NAL length \(length) at offset \(offset - b.startIndex - lengthSize) "
                            + "runs past the frame's \(b.count) bytes"))
            }
            units.ranges.append(offset..<offset + length)
            offset += length
        }
        return .success(units)
    }

    private static func splitAnnexB(_ b: ArraySlice<UInt8>) -> Result<NALUnits, Failure> {
        guard startsWithStartCode(b) else {
            return .failure(.malformed("no length prefix or start code at offset 0"))
        }
        var units = NALUnits(framing: .annexB)
        // Positions are offsets into `b`; the scan runs on the raw buffer (a 1080p IDR is a few hundred KB).
        let base = b.startIndex
        var starts: [Int] = []  // first byte after each start code
        b.withUnsafeBufferPointer { p in
            var i = 0
            let end = p.count
            while i + 2 < end {
                if p[i + 2] > 1 {
                    i += 3
                } else if p[i] == 0, p[i + 1] == 0, p[i + 2] == 1 {
                    starts.append(i + 3)
                    i += 3
                } else {
                    i += 1
                }
            }
            for (n, start) in starts.enumerated() {
                var stop = n + 1 < starts.count ? starts[n + 1] - 3 : end
                // Trailing zero bytes belong to the next start code (4-byte form) or are trailing_zero_8bits.
                while stop > start, p[stop - 1] == 0 { stop -= 1 }
                if stop > start { units.ranges.append(base + start..<base + stop) }
            }
        }
        return units.ranges.isEmpty
            ? .failure(.malformed("start codes with no NAL units")) : .success(units)
    }

    /// The access unit re-framed as `framing`, without the NAL units `drop` selects (given each unit's header byte);
    /// `nil` when a unit is too long for the target's length prefix.
    func rewritten(
        from b: ArraySlice<UInt8>, as framing: CodecPrivate.Framing, dropping drop: (UInt8) -> Bool
    )
        -> [UInt8]?
    {
        var out: [UInt8] = []
        out.reserveCapacity(b.count + ranges.count * 4)
        for range in ranges where !drop(b[range.lowerBound]) {
            switch framing {
            case .annexB:
                out.append(contentsOf: [0, 0, 0, 1])
            case .lengthPrefixed(let lengthSize):
                guard lengthSize >= 4 || range.count < 1 << (8 * lengthSize) else { return nil }
                for shift in stride(from: (lengthSize - 1) * 8, through: 0, by: -8) {
                    out.append(UInt8(truncatingIfNeeded: range.count >> shift))
                }
            }
            out.append(contentsOf: b[range])
        }
        return out
    }

    /// What the NAL headers say about the access unit.
    struct Summary {
        var hasPicture = false  // any VCL NAL unit
        var hasRandomAccess = false  // H.264 IDR, H.265 IRAP
        var hasSEI = false  // may carry an H.264 recovery point, which libavcodec accepts as a key frame
        var badHeader = false  // forbidden_zero_bit set: not a NAL unit
    }

    func summary(codec: VideoCodec, in b: ArraySlice<UInt8>) -> Summary {
        var summary = Summary()
        for range in ranges {
            let header = b[range.lowerBound]
            if header & 0x80 != 0 { summary.badHeader = true }
            switch codec {
            case .h264:
                let type = header & 0x1F
                if (1...5).contains(type) { summary.hasPicture = true }
                if type == 5 { summary.hasRandomAccess = true }
                if type == 6 { summary.hasSEI = true }
            case .hevc:
                let type = (header >> 1) & 0x3F
                if type <= 31 { summary.hasPicture = true }
                if (16...23).contains(type) { summary.hasRandomAccess = true }
                if type == 39 || type == 40 { summary.hasSEI = true }
            }
        }
        return summary
    }
}
