/// PutMedia's acknowledgements, as KVS streams them back: one JSON object per event, `EventType` first.
struct PutMediaAck: Sendable, Equatable {
    enum EventType: String, Sendable {
        case buffering = "BUFFERING"
        case received = "RECEIVED"
        case persisted = "PERSISTED"
        case error = "ERROR"
        case idle = "IDLE"
    }

    var eventType: EventType
    var fragmentTimecode: Int64?
    var fragmentNumber: String?
    var errorID: PutMediaErrorID?

    var bytes: [UInt8] {
        var text = "{\"EventType\":\"\(eventType.rawValue)\""
        if let fragmentTimecode { text += ",\"FragmentTimecode\":\(fragmentTimecode)" }
        if let fragmentNumber { text += ",\"FragmentNumber\":\"\(fragmentNumber)\"" }
        if let errorID { text += ",\"ErrorId\":\(errorID.id),\"ErrorCode\":\"\(errorID.name)\"" }
        return Array((text + "}").utf8)
    }

    static let idle = PutMediaAck(eventType: .idle)
}

/// The error ids KVS documents for PutMedia `ERROR` acknowledgements.
struct PutMediaErrorID: Sendable, Equatable {
    let id: Int
    let name: String

    static let streamReadError = PutMediaErrorID(id: 4000, name: "STREAM_READ_ERROR")
    static let maxFragmentSizeReached = PutMediaErrorID(id: 4001, name: "MAX_FRAGMENT_SIZE_REACHED")
    static let maxFragmentDurationReached = PutMediaErrorID(id: 4002, name: "MAX_FRAGMENT_DURATION_REACHED")
    static let maxConnectionDurationReached = PutMediaErrorID(id: 4003, name: "MAX_CONNECTION_DURATION_REACHED")
    static let fragmentTimecodeLesserThanPrevious = PutMediaErrorID(
        id: 4004, name: "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS")
    static let invalidMKVData = PutMediaErrorID(id: 4006, name: "INVALID_MKV_DATA")
    static let invalidProducerTimestamp = PutMediaErrorID(id: 4007, name: "INVALID_PRODUCER_TIMESTAMP")
    static let streamNotActive = PutMediaErrorID(id: 4008, name: "STREAM_NOT_ACTIVE")
    static let trackNumberMismatch = PutMediaErrorID(id: 4010, name: "TRACK_NUMBER_MISMATCH")
    static let framesMissingForTrack = PutMediaErrorID(id: 4011, name: "FRAMES_MISSING_FOR_TRACK")
    static let internalError = PutMediaErrorID(id: 5000, name: "INTERNAL_ERROR")
    static let archivalError = PutMediaErrorID(id: 5001, name: "ARCHIVAL_ERROR")
}
