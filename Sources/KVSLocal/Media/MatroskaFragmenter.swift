import KVSMatroska

/// Cuts a PutMedia body into what the server keeps, as the bytes arrive: per Segment its EBML header and the level-1
/// elements before its first Cluster (SeekHead, Void, Info, Tracks, the producer's Tags — KVS re-emits them before
/// every fragment), and each Cluster as one fragment. Known- and unknown-size Segments and Clusters are both handled:
/// an unknown-size Cluster ends where an element of level 0 or 1 begins, or at the end of the body.
///
/// It only frames; the contents of each Cluster are checked by `MatroskaStreamParser` (see `PutMediaIngest`). Any
/// element is held in memory whole, so sizes are capped (`maxElementSize`, `maxFragmentSize`) before anything is
/// allocated; a framing error ends the session (the stream cannot be resynchronised reliably on an upload).
struct MatroskaFragmenter {
    struct Limits {
        var maxElementSize: Int = 16 << 20
        var maxFragmentSize: Int = 50 << 20
    }

    struct Failure: Error, Equatable {
        enum Kind: Equatable { case invalidData, fragmentTooLarge }
        var kind: Kind
        var message: String
    }

    enum Event {
        /// A Cluster header arrived (the fragment is now buffering). `prefix` is what goes before it in the stored
        /// fragment: the EBML header, the unknown-size Segment header and the Segment's leading elements (plus any
        /// Tags seen between Clusters).
        case clusterStarted(prefix: [UInt8])
        /// A child of the Cluster (its Timecode, a SimpleBlock, …), whole, in arrival order.
        case clusterChild(id: UInt32, bytes: [UInt8])
        /// The Cluster is complete; `payloadSize` is the sum of its children's sizes.
        case clusterEnded(payloadSize: Int)
    }

    private enum Level {
        case top
        case segment(end: Int64?)
        case cluster(segmentEnd: Int64?, end: Int64?)
    }

    let limits: Limits
    private var buffer: [UInt8] = []
    private var position = 0
    /// Offset in the body of `buffer[0]`.
    private var bufferBase: Int64 = 0
    private var level = Level.top
    private var ebmlHeader: [UInt8]?
    private var prelude: [UInt8] = []
    private var interClusterTags: [UInt8] = []
    private var seenCluster = false
    private var clusterPayloadSize = 0
    private var skipRemaining: Int64 = 0

    init(limits: Limits = Limits()) { self.limits = limits }

    /// Offset in the body of the next unread byte.
    var offset: Int64 { bufferBase + Int64(position) }

    /// Whether a Cluster is open (bytes of an unfinished fragment are held).
    var inCluster: Bool {
        if case .cluster = level { return true }
        return false
    }

