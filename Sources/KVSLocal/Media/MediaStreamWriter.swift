import Hummingbird
import KVSMatroska
import NIOCore

/// Writes media responses (GetMedia, GetMediaForFragmentList) to a Hummingbird body writer: each stored fragment
/// with KVS's tags spliced in front of (and, for GetMedia, behind) its Cluster, in slices of at most 256 KB so that
/// back-pressure works per slice. With a byte budget (fault injection) the connection is dropped mid-body once the
/// budget is spent; with a rate (GetMedia's 25 MB/s) slices wait for a token bucket holding one second's worth.
struct MediaStreamWriter {
    /// The fault-injected cut: the body ends here without its chunked terminator.
    struct Dropped: Error {}

    static let sliceSize = 256 * 1024
    private(set) var bytesWritten = 0
    let dropAfter: Int?
    let bytesPerSecond: Int?
    private var allowance: Double
    private var refilled = ContinuousClock.now

    init(dropAfter: Int?, bytesPerSecond: Int? = nil) {
        self.dropAfter = dropAfter
        self.bytesPerSecond = bytesPerSecond.flatMap { $0 > 0 ? $0 : nil }
        allowance = Double(self.bytesPerSecond ?? 0)
    }

    /// Waits until `count` bytes may go out under the rate limit.
    private mutating func pace(_ count: Int) async throws {
        guard let bytesPerSecond else { return }
        let rate = Double(bytesPerSecond)
        let now = ContinuousClock.now
        let elapsed = now - refilled
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        allowance = min(rate, allowance + seconds * rate)
        refilled = now
        if allowance < Double(count) {
            let wait = (Double(count) - allowance) / rate
            try await Task.sleep(for: .nanoseconds(Int64(wait * 1e9)))
            allowance = 0
            refilled = .now
        } else {
            allowance -= Double(count)
        }
    }

    mutating func write(_ bytes: ArraySlice<UInt8>, to writer: inout any ResponseBodyWriter) async throws {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = min(bytes.endIndex, start + Self.sliceSize)
            var dropping = false
            if let dropAfter, bytesWritten + (end - start) >= dropAfter {
                end = start + max(0, dropAfter - bytesWritten)
                dropping = true
            }
            if end > start {
                try await pace(end - start)
                try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                bytesWritten += end - start
            }
            if dropping { throw Dropped() }
            start = end
        }
    }

    mutating func write(_ bytes: [UInt8], to writer: inout any ResponseBodyWriter) async throws {
        try await write(bytes[...], to: &writer)
    }

    /// One GetMedia fragment: stored prefix, the number/timestamp Tags, the Cluster, the trailing Tags.
    mutating func writeGetMediaFragment(
        _ file: [UInt8], record: FragmentRecord, nowMillis: Int64, to writer: inout any ResponseBodyWriter
    ) async throws {
        let split = min(max(0, record.clusterOffset), file.count)
        try await write(file[..<split], to: &writer)
        try await write(
            MatroskaWriter.kvsTags([
                (KVSTagName.fragmentNumber, record.number),
                (KVSTagName.serverTimestamp, KVSTime.secondsText(millis: record.serverMillis)),
                (KVSTagName.producerTimestamp, KVSTime.secondsText(millis: record.producerMillis)),
            ]), to: &writer)
        try await write(file[split...], to: &writer)
        try await write(
            MatroskaWriter.kvsTags([
                (KVSTagName.millisBehindNow, String(max(0, nowMillis - record.serverMillis))),
                (KVSTagName.continuationToken, record.number),
            ]), to: &writer)
    }

    /// One GetMediaForFragmentList fragment: stored prefix, the Tags that API documents, the Cluster.
    mutating func writeArchivedFragment(
        _ file: [UInt8], record: FragmentRecord, to writer: inout any ResponseBodyWriter
    )
        async throws
    {
        let split = min(max(0, record.clusterOffset), file.count)
        try await write(file[..<split], to: &writer)
        try await write(
            MatroskaWriter.kvsTags([
                (KVSTagName.fragmentNumber, record.number),
                (KVSTagName.serverSideTimestamp, KVSTime.secondsText(millis: record.serverMillis)),
                (KVSTagName.producerSideTimestamp, KVSTime.secondsText(millis: record.producerMillis)),
            ]), to: &writer)
        try await write(file[split...], to: &writer)
    }

    /// A document holding only error tags (a fragment that vanished between listing and reading).
    static func errorDocument(_ tags: [(name: String, value: String)]) -> [UInt8] {
        MatroskaWriter.defaultEBMLHeader + MatroskaWriter.unknownSizeSegmentHeader + MatroskaWriter.kvsTags(tags)
    }
}
