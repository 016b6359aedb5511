/// Incremental parser for what Kinesis Video Streams sends: GetMedia's and GetMediaForFragmentList's concatenated
/// Matroska documents, and plain Matroska files.
///
/// Fed chunks of any size, it emits the same events: each fragment as soon as it is complete — at its trailing KVS
/// Tags (GetMedia), at the end of its Cluster when no trailing Tags are expected (GetMediaForFragmentList, plain files),
/// or at the end of input — never waiting for the next fragment to begin. It never re-reads consumed bytes: element
/// headers are decoded once, payloads it does not need are skipped without buffering, and a frame payload is a slice of
/// the fed chunk when the chunk holds the whole block (one exact-size copy otherwise). Size claims above
/// `maxElementSize` are refused without allocating. After a framing error it reports the byte offset and resynchronises
/// at the next EBML header (or Segment).
public struct MatroskaStreamParser: Sendable {
    public struct Options: Sendable {
        /// The largest element the parser will buffer (a frame, CodecPrivate, a tag), and the largest unknown element
        /// it will skip inside an unknown-size parent. Absurd size claims are errors, not allocations.
        public var maxElementSize: Int
        public init(maxElementSize: Int = 16 << 20) { self.maxElementSize = maxElementSize }
    }

    public enum Event: Sendable {
        case fragment(MatroskaFragment)
        case error(MatroskaParseError)
    }

    public let options: Options
    /// Bytes consumed so far (offsets in errors and fragments count from the first byte fed).
    public private(set) var offset: Int64 = 0

    public init(options: Options = Options()) { self.options = options }

    // MARK: Framing state

    private struct Open {
        let id: UInt32
        let start: Int64
        /// nil for the unknown-size marker.
        let end: Int64?
    }
    private struct PartialLeaf {
        let id: UInt32
        let parent: UInt32?
        let start: Int64
        var bytes: [UInt8]
        var remaining: Int
    }
    private var stack: [Open] = []
    /// Header bytes that straddle two chunks (at most 12).
    private var carry: [UInt8] = []
    private var carryStart: Int64 = 0
    private var partial: PartialLeaf?
    /// Consumed bytes to run through the parser again before the rest of the chunk (see `readElement`).
    private var replay: [UInt8] = []
    private var skipRemaining: Int64 = 0
    private var skipping: (id: UInt32, start: Int64)?
    private var resyncing = false
    private var resyncFrom: Int64 = 0
    private var rolling: UInt32 = 0

    // MARK: Fragment state

    private struct SegmentContext {
        var tracks: [MatroskaTrack] = []
        var timecodeScale: UInt64 = 1_000_000
        var tags: [MatroskaTag] = []
        var metadata: FragmentMetadata?
        /// GetMedia names its timestamp tags `…_SERVER_TIMESTAMP` and ends each fragment with trailing Tags;
        /// GetMediaForFragmentList uses `…_SERVER_SIDE_TIMESTAMP` and has none.
        var expectsTrailingTags = false
        var emitted = 0
        var start: Int64?
    }
    private struct Pending {
        var start: Int64
        var clusterTimecode: Int64?
        var frames: [MatroskaFrame] = []
        var postTags: [MatroskaTag] = []
        var clusterClosed = false
    }
    private struct BlockGroupState {
        var payload: ArraySlice<UInt8>?
        var start: Int64 = 0
        var hasReference = false
    }
    private var segment = SegmentContext()
    private var pending: Pending?
    private var track = MatroskaTrack()
    private var tagsElement: [MatroskaTag] = []
    private var simpleTags: [(index: Int, name: String, value: String?, binary: [UInt8]?)] = []
    private var targetTrackUID: UInt64?
    private var blockGroup = BlockGroupState()

    // MARK: Feeding

