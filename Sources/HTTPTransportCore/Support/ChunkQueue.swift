/// FIFO of byte chunks with a running byte count; amortised O(1) push and pop without a Deque dependency.
struct ChunkQueue: Sendable {
    private var chunks: [[UInt8]] = []
    private var head = 0
    /// Bytes held, counting only the unread part of the first chunk.
    private(set) var byteCount = 0
    /// Read offset inside `chunks[head]`, used by the upload side which hands curl partial chunks.
    private var offset = 0

    var isEmpty: Bool { head == chunks.count }

    mutating func append(_ chunk: [UInt8]) {
        guard !chunk.isEmpty else { return }
        chunks.append(chunk)
        byteCount += chunk.count
    }

    /// Removes and returns the next whole chunk (the unread rest of it, if partially copied out).
    mutating func popFirst() -> [UInt8]? {
        guard head < chunks.count else { return nil }
        var chunk = chunks[head]
        chunks[head] = []
        if offset > 0 {
            chunk.removeFirst(offset)
            offset = 0
        }
        head += 1
        byteCount -= chunk.count
        compactIfNeeded()
        return chunk
    }

    /// Copies up to `destination.count` bytes out, consuming them. Returns the number of bytes copied.
    mutating func copyOut(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var copied = 0
        while copied < destination.count, head < chunks.count {
            let n = chunks[head].withUnsafeBytes { source -> Int in
                let n = min(source.count - offset, destination.count - copied)
                guard let base = destination.baseAddress, let sourceBase = source.baseAddress else {
                    return 0
                }
                (base + copied).copyMemory(from: sourceBase + offset, byteCount: n)
                return n
            }
            copied += n
            offset += n
            byteCount -= n
            if offset == chunks[head].count {
                chunks[head] = []
                head += 1
                offset = 0
            }
        }
        compactIfNeeded()
        return copied
    }

    mutating func removeAll() {
        chunks = []
        head = 0
        offset = 0
        byteCount = 0
    }

    private mutating func compactIfNeeded() {
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64, head * 2 > chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }
}
