import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Every stream of every region, by name: creation, lookup (by name or ARN), deletion. Each stream's media lives in
/// its own ``StreamStore`` actor; the registry only maps names to stores, so it is never on a media path.
actor StreamRegistry {
    let root: String
    let accountID: String
    let syncWrites: Bool
    let maxStreams: Int
    private var streams: [StreamKey: StreamStore] = [:]
    /// Names being created (their directory is being written): a second CreateStream for them is refused.
    private var creating: Set<StreamKey> = []

    private init(root: String, accountID: String, syncWrites: Bool, maxStreams: Int) {
        self.root = root
        self.accountID = accountID
        self.syncWrites = syncWrites
        self.maxStreams = maxStreams
    }

    /// Opens (or creates) the data directory and loads every stream in it.
    static func open(root: String, accountID: String, syncWrites: Bool, maxStreams: Int) async throws(KVSLocalError)
        -> StreamRegistry
    {
        let registry = StreamRegistry(root: root, accountID: accountID, syncWrites: syncWrites, maxStreams: maxStreams)
        let streamsRoot = root + "/streams"
        let directories = try await FileIO.run { () throws(KVSLocalError) -> [String] in
            try FileIO.createDirectory(streamsRoot)
            var found: [String] = []
            for region in FileIO.listDirectory(streamsRoot).sorted() {
                let regionPath = streamsRoot + "/" + region
                for entry in FileIO.listDirectory(regionPath).sorted() {
                    if entry.hasPrefix(".deleting-") {
                        // A deletion interrupted by a crash: finish it.
                        try? FileIO.removeItem(regionPath + "/" + entry)
                    } else {
                        found.append(regionPath + "/" + entry)
                    }
                }
            }
            return found
        }
        for directory in directories {
            guard let store = try await StreamStore.load(directory: directory, syncWrites: syncWrites) else { continue }
            await registry.adopt(store)
        }
        return registry
    }

    private func adopt(_ store: StreamStore) {
        streams[store.key] = store
    }

    // MARK: Lookup

    /// The stream a request names, by `StreamName` (in the request's region) or `StreamARN`.
    func store(region: String, name: String?, arn: String?) throws(KVSError) -> StreamStore {
        if let arn {
            guard let key = StreamMetadata.parseARN(arn) else {
                throw KVSError(.invalidArgument, "StreamARN is not a Kinesis Video stream ARN: \(arn)")
            }
            guard let store = streams[key], store.arn == arn else { throw KVSError.streamNotFound(arn) }
            if let name, name != key.name {
                throw KVSError(.invalidArgument, "StreamName and StreamARN name different streams")
            }
            return store
        }
        guard let name else { throw KVSError(.invalidArgument, "Either StreamName or StreamARN is required") }
        guard let store = streams[StreamKey(region: region, name: name)] else { throw KVSError.streamNotFound(name) }
        return store
    }

    /// The stores of one region (every region when nil), sorted by name.
    func stores(region: String?) -> [StreamStore] {
        streams.filter { region == nil || $0.key.region == region }.sorted { $0.key.name < $1.key.name }.map(\.value)
    }

    // MARK: Changes

    func create(_ metadata: StreamMetadata) async throws(KVSError) -> StreamStore {
        let key = StreamKey(region: metadata.region, name: metadata.name)
        guard streams[key] == nil, !creating.contains(key) else {
            throw KVSError(.resourceInUse, "The stream \(metadata.name) already exists.")
        }
        guard streams.keys.filter({ $0.region == key.region }).count + creating.count < maxStreams else {
            throw KVSError(.accountStreamLimitExceeded, "The number of streams created for the account is too high.")
        }
        creating.insert(key)
        defer { creating.remove(key) }
        let directory = "\(root)/streams/\(key.region)/\(key.name)-\(metadata.creationMillis)"
        do {
            let store = try await StreamStore.create(metadata: metadata, directory: directory, syncWrites: syncWrites)
            streams[key] = store
            return store
        } catch {
            throw KVSError(.internalFailure, "the stream could not be created: \(error.message)")
        }
    }

    /// Removes the stream at once (its sessions end) and its files after.
    func delete(_ store: StreamStore) async {
        guard streams[store.key] === store else { return }
        streams[store.key] = nil
        await store.markDeleted()
        let directory = store.directory
        let parent = (directory as NSString).deletingLastPathComponent
        let doomed = parent + "/.deleting-" + (directory as NSString).lastPathComponent
        _ = try? await FileIO.run { () throws(KVSLocalError) in
            // Renamed first so a crash mid-removal leaves no half-stream that would load again.
            if rename(directory, doomed) == 0 {
                try FileIO.removeItem(doomed)
            } else {
                try FileIO.removeItem(directory)
            }
        }
    }

    /// Wakes every live session (shutdown).
    func notifyAll() {
        for store in streams.values { store.signal.notify() }
    }
}
