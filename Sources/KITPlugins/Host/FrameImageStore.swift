import Synchronization

/// The encoded frames behind the records currently being dispatched, by the record's Lambda `eventID`, so a plugin
/// can ask for a record's image (`frame_image`) without the host copying every frame into every batch. Entries
/// live from ``PluginDispatcher/enqueue(stream:records:)`` until every plugin has taken or dead-lettered the
/// record.
final class FrameImageStore: Sendable {
    struct Image: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    private let images = Mutex<[String: Image]>([:])

    func put(_ image: Image, for recordID: String) {
        images.withLock { $0[recordID] = image }
    }

    func remove(_ recordIDs: [String]) {
        images.withLock { images in
            for id in recordIDs { images[id] = nil }
        }
    }

    func image(for recordID: String) -> Image? {
        images.withLock { $0[recordID] }
    }

    var count: Int { images.withLock { $0.count } }
}
