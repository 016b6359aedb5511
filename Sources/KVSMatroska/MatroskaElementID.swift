/// The Matroska/EBML element IDs the KVS parser understands, with the class-marker bits kept (as written on the wire).
enum ElementID {
    // EBML header (level 0) and its children.
    static let ebml: UInt32 = 0x1A45_DFA3
    static let docType: UInt32 = 0x4282
    // Global elements allowed anywhere.
    static let void: UInt32 = 0xEC
    static let crc32: UInt32 = 0xBF
    // Segment (level 0) and its children (level 1).
    static let segment: UInt32 = 0x1853_8067
    static let seekHead: UInt32 = 0x114D_9B74
    static let info: UInt32 = 0x1549_A966
    static let tracks: UInt32 = 0x1654_AE6B
    static let tags: UInt32 = 0x1254_C367
    static let cluster: UInt32 = 0x1F43_B675
    static let cues: UInt32 = 0x1C53_BB6B
    static let chapters: UInt32 = 0x1043_A770
    static let attachments: UInt32 = 0x1941_A469
    // Info.
    static let timecodeScale: UInt32 = 0x2A_D7B1
    // Tracks.
    static let trackEntry: UInt32 = 0xAE
    static let trackNumber: UInt32 = 0xD7
    static let trackUID: UInt32 = 0x73C5
    static let trackType: UInt32 = 0x83
    static let codecID: UInt32 = 0x86
    static let codecPrivate: UInt32 = 0x63A2
    static let trackName: UInt32 = 0x536E
    static let defaultDuration: UInt32 = 0x23_E383
    static let video: UInt32 = 0xE0
    static let pixelWidth: UInt32 = 0xB0
    static let pixelHeight: UInt32 = 0xBA
    static let colour: UInt32 = 0x55B0
    static let matrixCoefficients: UInt32 = 0x55B1
    static let range: UInt32 = 0x55B9
    static let transferCharacteristics: UInt32 = 0x55BA
    static let primaries: UInt32 = 0x55BB
    static let audio: UInt32 = 0xE1
    static let samplingFrequency: UInt32 = 0xB5
    static let channels: UInt32 = 0x9F
    static let bitDepth: UInt32 = 0x6264
    // Tags.
    static let tag: UInt32 = 0x7373
    static let targets: UInt32 = 0x63C0
    static let tagTrackUID: UInt32 = 0x63C5
    static let simpleTag: UInt32 = 0x67C8
    static let tagName: UInt32 = 0x45A3
    static let tagString: UInt32 = 0x4487
    static let tagBinary: UInt32 = 0x4485
    // Cluster.
    static let timecode: UInt32 = 0xE7
    static let simpleBlock: UInt32 = 0xA3
    static let blockGroup: UInt32 = 0xA0
    static let block: UInt32 = 0xA1
    static let referenceBlock: UInt32 = 0xFB

    /// Masters the parser descends into; every other element is either a decoded leaf or skipped unread.
    static func isMaster(_ id: UInt32) -> Bool {
        switch id {
        case ebml, segment, info, tracks, trackEntry, video, colour, audio, tags, tag, targets, simpleTag, cluster,
            blockGroup:
            true
        default: false
        }
    }

    /// The level of the top two tiers (0: EBML/Segment, 1: Segment children). An unknown-size master ends when an
    /// element of its own level or higher begins — that is how KVS's unknown-size Segments and Clusters close.
    static func level(_ id: UInt32) -> Int? {
        switch id {
        case ebml, segment: 0
        case seekHead, info, tracks, tags, cluster, cues, chapters, attachments: 1
        default: nil
        }
    }

    /// Leaves whose payload the parser reads (everything else is skipped without buffering).
    static func isDecodedLeaf(_ id: UInt32, parent: UInt32?) -> Bool {
        switch (parent, id) {
        case (ebml?, docType), (info?, timecodeScale),
            (trackEntry?, trackNumber), (trackEntry?, trackUID), (trackEntry?, trackType), (trackEntry?, codecID),
            (trackEntry?, codecPrivate), (trackEntry?, trackName), (trackEntry?, defaultDuration),
            (video?, pixelWidth), (video?, pixelHeight),
            (colour?, matrixCoefficients), (colour?, range), (colour?, transferCharacteristics), (colour?, primaries),
            (audio?, samplingFrequency), (audio?, channels), (audio?, bitDepth),
            (targets?, tagTrackUID), (simpleTag?, tagName), (simpleTag?, tagString), (simpleTag?, tagBinary),
            (cluster?, timecode), (cluster?, simpleBlock), (blockGroup?, block), (blockGroup?, referenceBlock):
            true
        default: false
        }
    }
}