    /// Parses `chunk`, calling `emit` for each completed fragment and each error, in stream order.
    public mutating func feed(_ chunk: ArraySlice<UInt8>, _ emit: (Event) -> Void) {
        chunk.withUnsafeBufferPointer { raw in
            var i = 0
            while i < raw.count {
                if !replay.isEmpty {
                    let bytes = replay
                    replay = []
                    feed(bytes[...], emit)
                } else if resyncing {
                    i = scanForEBMLHeader(raw, from: i, emit)
                } else if skipRemaining > 0 {
                    let n = Int(min(Int64(raw.count - i), skipRemaining))
                    i += n
                    offset += Int64(n)
                    skipRemaining -= Int64(n)
                    if skipRemaining == 0 {
                        skipping = nil
                        closeEnded(emit)
                    }
                } else if partial != nil {
                    i = continuePartial(raw, from: i, emit)
                } else {
                    i = readElement(chunk, raw, from: i, emit)
                }
            }
        }
        if !replay.isEmpty {
            let bytes = replay
            replay = []
            feed(bytes[...], emit)
        }
    }

    public mutating func feed(_ chunk: [UInt8], _ emit: (Event) -> Void) { feed(chunk[...], emit) }

    /// Convenience: parse a chunk and collect its events.
    public mutating func feed(_ chunk: [UInt8]) -> [Event] {
        var events: [Event] = []
        feed(chunk[...]) { events.append($0) }
        return events
    }

    /// Signals the end of input: emits what is complete (an unknown-size Cluster ends here), reports truncation of
    /// anything that is not, and resets the parser for a new input.
    public mutating func finish(_ emit: (Event) -> Void) {
        if resyncing {
            emit(
                .error(
                    .init(
                        code: .garbageSkipped, offset: resyncFrom,
                        message: "\(offset - resyncFrom) bytes skipped without finding an EBML header before the end")))
        } else if let partial {
            truncated(at: partial.start, id: partial.id, "input ended inside an element", emit)
        } else if let skipping {
            truncated(at: skipping.start, id: skipping.id, "input ended inside an element", emit)
        } else if !carry.isEmpty {
            truncated(at: carryStart, id: nil, "input ended inside an element header", emit)
        } else {
            let documentOpen = segment.start != nil || stack.contains { $0.id == ElementID.segment }
            if documentOpen, pending == nil, segment.emitted == 0, segment.metadata == nil, segment.tags.isEmpty {
                truncated(at: offset, id: nil, "input ended before the document's first Cluster or tags", emit)
            }
            if let p = pending, segment.expectsTrailingTags, !p.clusterClosed {
                // A GetMedia fragment cut inside its Cluster: its frames may be incomplete, so it is not handed over
                // as if whole (the host re-reads it from its checkpoint).
                truncated(at: offset, id: ElementID.cluster, "input ended inside a GetMedia fragment's Cluster", emit)
                pending = nil
                segment.emitted += 1
            }
            while let top = stack.last {
                if let end = top.end, end > offset {
                    truncated(
                        at: top.start, id: top.id, "input ended \(end - offset) bytes before the element's end",
                        emit)
                    break
                }
                stack.removeLast()
                close(top, emit)
            }
        }
        resetAll()
        offset = 0
    }

    public mutating func finish() -> [Event] {
        var events: [Event] = []
        finish { events.append($0) }
        return events
    }

    // MARK: Framing

