import KVSMatroska

/// Reads a Matroska file (or stream) as a producer needs it: the EBML header, the Segment's Info and Tracks, and the
/// frames regrouped into GOPs — one group per key frame of the video track, whatever the file's own Clusters were.
/// Frames keep their bytes (SimpleBlocks and BlockGroups are copied whole); only their timecodes are rewritten when
/// the GOPs are written out as Clusters (``GOPClusterWriter``).
///
/// Incremental: feed bytes as they arrive and take GOPs as they complete, so a file of any length is held one GOP
/// at a time. Cues, SeekHead, Tags, Chapters, Attachments and Void are skipped; the headers of a second document in
/// the same input (a concatenated GetMedia capture) are skipped too, and its Clusters continue the GOPs. Frames
/// before the first video key frame are dropped (a fragment must start with one).
struct MatroskaGOPReader {
    /// One frame: its whole element (SimpleBlock or BlockGroup) and where its 16-bit relative timecode sits in it.
    struct Frame: Sendable {
        var bytes: [UInt8]
        var timecodeOffset: Int
        /// Absolute time in the file, in TimecodeScale units.
        var time: Int64
        var track: UInt64
        var isKey: Bool
    }

    /// The frames from one video key frame up to the next.
    struct GOP: Sendable {
        var frames: [Frame]
        var startTime: Int64 { frames.first?.time ?? 0 }
    }

    /// What the producer sends before the first Cluster.
    struct Header: Sendable {
        var ebml: [UInt8]?
        /// Info without Duration (a live stream has none).
        var info: [UInt8]
        var tracks: [UInt8]
        var timecodeScale: UInt64
        var videoTrack: UInt64
        /// The video track's DefaultDuration in TimecodeScale units, if the file gives one.
        var frameDuration: Int64?
    }

    enum Event: Sendable {
        case header(Header)
        case gop(GOP)
    }

    private enum Level {
        case top
        case segment
        case cluster(end: Int64?)
    }

    private var buffer: [UInt8] = []
    private var position = 0
    private var base: Int64 = 0
    private var level = Level.top
    private var skipRemaining: Int64 = 0
    private var ebml: [UInt8]?
    private var info: [UInt8]?
    private var header: Header?
    private var clusterTime: Int64 = 0
    private var current: [Frame] = []
    private(set) var lastFrameTime: Int64?
    /// Largest element held in memory (a BlockGroup, Tracks, …); larger ones are refused.
    let maxElementSize: Int

    init(maxElementSize: Int = 64 << 20) { self.maxElementSize = maxElementSize }

    private var offset: Int64 { base + Int64(position) }

