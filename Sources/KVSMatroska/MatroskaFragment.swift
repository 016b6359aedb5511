/// One fragment as the parser emits it: the Segment context it belongs to (tracks, timecode scale, tags), KVS's
/// metadata if the stream carries it, and the frames of its Cluster in stream order.
public struct MatroskaFragment: Sendable {
    /// KVS metadata, or nil for plain Matroska without KVS tags.
    public var metadata: FragmentMetadata?
    public var tracks: [MatroskaTrack]
    /// Nanoseconds per timecode unit (Info/TimecodeScale, default 1 000 000).
    public var timecodeScale: UInt64
    /// Every SimpleTag of the fragment (KVS's and the producer's), in stream order.
    public var tags: [MatroskaTag]
    /// The Cluster's Timecode, or nil for a fragment without a Cluster (an error or tags-only fragment).
    public var clusterTimecode: Int64?
    public var frames: [MatroskaFrame]
    /// Byte range of the fragment in the input (from its EBML header, Segment or Cluster to its last element).
    public var startOffset: Int64
    public var endOffset: Int64

    public func track(_ number: UInt64) -> MatroskaTrack? { tracks.first { $0.number == number } }

    /// The first video track, the one KIT decodes.
    public var videoTrack: MatroskaTrack? { tracks.first { $0.type == .video } }

    public func tagValue(_ name: String) -> String? { tags.last { $0.name == name }?.value }

    /// Frame time in milliseconds since the stream's epoch (producer time base for KVS).
    public func timestampMillis(of frame: MatroskaFrame) -> Int64 {
        let nanos = (clusterTimecode ?? 0) &+ Int64(frame.timeCode)
        return nanos.multipliedReportingOverflow(by: Int64(clamping: timecodeScale)).partialValue / 1_000_000
    }

    /// When the fragment starts, in milliseconds on its time base, as KVS dates a fragment (its producer
    /// timestamp): the earlier of its Cluster's timecode and its first video frame — frames reordered for B-frames
    /// may carry timecodes before the Cluster's.
    public var startMillis: Int64 {
        let cluster =
            (clusterTimecode ?? 0).multipliedReportingOverflow(by: Int64(clamping: timecodeScale))
            .partialValue / 1_000_000
        let video = videoTrack
        let first = frames.lazy.filter { video == nil || $0.trackNumber == video?.number }
            .map { timestampMillis(of: $0) }.min()
        return min(cluster, first ?? cluster)
    }

    /// How far into the fragment the frame is, in milliseconds from ``startMillis``: the fragment's producer
    /// timestamp plus this is the frame's absolute time.
    public func offsetMillis(of frame: MatroskaFrame) -> Int64 { timestampMillis(of: frame) - startMillis }
}

/// A TrackEntry.
public struct MatroskaTrack: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case video, audio, complex, logo, subtitle, buttons, control, metadata
        case other(UInt64)
        init(_ raw: UInt64) {
            switch raw {
            case 1: self = .video
            case 2: self = .audio
            case 3: self = .complex
            case 0x10: self = .logo
            case 0x11: self = .subtitle
            case 0x12: self = .buttons
            case 0x20: self = .control
            case 0x21: self = .metadata
            default: self = .other(raw)
            }
        }
    }
    public var number: UInt64 = 0
    public var uid: UInt64 = 0
    public var type: Kind = .other(0)
    public var codecID: String = ""
    public var codecPrivate: [UInt8]? = nil
    public var name: String? = nil
    public var defaultDurationNanos: UInt64? = nil
    public var pixelWidth: UInt64? = nil
    public var pixelHeight: UInt64? = nil
    /// Colour element values as coded (ISO/IEC 23091-4 numbers; range 1 = broadcast/TV, 2 = full).
    public var matrixCoefficients: UInt64? = nil
    public var colourRange: UInt64? = nil
    public var transferCharacteristics: UInt64? = nil
    public var primaries: UInt64? = nil
    public var samplingFrequency: Double? = nil
    public var channels: UInt64? = nil
    public var bitDepth: UInt64? = nil

    public init() {}
}

/// A SimpleTag, flattened (nested SimpleTags appear after their parent).
public struct MatroskaTag: Sendable, Equatable {
    public var name: String
    /// TagString, or nil when the tag carries TagBinary.
    public var value: String?
    public var binary: [UInt8]?
    /// Targets/TagTrackUID when the tag applies to one track.
    public var trackUID: UInt64?

    public init(name: String, value: String?, binary: [UInt8]? = nil, trackUID: UInt64? = nil) {
        self.name = name
        self.value = value
        self.binary = binary
        self.trackUID = trackUID
    }
}

/// One frame of a SimpleBlock or Block. Laced blocks give one frame per laced payload, each with the block's header.
/// `description` is the Java library's `Frame.toString()`.
public struct MatroskaFrame: Sendable, CustomStringConvertible {
    public enum Lacing: String, Sendable {
        case none = "NO"
        case xiph = "XIPH"
        case fixedSize = "FIXED_SIZE"
        case ebml = "EBML"
    }
    public var trackNumber: UInt64
    /// Timecode relative to the Cluster, in timecode units (signed 16 bits on the wire).
    public var timeCode: Int16
    public var keyFrame: Bool
    public var invisible: Bool
    public var discardable: Bool
    public var lacing: Lacing
    /// The payload: a slice of the fed chunk when the chunk held the whole block, else one exact-size copy.
    public var data: ArraySlice<UInt8>

    public init(
        trackNumber: UInt64, timeCode: Int16, keyFrame: Bool, invisible: Bool, discardable: Bool, lacing: Lacing,
        data: ArraySlice<UInt8>
    ) {
        self.trackNumber = trackNumber
        self.timeCode = timeCode
        self.keyFrame = keyFrame
        self.invisible = invisible
        self.discardable = discardable
        self.lacing = lacing
        self.data = data
    }

    public var description: String {
        "Frame(trackNumber=\(trackNumber), timeCode=\(timeCode), keyFrame=\(keyFrame), invisible=\(invisible), "
            + "discardable=\(discardable), lacing=\(lacing.rawValue))"
    }
}
