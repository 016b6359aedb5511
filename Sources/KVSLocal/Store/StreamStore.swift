import Foundation

/// One stream: its metadata and its fragments, in memory and on disk. An actor, so producers, consumers and the
/// retention sweep of one stream serialise here while different streams proceed in parallel.
///
/// On disk (`<data>/streams/<region>/<name>-<creation>/`): `stream.json` (the metadata, replaced atomically),
/// `fragments/<number>.mkv` (each fragment a complete Matroska document: EBML header, unknown-size Segment, the
/// producer's leading elements, the Cluster with a known size) and `index.log` (one JSON line per fragment, appended
/// and `fsync`ed after its file, before the fragment is acknowledged `PERSISTED`). At load, index lines without a
/// file and files without an index line (a crash between the two writes: never acknowledged) are dropped.
actor StreamStore {
    nonisolated let key: StreamKey
    /// Fixed at creation (the creation time is part of it).
    nonisolated let arn: String
    nonisolated let directory: String
    /// Notified on every new fragment, on deletion and on shutdown: what live GetMedia sessions wait on.
    nonisolated let signal = AsyncSignal()
    nonisolated let gate = StreamGate()
    private let syncWrites: Bool

    private(set) var metadata: StreamMetadata
    /// Sorted by fragment number (ingestion order).
    private var fragments: [FragmentRecord]
    private var lastCounter: UInt64
    private(set) var isDeleted = false
    /// File and index changes of this stream run one at a time (an append must not race an index rewrite).
    private var ioBusy = false
    private var ioWaiters: [CheckedContinuation<Void, Never>] = []

    private init(
        key: StreamKey, directory: String, metadata: StreamMetadata, fragments: [FragmentRecord], syncWrites: Bool
    ) {
        self.key = key
        arn = metadata.arn
        self.directory = directory
        self.metadata = metadata
        self.fragments = fragments
        self.syncWrites = syncWrites
        lastCounter = fragments.compactMap { FragmentNumber.counter(of: $0.number) }.max() ?? 0
    }

    nonisolated var fragmentsDirectory: String { directory + "/fragments" }
    nonisolated var indexPath: String { directory + "/index.log" }
    nonisolated func fragmentPath(_ record: FragmentRecord) -> String { fragmentsDirectory + "/" + record.fileName }

    // MARK: Creating and loading

    static func create(metadata: StreamMetadata, directory: String, syncWrites: Bool) async throws(KVSLocalError)
        -> StreamStore
    {
        let json = JSONOutput.encode(metadata)
        try await FileIO.run { () throws(KVSLocalError) in
            try FileIO.createDirectory(directory + "/fragments")
            try FileIO.writeAtomically(directory + "/stream.json", [json], sync: syncWrites)
        }
        return StreamStore(
            key: StreamKey(region: metadata.region, name: metadata.name), directory: directory, metadata: metadata,
            fragments: [], syncWrites: syncWrites)
    }

    /// Reads a stream directory back; nil if it holds no readable `stream.json` (a stream whose creation or deletion
    /// was interrupted).
    static func load(directory: String, syncWrites: Bool) async throws(KVSLocalError) -> StreamStore? {
        let loaded = try await FileIO.run { () throws(KVSLocalError) -> (StreamMetadata, [FragmentRecord])? in
            guard FileIO.exists(directory + "/stream.json") else { return nil }
            let json = try FileIO.readFile(directory + "/stream.json")
            guard let metadata = try? JSONDecoder().decode(StreamMetadata.self, from: Data(json)) else { return nil }
            let fragmentsDirectory = directory + "/fragments"
            try FileIO.createDirectory(fragmentsDirectory)
            let files = Set(FileIO.listDirectory(fragmentsDirectory))
            var records: [FragmentRecord] = []
            if FileIO.exists(directory + "/index.log") {
                let index = try FileIO.readFile(directory + "/index.log")
                let decoder = JSONDecoder()
                for line in index.split(separator: UInt8(ascii: "\n")) {
                    // A torn last line (a crash mid-append) does not decode and is dropped with its fragment.
                    guard let record = try? decoder.decode(FragmentRecord.self, from: Data(line)),
                        files.contains(record.fileName)
                    else { continue }
                    records.append(record)
                }
            }
            records.sort { FragmentNumber.compare($0.number, $1.number) < 0 }
            var deduplicated: [FragmentRecord] = []
            for record in records where deduplicated.last?.number != record.number { deduplicated.append(record) }
            let indexed = Set(deduplicated.map(\.fileName))
            for file in files where !indexed.contains(file) {
                try FileIO.removeItem(fragmentsDirectory + "/" + file)
            }
            return (metadata, deduplicated)
        }
        guard let (metadata, records) = loaded else { return nil }
        return StreamStore(
            key: StreamKey(region: metadata.region, name: metadata.name), directory: directory, metadata: metadata,
            fragments: records, syncWrites: syncWrites)
    }

    // MARK: Metadata

    /// Applies `change` and persists the result; the stream's version changes with it.
    func updateMetadata(_ change: (inout StreamMetadata) throws(KVSError) -> Void) async throws(KVSError)
        -> StreamMetadata
    {
        guard !isDeleted else { throw KVSError.streamNotFound(key.name) }
        var updated = metadata
        try change(&updated)
        updated.version = StreamMetadata.newVersion()
        let json = JSONOutput.encode(updated)
        let path = directory + "/stream.json"
        let sync = syncWrites
        await lockIO()
        defer { unlockIO() }
        do {
            try await FileIO.run { () throws(KVSLocalError) in try FileIO.writeAtomically(path, [json], sync: sync) }
        } catch {
            throw KVSError(.internalFailure, "the stream's metadata could not be saved: \(error.message)")
        }
        metadata = updated
        return updated
    }

    func markDeleted() {
        isDeleted = true
        signal.notify()
    }

    // MARK: Ingest

    /// The number for a fragment that starts arriving now.
    func reserveFragmentNumber(serverMillis: Int64) -> String {
        lastCounter = FragmentNumber.nextCounter(after: lastCounter, serverMillis: serverMillis)
        return FragmentNumber.make(counter: lastCounter)
    }

    /// Writes a fragment (its file, then its index line, both synced) and makes it visible to readers. Throws if the
    /// stream was deleted or the disk refused.
    func persist(_ record: FragmentRecord, chunks: [[UInt8]]) async throws(KVSLocalError) {
        guard !isDeleted else { throw KVSLocalError(.notRunning, "the stream was deleted") }
        let path = fragmentPath(record)
        let index = indexPath
        let line = JSONOutput.encode(record) + [UInt8(ascii: "\n")]
        let sync = syncWrites
        await lockIO()
        defer { unlockIO() }
        try await FileIO.run { () throws(KVSLocalError) in
            try FileIO.writeAtomically(path, chunks, sync: sync)
            try FileIO.append(index, line, sync: sync)
        }
        guard !isDeleted else { throw KVSLocalError(.notRunning, "the stream was deleted") }
        let position = insertionIndex(for: record.number)
        if position < fragments.count, fragments[position].number == record.number {
            fragments[position] = record
        } else {
            fragments.insert(record, at: position)
        }
        signal.notify()
    }

    // MARK: Queries

    var count: Int { fragments.count }
    var last: FragmentRecord? { fragments.last }
    var first: FragmentRecord? { fragments.first }

    /// Up to `limit` fragments with numbers above `number` (all from the first when nil), in order.
    func fragments(after number: String?, limit: Int) -> [FragmentRecord] {
        let start = number.map { upperBound(of: $0) } ?? 0
        return Array(fragments[start..<min(fragments.count, start + max(0, limit))])
    }

    func fragment(_ number: String) -> FragmentRecord? {
        let i = insertionIndex(for: number)
        return i < fragments.count && FragmentNumber.compare(fragments[i].number, number) == 0 ? fragments[i] : nil
    }

    /// The fragment to start a timestamp-selected GetMedia at: the one whose span holds `millis`, else the first
    /// that starts after it. Returns the number of the fragment *before* it (the GetMedia cursor), or `.end` when
    /// every stored fragment is older.
    func cursor(forTimestamp millis: Int64, producer: Bool) -> TimestampCursor {
        for (i, record) in fragments.enumerated() {
            let start = producer ? record.producerMillis : record.serverMillis
            if start >= millis || start + max(record.durationMillis, 1) > millis {
                return i == 0 ? .beforeFirst : .after(fragments[i - 1].number)
            }
        }
        return fragments.last.map { .after($0.number) } ?? .beforeFirst
    }

    enum TimestampCursor: Sendable {
        case beforeFirst
        case after(String)
    }

    /// Up to `limit` fragments whose producer or server timestamp lies in `[start, end]`, numbered above `after`,
    /// and whether more follow (the next page starts after the last one returned).
    func list(selector: (producer: Bool, start: Int64, end: Int64)?, after: String?, limit: Int)
        -> (records: [FragmentRecord], more: Bool)
    {
        func matches(_ record: FragmentRecord) -> Bool {
            guard let selector else { return true }
            let t = selector.producer ? record.producerMillis : record.serverMillis
            return t >= selector.start && t <= selector.end
        }
        var out: [FragmentRecord] = []
        var i = after.map { upperBound(of: $0) } ?? 0
        while i < fragments.count, out.count < limit {
            if matches(fragments[i]) { out.append(fragments[i]) }
            i += 1
        }
        let more = out.count == limit && fragments[i...].contains(where: matches)
        return (out, more)
    }

    // MARK: Retention

    /// Deletes fragments whose server timestamp is before `cutoffMillis`; returns how many.
    @discardableResult
    func purge(before cutoffMillis: Int64) async -> Int {
        let expired = fragments.prefix { $0.serverMillis < cutoffMillis }
        guard !expired.isEmpty, !isDeleted else { return 0 }
        await lockIO()
        defer { unlockIO() }
        let doomed = fragments.prefix { $0.serverMillis < cutoffMillis }
        let paths = doomed.map { fragmentPath($0) }
        fragments.removeFirst(doomed.count)
        var lines: [UInt8] = []
        for record in fragments { lines += JSONOutput.encode(record) + [UInt8(ascii: "\n")] }
        let index = indexPath
        let sync = syncWrites
        let snapshot = lines
        // The index is rewritten first: a crash afterwards leaves only unindexed files, which loading removes.
        _ = try? await FileIO.run { () throws(KVSLocalError) in
            try FileIO.writeAtomically(index, [snapshot], sync: sync)
            for path in paths { try? FileIO.removeItem(path) }
        }
        return doomed.count
    }

    // MARK: Helpers

    /// First index whose number is ≥ `number`.
    private func insertionIndex(for number: String) -> Int {
        var low = 0
        var high = fragments.count
        while low < high {
            let mid = (low + high) / 2
            if FragmentNumber.compare(fragments[mid].number, number) < 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// First index whose number is > `number`.
    private func upperBound(of number: String) -> Int {
        var low = 0
        var high = fragments.count
        while low < high {
            let mid = (low + high) / 2
            if FragmentNumber.compare(fragments[mid].number, number) <= 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func lockIO() async {
        guard ioBusy else {
            ioBusy = true
            return
        }
        await withCheckedContinuation { ioWaiters.append($0) }
    }

    private func unlockIO() {
        if ioWaiters.isEmpty {
            ioBusy = false
        } else {
            ioWaiters.removeFirst().resume()
        }
    }
}