    private mutating func readElement(
        _ chunk: ArraySlice<UInt8>, _ raw: UnsafeBufferPointer<UInt8>, from i: Int, _ emit: (Event) -> Void
    ) -> Int {
        let header: EBML.Header
        let start: Int64
        var next = i
        if carry.isEmpty {
            header = EBML.readHeader(raw, at: i)
            start = offset
            if case .element(_, _, let length) = header {
                next = i + length
                offset += Int64(length)
            } else if case .needMore = header {
                carry = Array(raw[i...])
                carryStart = offset
                offset += Int64(raw.count - i)
                return raw.count
            } else {
                // A bad header: the resync scan starts at its second byte (starting at the first could find the same
                // bad Segment ID again, forever).
                next = i + 1
                offset += 1
            }
        } else {
            let take = min(12 - carry.count, raw.count - i)
            let joined = carry + raw[i..<(i + take)]
            header = joined.withUnsafeBufferPointer { EBML.readHeader($0, at: 0) }
            start = carryStart
            if case .element(_, _, let length) = header {
                let used = length - carry.count
                next = i + used
                offset += Int64(used)
                carry = []
            } else if case .needMore = header {
                carry = joined
                offset += Int64(take)
                return i + take
            } else {
                // A bad header that began in an earlier chunk: hand its bytes back so the resync scan starts at the
                // element's second byte, exactly as when the header arrives in one piece.
                replay = Array(carry.dropFirst())
                offset = carryStart + 1
                carry = []
            }
        }
        switch header {
        case .needMore:
            return next
        case .invalidID:
            return startResync(
                .invalidElementID, at: start, id: nil, "bytes that cannot begin an element ID",
                raw, resumeAt: next, emit)
        case .invalidSize:
            return startResync(
                .invalidSize, at: start, id: nil, "element size has no length marker",
                raw, resumeAt: next, emit)
        case .element(let id, let size, _):
            return beginElement(id: id, size: size, start: start, chunk, raw, at: next, emit)
        }
    }