    mutating func feed(_ bytes: [UInt8]) throws(PutMediaError) -> [Event] {
        if position > 0, position >= buffer.count {
            base += Int64(position)
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position > 1 << 20 {
            base += Int64(position)
            buffer.removeFirst(position)
            position = 0
        }
        buffer += bytes
        var events: [Event] = []
        try process(&events)
        return events
    }

    /// The input ended: the last GOP is complete.
    mutating func finish() throws(PutMediaError) -> [Event] {
        var events: [Event] = []
        try process(&events)
        if buffer.count - position > 0 || skipRemaining > 0 {
            throw PutMediaError(.invalidInput, "the input ended inside an element at byte \(offset)")
        }
        guard header != nil else {
            throw PutMediaError(.invalidInput, "the input has no Matroska Segment with Info and Tracks")
        }
        if !current.isEmpty { events.append(.gop(GOP(frames: current))) }
        current = []
        return events
    }

    // MARK: Elements

    private typealias ElementHeader = EBMLElementHeader

    private func readHeader() throws(PutMediaError) -> ElementHeader? {
        do throws(EBMLElementHeader.Problem) {
            return try EBMLElementHeader.read(buffer, at: position)
        } catch .invalidID {
            throw PutMediaError(.invalidInput, "invalid element ID at byte \(offset): not a Matroska file?")
        } catch .invalidSize {
            throw PutMediaError(.invalidInput, "invalid element size at byte \(offset)")
        } catch {
            throw PutMediaError(.invalidInput, "element size out of range at byte \(offset)")
        }
    }

    private mutating func take(_ header: ElementHeader) throws(PutMediaError) -> [UInt8]? {
        guard let size = header.size else {
            throw PutMediaError(
                .invalidInput, "unexpected unknown-size element 0x\(String(header.id, radix: 16)) at byte \(offset)")
        }
        guard size <= Int64(maxElementSize) else {
            throw PutMediaError(
                .invalidInput, "element 0x\(String(header.id, radix: 16)) of \(size) bytes is too large")
        }
        let total = header.length + Int(size)
        guard buffer.count - position >= total else { return nil }
        let bytes = Array(buffer[position..<(position + total)])
        position += total
        return bytes
    }

    private mutating func skip(_ header: ElementHeader) throws(PutMediaError) {
        guard let size = header.size else {
            throw PutMediaError(
                .invalidInput, "unexpected unknown-size element 0x\(String(header.id, radix: 16)) at byte \(offset)")
        }
        position += header.length
        skipRemaining = size
    }

    static let ebmlID: UInt32 = 0x1A45_DFA3
    static let segmentID: UInt32 = 0x1853_8067
    static let clusterID: UInt32 = 0x1F43_B675
    static let infoID: UInt32 = 0x1549_A966
    static let tracksID: UInt32 = 0x1654_AE6B

    private static func isTopLevel(_ id: UInt32) -> Bool {
        switch id {
        case ebmlID, segmentID, 0x114D_9B74, infoID, tracksID, 0x1254_C367, clusterID, 0x1C53_BB6B, 0x1043_A770,
            0x1941_A469:
            true
        default: false
        }
    }

    private mutating func process(_ events: inout [Event]) throws(PutMediaError) {
        // Each pass consumes bytes or returns for more.
        while true {
            if skipRemaining > 0 {
                let n = Int(min(Int64(buffer.count - position), skipRemaining))
                position += n
                skipRemaining -= Int64(n)
                if skipRemaining > 0 { return }
            }
            switch level {
            case .top:
                guard let element = try readHeader() else { return }
                switch element.id {
                case Self.ebmlID:
                    guard let bytes = try take(element) else { return }
                    if ebml == nil { ebml = bytes }
                case Self.segmentID:
                    position += element.length
                    level = .segment
                case 0xEC, 0xBF:
                    try skip(element)
                default:
                    throw PutMediaError(
                        .invalidInput,
                        "expected an EBML header or a Segment at byte \(offset), found 0x\(String(element.id, radix: 16))"
                    )
                }

            case .segment:
                guard let element = try readHeader() else { return }
                switch element.id {
                case Self.ebmlID, Self.segmentID:
                    level = .top
                case Self.clusterID:
                    guard header != nil else {
                        throw PutMediaError(.invalidInput, "a Cluster comes before the Segment's Info and Tracks")
                    }
                    position += element.length
                    clusterTime = 0
                    level = .cluster(end: element.size.map { offset + $0 })
                case Self.infoID:
                    guard let bytes = try take(element) else { return }
                    if info == nil { info = bytes }
                case Self.tracksID:
                    guard let bytes = try take(element) else { return }
                    if header == nil {
                        header = try Self.makeHeader(ebml: ebml, info: info, tracks: bytes)
                        if let header { events.append(.header(header)) }
                    }
                default:
                    try skip(element)
                }

            case .cluster(let end):
                if let end, offset >= end {
                    level = .segment
                    continue
                }
                guard let element = try readHeader() else { return }
                if end == nil, Self.isTopLevel(element.id) {
                    level = .segment
                    continue
                }
                switch element.id {
                case 0xE7:
                    guard let bytes = try take(element) else { return }
                    clusterTime = Int64(clamping: EBML.uint(bytes[element.length...]))
                case 0xA3, 0xA0:
                    guard let bytes = try take(element) else { return }
                    if let frame = try frame(bytes, headerLength: element.length, simple: element.id == 0xA3) {
                        add(frame, &events)
                    }
                default:
                    try skip(element)
                }
            }
        }
    }

    private mutating func add(_ frame: Frame, _ events: inout [Event]) {
        guard let header else { return }
        if frame.track == header.videoTrack, frame.isKey, !current.isEmpty {
            events.append(.gop(GOP(frames: current)))
            current = []
        }
        // Nothing before the first video key frame.
        if current.isEmpty, !(frame.track == header.videoTrack && frame.isKey) { return }
        current.append(frame)
        if frame.track == header.videoTrack { lastFrameTime = max(lastFrameTime ?? frame.time, frame.time) }
    }

    /// A SimpleBlock or BlockGroup as a ``Frame``; nil for a BlockGroup without a Block.
    private func frame(_ bytes: [UInt8], headerLength: Int, simple: Bool) throws(PutMediaError) -> Frame? {
        var blockStart = headerLength
        var isKey = false
        if simple {
            guard bytes.count > headerLength else { throw PutMediaError(.invalidInput, "a SimpleBlock is empty") }
            let trackLength = EBML.vintLength(bytes[headerLength])
            guard trackLength <= 8, bytes.count > headerLength + trackLength + 2 else {
                throw PutMediaError(.invalidInput, "a SimpleBlock is too short")
            }
            isKey = bytes[headerLength + trackLength + 2] & 0x80 != 0
        } else {
            // BlockGroup: find the Block (0xA1); a ReferenceBlock (0xFB) makes it a non-key frame.
            var found: Int?
            var referenced = false
            var index = headerLength
            while index < bytes.count {
                guard let (id, size, length) = EBML.header(bytes, at: index) else {
                    throw PutMediaError(.invalidInput, "a BlockGroup is malformed")
                }
                if id == 0xA1 { found = index + length }
                if id == 0xFB { referenced = true }
                index += length + size
            }
            guard let found else { return nil }
            blockStart = found
            isKey = !referenced
        }
        guard blockStart < bytes.count else { throw PutMediaError(.invalidInput, "a Block is too short") }
        let trackLength = EBML.vintLength(bytes[blockStart])
        guard trackLength <= 8, blockStart + trackLength + 3 <= bytes.count else {
            throw PutMediaError(.invalidInput, "a Block is too short")
        }
        var track = UInt64(bytes[blockStart] & UInt8(0xFF >> trackLength))
        for k in 1..<trackLength { track = track << 8 | UInt64(bytes[blockStart + k]) }
        let timecodeOffset = blockStart + trackLength
        let relative = Int16(bitPattern: UInt16(bytes[timecodeOffset]) << 8 | UInt16(bytes[timecodeOffset + 1]))
        return Frame(
            bytes: bytes, timecodeOffset: timecodeOffset, time: clusterTime + Int64(relative), track: track,
            isKey: isKey)
    }

    private static func makeHeader(ebml: [UInt8]?, info: [UInt8]?, tracks: [UInt8]) throws(PutMediaError) -> Header {
        var scale: UInt64 = 1_000_000
        var infoOut: [UInt8] = []
        if let info, let (_, _, length) = EBML.header(info, at: 0) {
            var body: [UInt8] = []
            var index = length
            while index < info.count, let (id, size, childLength) = EBML.header(info, at: index) {
                let end = min(info.count, index + childLength + size)
                if id == 0x2AD7B1 { scale = EBML.uint(info[(index + childLength)..<end]) }
                if id != 0x4489 { body += info[index..<end] }  // Duration dropped
                index = end
            }
            infoOut = EBML.element(infoID, body)
        } else {
            infoOut = EBML.element(infoID, EBML.element(0x2AD7B1, uint: scale))
        }
        guard scale > 0 else { throw PutMediaError(.invalidInput, "TimecodeScale is 0") }
        // The first video track, its DefaultDuration.
        guard let (_, _, tracksLength) = EBML.header(tracks, at: 0) else {
            throw PutMediaError(.invalidInput, "Tracks is malformed")
        }
        var index = tracksLength
        while index < tracks.count, let (id, size, length) = EBML.header(tracks, at: index) {
            defer { index += length + size }
            guard id == 0xAE else { continue }
            var number: UInt64?
            var type: UInt64?
            var duration: UInt64?
            var child = index + length
            let entryEnd = min(tracks.count, index + length + size)
            while child < entryEnd, let (cid, csize, clength) = EBML.header(tracks, at: child) {
                let valueRange = (child + clength)..<min(entryEnd, child + clength + csize)
                switch cid {
                case 0xD7: number = EBML.uint(tracks[valueRange])
                case 0x83: type = EBML.uint(tracks[valueRange])
                case 0x23E383: duration = EBML.uint(tracks[valueRange])
                default: break
                }
                child += clength + csize
            }
            if type == 1, let number {
                let frameDuration = duration.map { Int64(clamping: ($0 + scale / 2) / scale) }
                return Header(
                    ebml: ebml, info: infoOut, tracks: tracks, timecodeScale: scale, videoTrack: number,
                    frameDuration: frameDuration.flatMap { $0 > 0 ? $0 : nil })
            }
        }
        throw PutMediaError(.invalidInput, "the input has no video track")
    }
}

/// The few EBML helpers the producer needs.
enum EBML {
    static func vintLength(_ first: UInt8) -> Int { first.leadingZeroBitCount + 1 }