    mutating func feed(_ bytes: some Collection<UInt8>, _ emit: (Event) -> Void) throws(Failure) {
        if position > 0, position >= buffer.count {
            bufferBase += Int64(position)
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position > 1 << 20 {
            bufferBase += Int64(position)
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: bytes)
        try process(emit)
    }

    /// The body ended: an open unknown-size Cluster is complete; anything else unfinished is an error.
    mutating func finish(_ emit: (Event) -> Void) throws(Failure) {
        try process(emit)
        let leftover = buffer.count - position
        switch level {
        case .cluster(_, let end) where end == nil && leftover == 0 && skipRemaining == 0:
            endCluster(emit)
            level = .top
        case .cluster:
            throw Failure(kind: .invalidData, message: "the body ended inside a Cluster")
        case .top, .segment:
            if leftover > 0 || skipRemaining > 0 {
                throw Failure(kind: .invalidData, message: "the body ended inside an element")
            }
        }
    }

    // MARK: Framing

    private typealias Header = EBMLElementHeader

    private static func isLevel0(_ id: UInt32) -> Bool { id == MatroskaWriter.ebmlID || id == MatroskaWriter.segmentID }

    private static func isLevel1(_ id: UInt32) -> Bool {
        switch id {
        case 0x114D_9B74, 0x1549_A966, 0x1654_AE6B, 0x1254_C367, 0x1F43_B675, 0x1C53_BB6B, 0x1043_A770, 0x1941_A469:
            true
        default: false
        }
    }

    /// Reads the element header at `position`; nil when more bytes are needed.
    private func readHeader() throws(Failure) -> Header? {
        do throws(EBMLElementHeader.Problem) {
            return try EBMLElementHeader.read(buffer, at: position)
        } catch .invalidID {
            throw Failure(kind: .invalidData, message: "invalid element ID at byte \(offset)")
        } catch .invalidSize {
            throw Failure(kind: .invalidData, message: "invalid element size at byte \(offset)")
        } catch {
            throw Failure(kind: .invalidData, message: "element size out of range at byte \(offset)")
        }
    }

    /// The whole element at `position` (header included) if it has arrived; nil when more bytes are needed.
    private mutating func takeElement(_ header: Header) throws(Failure) -> [UInt8]? {
        guard let size = header.size else {
            throw Failure(
                kind: .invalidData, message: "unexpected unknown-size element 0x\(hex(header.id)) at byte \(offset)")
        }
        guard size <= Int64(limits.maxElementSize) else {
            throw Failure(kind: .invalidData, message: "element 0x\(hex(header.id)) of \(size) bytes is too large")
        }
        let total = header.length + Int(size)
        guard buffer.count - position >= total else { return nil }
        let bytes = Array(buffer[position..<(position + total)])
        position += total
        return bytes
    }

    private mutating func process(_ emit: (Event) -> Void) throws(Failure) {
        // Bounded by the input: every pass consumes bytes or returns for more.
        while true {
            if skipRemaining > 0 {
                let n = Int(min(Int64(buffer.count - position), skipRemaining))
                position += n
                skipRemaining -= Int64(n)
                if skipRemaining > 0 { return }
            }
            switch level {
            case .top:
                guard let header = try readHeader() else { return }
                if header.id == MatroskaWriter.ebmlID {
                    guard let bytes = try takeElement(header) else { return }
                    ebmlHeader = bytes
                } else if header.id == MatroskaWriter.segmentID {
                    position += header.length
                    prelude = []
                    interClusterTags = []
                    seenCluster = false
                    level = .segment(end: header.size.map { offset + $0 })
                } else if header.id == 0xEC || header.id == 0xBF {  // Void, CRC-32 between documents
                    guard let size = header.size else {
                        throw Failure(kind: .invalidData, message: "unknown-size Void at byte \(offset)")
                    }
                    position += header.length
                    skipRemaining = size
                } else {
                    throw Failure(
                        kind: .invalidData,
                        message: "expected an EBML header or a Segment at byte \(offset), found 0x\(hex(header.id))")
                }

            case .segment(let end):
                if let end, offset >= end {
                    guard offset == end else {
                        throw Failure(kind: .invalidData, message: "an element overruns its Segment at byte \(end)")
                    }
                    level = .top
                    continue
                }
                guard let header = try readHeader() else { return }
                if Self.isLevel0(header.id) {
                    guard end == nil else {
                        throw Failure(kind: .invalidData, message: "a new document starts inside a sized Segment")
                    }
                    level = .top
                    continue
                }
                if header.id == MatroskaWriter.clusterID {
                    if let size = header.size, size > Int64(limits.maxFragmentSize) {
                        throw Failure(kind: .fragmentTooLarge, message: "a Cluster of \(size) bytes is over the limit")
                    }
                    position += header.length
                    clusterPayloadSize = 0
                    level = .cluster(segmentEnd: end, end: header.size.map { offset + $0 })
                    seenCluster = true
                    let prefix =
                        (ebmlHeader ?? MatroskaWriter.defaultEBMLHeader)
                        + MatroskaWriter.unknownSizeSegmentHeader + prelude + interClusterTags
                    interClusterTags = []
                    emit(.clusterStarted(prefix: prefix))
                    continue
                }
                if header.id == 0x1C53_BB6B || header.id == 0xEC && seenCluster {
                    // Cues (and Voids after the first Cluster) are index data KVS does not keep: skip unbuffered.
                    guard let size = header.size else {
                        throw Failure(kind: .invalidData, message: "unknown-size element 0x\(hex(header.id))")
                    }
                    position += header.length
                    skipRemaining = size
                    continue
                }
                guard let bytes = try takeElement(header) else { return }
                if header.id == MatroskaWriter.tagsID && Self.containsKVSTags(bytes) {
                    // A re-sent GetMedia capture: the old server's tags would shadow ours, so they are dropped.
                    continue
                }
                if !seenCluster {
                    prelude += bytes
                } else if header.id == MatroskaWriter.tagsID {
                    interClusterTags += bytes
                }

            case .cluster(let segmentEnd, let end):
                if let end, offset >= end {
                    guard offset == end else {
                        throw Failure(kind: .invalidData, message: "an element overruns its Cluster at byte \(end)")
                    }
                    endCluster(emit)
                    level = .segment(end: segmentEnd)
                    continue
                }
                guard let header = try readHeader() else { return }
                if end == nil, Self.isLevel0(header.id) || Self.isLevel1(header.id) {
                    endCluster(emit)
                    level = .segment(end: segmentEnd)
                    continue
                }
                if let size = header.size, clusterPayloadSize + header.length + Int(size) > limits.maxFragmentSize {
                    throw Failure(
                        kind: .fragmentTooLarge, message: "the fragment is over \(limits.maxFragmentSize) bytes")
                }
                guard let bytes = try takeElement(header) else { return }
                if let end, offset > end {
                    throw Failure(kind: .invalidData, message: "an element overruns its Cluster at byte \(end)")
                }
                clusterPayloadSize += bytes.count
                emit(.clusterChild(id: header.id, bytes: bytes))
            }
        }
    }

    private func endCluster(_ emit: (Event) -> Void) {
        emit(.clusterEnded(payloadSize: clusterPayloadSize))
    }

    private static func containsKVSTags(_ bytes: [UInt8]) -> Bool {
        let needle = Array("AWS_KINESISVIDEO_".utf8)
        guard bytes.count >= needle.count else { return false }
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    private func hex(_ id: UInt32) -> String { String(id, radix: 16, uppercase: true) }
}