    private mutating func beginElement(
        id: UInt32, size: UInt64?, start: Int64, _ chunk: ArraySlice<UInt8>, _ raw: UnsafeBufferPointer<UInt8>,
        at i: Int, _ emit: (Event) -> Void
    ) -> Int {
        // An element of level L closes every open unknown-size master of level ≥ L.
        if let level = ElementID.level(id) {
            while let top = stack.last, top.end == nil, level <= (ElementID.level(top.id) ?? 2) {
                stack.removeLast()
                close(top, emit)
            }
        }
        if ElementID.level(id) == 0, let open = stack.last {
            // A new document inside a known-size master: that master's size was wrong. Drop what it held and start
            // over at this element, which is a sync point.
            var text = "a new EBML document or Segment began inside the known-size element at byte \(open.start)"
            if let pending { text += "; the fragment that began at byte \(pending.start) is dropped" }
            emit(.error(.init(code: .unexpectedElement, offset: start, elementID: open.id, message: text)))
            resetAll()
        }
        let parent = stack.last
        if parent == nil, id != ElementID.ebml, id != ElementID.segment {
            return startResync(
                .unexpectedElement, at: start, id: id, "only EBML and Segment may appear at the top level",
                raw, resumeAt: i, emit)
        }
        if ElementID.level(id) == 1, parent?.id != ElementID.segment {
            let container = parent.map { " inside the element at byte \($0.start)" } ?? ""
            return startResync(
                .unexpectedElement, at: start, id: id, "a Segment child" + container + ", not in a Segment",
                raw, resumeAt: i, emit)
        }
        if let size, size > UInt64(Int64.max / 2) {
            return startResync(
                .elementTooLarge, at: start, id: id, "size \(size) is beyond any stream", raw,
                resumeAt: i, emit)
        }
        if let end = parent?.end, let size, offset + Int64(size) > end {
            return startResync(
                .elementOverrunsParent, at: start, id: id,
                "\(size) bytes run \(offset + Int64(size) - end) past the parent's end", raw, resumeAt: i, emit)
        }
        if ElementID.isMaster(id) {
            let open = Open(id: id, start: start, end: size.map { offset + Int64($0) })
            stack.append(open)
            opened(open, emit)
            closeEnded(emit)
            return i
        }
        guard let size else {
            return startResync(
                .unknownSizeLeaf, at: start, id: id, "a data element with an unknown size", raw,
                resumeAt: i, emit)
        }
        let decoded = ElementID.isDecodedLeaf(id, parent: parent?.id)
        if size > UInt64(options.maxElementSize), decoded || parent?.end == nil {
            return startResync(
                .elementTooLarge, at: start, id: id,
                "claims \(size) bytes, above the \(options.maxElementSize)-byte cap", raw, resumeAt: i, emit)
        }
        guard decoded else {
            skipRemaining = Int64(size)
            if size == 0 { closeEnded(emit) } else { skipping = (id, start) }
            return i
        }
        let length = Int(size)
        if raw.count - i >= length {
            let base = chunk.startIndex + i
            offset += Int64(length)
            leaf(id, parent: parent?.id, chunk[base..<(base + length)], start: start, emit)
            closeEnded(emit)
            return i + length
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        partial = PartialLeaf(id: id, parent: parent?.id, start: start, bytes: bytes, remaining: length)
        return continuePartial(raw, from: i, emit)
    }

    private mutating func continuePartial(_ raw: UnsafeBufferPointer<UInt8>, from i: Int, _ emit: (Event) -> Void)
        -> Int
    {
        guard var p = partial else { return i }
        partial = nil  // keep the buffer uniquely referenced while appending
        let n = min(p.remaining, raw.count - i)
        p.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: raw[i..<(i + n)]))
        p.remaining -= n
        offset += Int64(n)
        if p.remaining == 0 {
            leaf(p.id, parent: p.parent, p.bytes[...], start: p.start, emit)
            closeEnded(emit)
        } else {
            partial = p
        }
        return i + n
    }

    /// Pops every known-size master that ends at the current offset.
    private mutating func closeEnded(_ emit: (Event) -> Void) {
        while let top = stack.last, let end = top.end, offset >= end {
            stack.removeLast()
            close(top, emit)
        }
    }

    private mutating func startResync(
        _ code: MatroskaParseError.Code, at start: Int64, id: UInt32?, _ message: String,
        _ raw: UnsafeBufferPointer<UInt8>, resumeAt i: Int, _ emit: (Event) -> Void
    ) -> Int {
        var text = message
        if let pending {
            text += "; the fragment that began at byte \(pending.start) is dropped"
        }
        emit(.error(.init(code: code, offset: start, elementID: id, message: text)))
        resetAll()
        resyncing = true
        resyncFrom = offset
        rolling = 0
        return i
    }

    /// Looks for the 4-byte ID of an EBML header or a Segment (KVS producers may send Segments without EBML headers),
    /// which may straddle chunks.
    private mutating func scanForEBMLHeader(_ raw: UnsafeBufferPointer<UInt8>, from i: Int, _ emit: (Event) -> Void)
        -> Int
    {
        var j = i
        var r = rolling
        while j < raw.count {
            r = r << 8 | UInt32(raw[j])
            j += 1
            if r == ElementID.ebml || r == ElementID.segment {
                offset += Int64(j - i)
                let headerStart = offset - 4
                resyncing = false
                if headerStart > resyncFrom {
                    emit(
                        .error(
                            .init(
                                code: .garbageSkipped, offset: resyncFrom,
                                message:
                                    "\(headerStart - resyncFrom) bytes skipped; resynchronised at byte \(headerStart)"))
                    )
                }
                carry = [UInt8(r >> 24), UInt8((r >> 16) & 0xFF), UInt8((r >> 8) & 0xFF), UInt8(r & 0xFF)]
                carryStart = headerStart
                rolling = 0
                return j
            }
        }
        rolling = r
        offset += Int64(j - i)
        return j
    }

    private func truncated(at start: Int64, id: UInt32?, _ message: String, _ emit: (Event) -> Void) {
        var text = message
        if let pending { text += "; the fragment that began at byte \(pending.start) is incomplete and dropped" }
        emit(.error(.init(code: .truncated, offset: start, elementID: id, message: text)))
    }

    private mutating func resetAll() {
        stack.removeAll(keepingCapacity: true)
        carry = []
        partial = nil
        skipRemaining = 0
        skipping = nil
        resyncing = false
        segment = SegmentContext()
        pending = nil
        tagsElement = []
        simpleTags = []
        targetTrackUID = nil
        blockGroup = BlockGroupState()
    }

    // MARK: Semantics

    private mutating func opened(_ open: Open, _ emit: (Event) -> Void) {
        switch open.id {
        case ElementID.ebml:
            finishSegment(emit)
            segment.start = open.start
        case ElementID.segment:
            let start = segment.start
            finishSegment(emit)
            segment.start = start ?? open.start
        case ElementID.tracks: segment.tracks = []
        case ElementID.trackEntry: track = MatroskaTrack()
        case ElementID.tags: tagsElement = []
        case ElementID.tag: targetTrackUID = nil
        case ElementID.simpleTag: simpleTags.append((tagsElement.count, "", nil, nil))
        case ElementID.cluster:
            if pending != nil { emitPending(emit) }
            pending = Pending(start: segment.start ?? open.start)
            segment.start = nil
        case ElementID.blockGroup: blockGroup = BlockGroupState(start: open.start)
        default: break
        }
    }

    private mutating func close(_ open: Open, _ emit: (Event) -> Void) {
        switch open.id {
        case ElementID.segment: finishSegment(emit)
        case ElementID.trackEntry: segment.tracks.append(track)
        case ElementID.simpleTag:
            if let t = simpleTags.popLast() {
                let tag = MatroskaTag(name: t.name, value: t.value, binary: t.binary, trackUID: targetTrackUID)
                tagsElement.insert(tag, at: min(t.index, tagsElement.count))
            }
        case ElementID.tags:
            tagsClosed(tagsElement, at: open.start, emit)
            tagsElement = []
        case ElementID.cluster:
            guard pending != nil else { break }
            pending?.clusterClosed = true
            if !segment.expectsTrailingTags { emitPending(emit) }
        case ElementID.blockGroup:
            if let payload = blockGroup.payload {
                appendFrames(payload, simple: false, keyFrame: !blockGroup.hasReference, at: blockGroup.start, emit)
            }
            blockGroup = BlockGroupState()
        default: break
        }
    }

    private mutating func leaf(
        _ id: UInt32, parent: UInt32?, _ data: ArraySlice<UInt8>, start: Int64, _ emit: (Event) -> Void
    ) {
        switch id {
        case ElementID.simpleBlock: appendFrames(data, simple: true, keyFrame: nil, at: start, emit)
        case ElementID.block: blockGroup.payload = data
        case ElementID.referenceBlock: blockGroup.hasReference = true
        case ElementID.timecode: pending?.clusterTimecode = Int64(bitPattern: EBML.readUInt(data))
        case ElementID.timecodeScale:
            let scale = EBML.readUInt(data)
            segment.timecodeScale = scale == 0 ? 1_000_000 : scale
        case ElementID.trackNumber: track.number = EBML.readUInt(data)
        case ElementID.trackUID: track.uid = EBML.readUInt(data)
        case ElementID.trackType: track.type = MatroskaTrack.Kind(EBML.readUInt(data))
        case ElementID.codecID: track.codecID = EBML.readString(data)
        case ElementID.codecPrivate: track.codecPrivate = Array(data)
        case ElementID.trackName: track.name = EBML.readString(data)
        case ElementID.defaultDuration: track.defaultDurationNanos = EBML.readUInt(data)
        case ElementID.pixelWidth: track.pixelWidth = EBML.readUInt(data)
        case ElementID.pixelHeight: track.pixelHeight = EBML.readUInt(data)
        case ElementID.matrixCoefficients: track.matrixCoefficients = EBML.readUInt(data)
        case ElementID.range: track.colourRange = EBML.readUInt(data)
        case ElementID.transferCharacteristics: track.transferCharacteristics = EBML.readUInt(data)
        case ElementID.primaries: track.primaries = EBML.readUInt(data)
        case ElementID.samplingFrequency: track.samplingFrequency = EBML.readFloat(data)
        case ElementID.channels: track.channels = EBML.readUInt(data)
        case ElementID.bitDepth: track.bitDepth = EBML.readUInt(data)
        case ElementID.tagTrackUID: targetTrackUID = EBML.readUInt(data)
        case ElementID.tagName:
            if !simpleTags.isEmpty { simpleTags[simpleTags.count - 1].name = EBML.readString(data) }
        case ElementID.tagString:
            if !simpleTags.isEmpty { simpleTags[simpleTags.count - 1].value = EBML.readString(data) }
        case ElementID.tagBinary:
            if !simpleTags.isEmpty { simpleTags[simpleTags.count - 1].binary = Array(data) }
        default: break
        }
    }

    private mutating func appendFrames(
        _ payload: ArraySlice<UInt8>, simple: Bool, keyFrame: Bool?, at start: Int64, _ emit: (Event) -> Void
    ) {
        guard pending != nil else { return }
        do {
            let frames = try MatroskaBlock.frames(from: payload, simple: simple, keyFrameOverride: keyFrame)
            pending?.frames.append(contentsOf: frames)
        } catch {
            let id = simple ? ElementID.simpleBlock : ElementID.block
            emit(
                .error(
                    .init(
                        code: .malformedBlock, offset: start, elementID: id,
                        message: error.reason + "; the block is dropped")))
        }
    }

    private mutating func tagsClosed(_ tags: [MatroskaTag], at start: Int64, _ emit: (Event) -> Void) {
        // A Tags element holds a handful of SimpleTags: a linear lookup beats hashing every name.
        let values = TagValues(tags: tags)
        let trailer =
            values[KVSTagName.millisBehindNow] != nil || values[KVSTagName.continuationToken] != nil
        if pending != nil {
            // Tags after the fragment's Cluster belong to it; KVS's trailing tags complete it.
            pending?.postTags.append(contentsOf: tags)
            if trailer {
                applyTrailer(values, at: start, emit)
                emitPending(emit)
            } else if values[KVSTagName.errorCode] != nil || values[KVSTagName.exceptionErrorCode] != nil {
                segment.metadata = metadata(from: values, at: start, emit)
                emitPending(emit)
            }
            return
        }
        segment.tags.append(contentsOf: tags)
        if values[KVSTagName.fragmentNumber] != nil {
            segment.metadata = metadata(from: values, at: start, emit)
            segment.expectsTrailingTags =
                values[KVSTagName.serverTimestamp] != nil || values[KVSTagName.errorCode] != nil
                || values[KVSTagName.serverSideTimestamp] == nil && values[KVSTagName.exceptionErrorCode] == nil
            if segment.metadata?.success == false {
                // An error fragment carries no Cluster: hand it over now.
                emitFragment(start: segment.start ?? start, clusterTimecode: nil, frames: [], postTags: [], emit)
            }
        } else if trailer, segment.metadata != nil {
            applyTrailer(values, at: start, emit)
        } else if segment.metadata == nil,
            let code = values[KVSTagName.errorCode] ?? values[KVSTagName.exceptionErrorCode]
        {
            // An error document without a fragment number ("Requested fragment is not found", with the continuation
            // token to resume from): hand it over as an error fragment, so a reader reconnects instead of moving past
            // a fragment it never got.
            let idText = values[KVSTagName.errorId] ?? values[KVSTagName.exceptionErrorCode]
            segment.metadata = FragmentMetadata(
                fragmentNumber: values[KVSTagName.continuationToken] ?? "", serverTimestampMillis: -1,
                producerTimestampMillis: -1, success: false,
                errorId: idText.flatMap { Int64($0.trimmingSpaces()) } ?? 0, errorCode: code,
                errorMessage: values[KVSTagName.exceptionMessage],
                continuationToken: values[KVSTagName.continuationToken])
            emitFragment(start: segment.start ?? start, clusterTimecode: nil, frames: [], postTags: [], emit)
        }
    }

    private mutating func applyTrailer(_ values: TagValues, at start: Int64, _ emit: (Event) -> Void) {
        if let text = values[KVSTagName.millisBehindNow] {
            if let millis = Int64(text.trimmingSpaces()) {
                segment.metadata?.millisBehindNow = millis
            } else {
                emit(
                    .error(
                        .init(
                            code: .invalidTagValue, offset: start, elementID: ElementID.tags,
                            message: "\(KVSTagName.millisBehindNow) is not an integer: \"\(text)\"")))
            }
        }
        if let token = values[KVSTagName.continuationToken] { segment.metadata?.continuationToken = token }
    }

    /// The Java library's rules: a server timestamp makes a successful fragment, a fragment number alone an error one.
    private func metadata(from values: TagValues, at start: Int64, _ emit: (Event) -> Void)
        -> FragmentMetadata?
    {
        guard let number = values[KVSTagName.fragmentNumber] else { return nil }
        func millis(_ name: String) -> Int64 {
            guard let text = values[name] else { return -1 }
            if let value = FragmentMetadata.millis(fromSeconds: text) { return value }
            emit(
                .error(
                    .init(
                        code: .invalidTagValue, offset: start, elementID: ElementID.tags,
                        message: "\(name) is not a number of seconds: \"\(text)\"")))
            return -1
        }
        if values[KVSTagName.serverTimestamp] != nil {
            return FragmentMetadata(
                fragmentNumber: number, serverTimestampMillis: millis(KVSTagName.serverTimestamp),
                producerTimestampMillis: millis(KVSTagName.producerTimestamp))
        }
        if values[KVSTagName.serverSideTimestamp] != nil {
            return FragmentMetadata(
                fragmentNumber: number, serverTimestampMillis: millis(KVSTagName.serverSideTimestamp),
                producerTimestampMillis: millis(KVSTagName.producerSideTimestamp))
        }
        let idText = values[KVSTagName.errorId] ?? values[KVSTagName.exceptionErrorCode]
        return FragmentMetadata(
            fragmentNumber: number, serverTimestampMillis: -1, producerTimestampMillis: -1, success: false,
            errorId: idText.flatMap { Int64($0.trimmingSpaces()) } ?? 0,
            errorCode: values[KVSTagName.errorCode] ?? values[KVSTagName.exceptionErrorCode],
            errorMessage: values[KVSTagName.exceptionMessage])
    }

    private mutating func emitPending(_ emit: (Event) -> Void) {
        guard let p = pending else { return }
        pending = nil
        emitFragment(start: p.start, clusterTimecode: p.clusterTimecode, frames: p.frames, postTags: p.postTags, emit)
    }

    private mutating func emitFragment(
        start: Int64, clusterTimecode: Int64?, frames: [MatroskaFrame], postTags: [MatroskaTag],
        _ emit: (Event) -> Void
    ) {
        segment.emitted += 1
        emit(
            .fragment(
                MatroskaFragment(
                    metadata: segment.metadata, tracks: segment.tracks, timecodeScale: segment.timecodeScale,
                    tags: segment.tags + postTags, clusterTimecode: clusterTimecode, frames: frames, startOffset: start,
                    endOffset: offset)))
    }

    /// Ends the current Segment: its last fragment if one is open, or a frameless fragment for a Segment that carried
    /// only tags (so tags and error metadata are never silently dropped).
    private mutating func finishSegment(_ emit: (Event) -> Void) {
        if pending != nil {
            emitPending(emit)
        } else if segment.emitted == 0, segment.metadata != nil || !segment.tags.isEmpty {
            emitFragment(start: segment.start ?? offset, clusterTimecode: nil, frames: [], postTags: [], emit)
        }
        segment = SegmentContext()
    }
}

/// Name → last value among a Tags element's SimpleTags.
struct TagValues {
    let tags: [MatroskaTag]
    subscript(_ name: String) -> String? {
        for tag in tags.reversed() where tag.value != nil && tag.name == name { return tag.value }
        return nil
    }
}