    /// (id, payload size, header length) of the element at `index`, if it is well formed and sized.
    static func header(_ bytes: [UInt8], at index: Int) -> (UInt32, Int, Int)? {
        guard index < bytes.count, bytes[index] != 0 else { return nil }
        let idLength = vintLength(bytes[index])
        guard idLength <= 4, index + idLength < bytes.count else { return nil }
        var id = UInt32(0)
        for k in 0..<idLength { id = id << 8 | UInt32(bytes[index + k]) }
        let s0 = bytes[index + idLength]
        guard s0 != 0 else { return nil }
        let sizeLength = vintLength(s0)
        guard index + idLength + sizeLength <= bytes.count else { return nil }
        var size = UInt64(s0 & UInt8(0xFF >> sizeLength))
        for k in 1..<sizeLength { size = size << 8 | UInt64(bytes[index + idLength + k]) }
        guard size < UInt64(Int.max / 2), index + idLength + sizeLength + Int(size) <= bytes.count else { return nil }
        return (id, Int(size), idLength + sizeLength)
    }

    static func uint(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for b in bytes.prefix(8) { value = value << 8 | UInt64(b) }
        return value
    }

    static func idBytes(_ id: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        var v = id
        repeat {
            out.insert(UInt8(truncatingIfNeeded: v), at: 0)
            v >>= 8
        } while v > 0
        return out
    }

    /// The 8-byte size VINT.
    static func size8(_ size: Int) -> [UInt8] {
        [0x01] + (0..<7).reversed().map { UInt8(truncatingIfNeeded: UInt64(size) >> UInt64(8 * $0)) }
    }

    static func element(_ id: UInt32, _ payload: [UInt8]) -> [UInt8] { idBytes(id) + size8(payload.count) + payload }

    static func element(_ id: UInt32, uint value: UInt64) -> [UInt8] {
        var payload: [UInt8] = []
        var v = value
        repeat {
            payload.insert(UInt8(truncatingIfNeeded: v), at: 0)
            v >>= 8
        } while v > 0
        return idBytes(id) + [0x80 | UInt8(payload.count)] + payload
    }
}
