/// What a Matroska CodecPrivate tells the decoder: how frames frame their NAL units.
///
/// `avcC` / `hvcC` records (ISO/IEC 14496-15) mean frames hold length-prefixed NAL units; Annex B parameter sets
/// (some producers put start-code SPS/PPS in CodecPrivate) and an absent CodecPrivate mean start codes. The record is
/// checked here, field by field, because libavcodec only warns about a malformed one and then fails every frame.
struct CodecPrivate: Equatable {
    enum Framing: Equatable {
        /// Each NAL unit is preceded by its length in `lengthSize` big-endian bytes (1, 2 or 4).
        case lengthPrefixed(lengthSize: Int)
        /// NAL units are separated by `00 00 01` / `00 00 00 01` start codes.
        case annexB
    }

    let framing: Framing

    init(codec: VideoCodec, bytes: [UInt8]?) throws(MediaError) {
        guard let bytes, !bytes.isEmpty else {
            framing = .annexB
            return
        }
        if NALUnits.startsWithStartCode(bytes[...]) {
            framing = .annexB
            return
        }
        switch codec {
        case .h264: framing = .lengthPrefixed(lengthSize: try Self.avcCLengthSize(bytes))
        case .hevc: framing = .lengthPrefixed(lengthSize: try Self.hvcCLengthSize(bytes))
        }
    }

    private static func invalid(_ message: String) -> MediaError {
        MediaError(code: .invalidCodecPrivate, message: message)
    }

    /// AVCDecoderConfigurationRecord: version, profile, compatibility, level, 6 reserved bits + lengthSizeMinusOne,
    /// 3 reserved bits + numOfSequenceParameterSets, SPS (u16 length + NAL), numOfPictureParameterSets, PPS.
    static func avcCLengthSize(_ b: [UInt8]) throws(MediaError) -> Int {
        guard b.count >= 7 else {
            throw invalid("avcC is \(b.count) bytes, shorter than its 7-byte minimum")
        }
        guard b[0] == 1 else { throw invalid("avcC configurationVersion is \(b[0]), expected 1") }
        let lengthSize = Int(b[4] & 0x03) + 1
        guard lengthSize != 3 else {
            throw invalid("avcC lengthSizeMinusOne is 2 (3-byte NAL lengths are invalid)")
        }
        var reader = ByteReader(b, at: 5)
        let spsCount = Int(try reader.u8("numOfSequenceParameterSets") & 0x1F)
        for index in 0..<spsCount {
            let nal = try reader.lengthPrefixed("SPS \(index)")
            guard let header = nal.first, header & 0x1F == 7 else {
                throw invalid("avcC SPS \(index) is not an SPS NAL")
            }
        }
        let ppsCount = Int(try reader.u8("numOfPictureParameterSets"))
        for index in 0..<ppsCount {
            let nal = try reader.lengthPrefixed("PPS \(index)")
            guard let header = nal.first, header & 0x1F == 8 else {
                throw invalid("avcC PPS \(index) is not a PPS NAL")
            }
        }
        // High-profile records may carry chroma/bit-depth fields and SPS extensions after this; they are optional.
        return lengthSize
    }

    /// HEVCDecoderConfigurationRecord: 22 fixed bytes (byte 21 ends in lengthSizeMinusOne), numOfArrays, then per
    /// array a NAL type byte, a u16 count and that many u16-length-prefixed NAL units.
    static func hvcCLengthSize(_ b: [UInt8]) throws(MediaError) -> Int {
        guard b.count >= 23 else {
            throw invalid("hvcC is \(b.count) bytes, shorter than its 23-byte minimum")
        }
        guard b[0] == 1 else { throw invalid("hvcC configurationVersion is \(b[0]), expected 1") }
        let lengthSize = Int(b[21] & 0x03) + 1
        guard lengthSize != 3 else {
            throw invalid("hvcC lengthSizeMinusOne is 2 (3-byte NAL lengths are invalid)")
        }
        var reader = ByteReader(b, at: 22)
        let arrays = Int(try reader.u8("numOfArrays"))
        for array in 0..<arrays {
            let type = try reader.u8("array \(array) NAL type") & 0x3F
            let count = Int(try reader.u16("array \(array) numNalus"))
            for index in 0..<count {
                let nal = try reader.lengthPrefixed("array \(array) NAL \(index)")
                guard let header = nal.first, (header >> 1) & 0x3F == type else {
                    throw invalid("hvcC array \(array) NAL \(index) is not of the array's type \(type)")
                }
            }
        }
        return lengthSize
    }

    private struct ByteReader {
        let bytes: [UInt8]
        var offset: Int
        init(_ bytes: [UInt8], at offset: Int) {
            self.bytes = bytes
            self.offset = offset
        }
        mutating func u8(_ what: String) throws(MediaError) -> UInt8 {
            guard offset < bytes.count else { throw CodecPrivate.invalid("record ends before \(what)") }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func u16(_ what: String) throws(MediaError) -> Int {
            let high = Int(try u8(what))
            return high << 8 | Int(try u8(what))
        }
        mutating func lengthPrefixed(_ what: String) throws(MediaError) -> ArraySlice<UInt8> {
            let length = try u16("length of \(what)")
            guard length > 0, length <= bytes.count - offset else {
                throw CodecPrivate.invalid("\(what) claims \(length) bytes, \(bytes.count - offset) remain")
            }
            defer { offset += length }
            return bytes[offset..<offset + length]
        }
    }
}
