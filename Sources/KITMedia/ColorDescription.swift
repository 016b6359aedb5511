import CFFmpeg

/// How a picture's YCbCr values map to colour: the matrix coefficients and the value range.
///
/// Both numberings are ITU-T H.273's, which is what H.264/H.265 VUI, Matroska's `Colour` element
/// (`MatrixCoefficients`, `Range`) and FFmpeg's `AVColorSpace` / `AVColorRange` all use, so values pass between them
/// unchanged.
public struct ColorDescription: Hashable, Sendable, CustomStringConvertible {
    /// The YCbCr matrix coefficients (H.273 `MatrixCoefficients`).
    public struct Matrix: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let bt709 = Matrix(rawValue: 1)
        /// Not signalled. Converted as BT.601, as FFmpeg's swscale does, so results match the `ffmpeg` CLI.
        public static let unspecified = Matrix(rawValue: 2)
        public static let fcc = Matrix(rawValue: 4)
        /// BT.470 System B/G: the BT.601 625-line matrix (JFIF's).
        public static let bt470bg = Matrix(rawValue: 5)
        /// SMPTE 170M: the BT.601 525-line matrix (same coefficients as ``bt470bg``).
        public static let smpte170m = Matrix(rawValue: 6)
        public static let smpte240m = Matrix(rawValue: 7)
        public static let bt2020NonConstant = Matrix(rawValue: 9)

        /// Whether the coefficients are BT.601's (what JFIF assumes), counting "unspecified" as BT.601 like FFmpeg.
        public var isBT601: Bool { self == .unspecified || self == .bt470bg || self == .smpte170m }

        public var description: String {
            switch self {
            case .bt709: "bt709"
            case .unspecified: "unspecified"
            case .fcc: "fcc"
            case .bt470bg: "bt470bg"
            case .smpte170m: "smpte170m"
            case .smpte240m: "smpte240m"
            case .bt2020NonConstant: "bt2020nc"
            default: "matrix(\(rawValue))"
            }
        }
    }

    /// The value range (H.273 `video_full_range_flag`; Matroska `Range`; `AVColorRange`).
    public struct Range: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let unspecified = Range(rawValue: 0)
        /// "TV" / "MPEG" / broadcast range: luma 16–235, chroma 16–240 (what x264 and cameras produce).
        public static let limited = Range(rawValue: 1)
        /// "PC" / "JPEG" range: 0–255 (what JFIF assumes).
        public static let full = Range(rawValue: 2)

        public var description: String {
            switch self {
            case .unspecified: "unspecified"
            case .limited: "tv"
            case .full: "pc"
            default: "range(\(rawValue))"
            }
        }
    }

    public var matrix: Matrix
    public var range: Range

    public init(matrix: Matrix = .unspecified, range: Range = .unspecified) {
        self.matrix = matrix
        self.range = range
    }

    /// From a Matroska `Video/Colour` element's `MatrixCoefficients` and `Range` (either may be absent).
    /// Matroska's `Range` value 3 ("defined by MatrixCoefficients / TransferCharacteristics") is taken as unspecified.
    public init(matroskaMatrixCoefficients: UInt64?, matroskaRange: UInt64?) {
        let matrix =
            matroskaMatrixCoefficients.flatMap { Int(exactly: $0) }.map(Matrix.init) ?? .unspecified
        let range: Range
        switch matroskaRange {
        case 1: range = .limited
        case 2: range = .full
        default: range = .unspecified
        }
        self.init(matrix: matrix, range: range)
    }

    public var description: String { "\(matrix)/\(range)" }

    /// The coefficient table swscale uses for this matrix (unknown and unspecified values give BT.601, as in
    /// FFmpeg's scale filter).
    var swsCoefficients: UnsafePointer<Int32>? {
        sws_getCoefficients(Int32(truncatingIfNeeded: matrix.rawValue))
    }
}
