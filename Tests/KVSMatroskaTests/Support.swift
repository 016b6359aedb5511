import Foundation
import KITTestSupport
import KVSMatroska

/// Paths and helpers shared by the parser tests.
enum Fixture {
    static let packageRoot = TestPaths.packageRoot
    static let captures = TestPaths.kvsCaptures

    static func capture(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: captures.appendingPathComponent(name)))
    }

    static var captureNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: captures.path)) ?? []).filter { $0.hasSuffix(".mkv") }
            .sorted()
    }

    /// Runs a tool and returns its standard output (standard error is discarded).
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Parses a whole buffer in chunks of the given sizes (cycled), collecting fragments and errors.
func parse(_ bytes: [UInt8], chunkSizes: [Int] = [1 << 16], options: MatroskaStreamParser.Options = .init())
    -> (fragments: [MatroskaFragment], errors: [MatroskaParseError])
{
    var parser = MatroskaStreamParser(options: options)
    var fragments: [MatroskaFragment] = []
    var errors: [MatroskaParseError] = []
    let sink: (MatroskaStreamParser.Event) -> Void = {
        switch $0 {
        case .fragment(let f): fragments.append(f)
        case .error(let e): errors.append(e)
        }
    }
    var i = 0
    var k = 0
    while i < bytes.count {
        let n = min(max(1, chunkSizes[k % chunkSizes.count]), bytes.count - i)
        parser.feed(Array(bytes[i..<(i + n)]), sink)
        i += n
        k += 1
    }
    parser.finish(sink)
    return (fragments, errors)
}

/// A deterministic generator so property tests reproduce from their seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds EBML by hand for cases the captures do not cover (lacing, BlockGroups, error tags, huge size claims).
enum EBMLWriter {
    static func id(_ id: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = id
        while v > 0 {
            bytes.insert(UInt8(v & 0xFF), at: 0)
            v >>= 8
        }
        return bytes
    }
    static func size(_ n: Int) -> [UInt8] {
        // Always 8 bytes: simple and valid.
        [0x01] + (0..<7).reversed().map { UInt8((n >> (8 * $0)) & 0xFF) }
    }
    static let unknownSize: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    static func element(_ i: UInt32, _ payload: [UInt8]) -> [UInt8] { id(i) + size(payload.count) + payload }
    static func master(_ i: UInt32, _ children: [[UInt8]]) -> [UInt8] { element(i, children.flatMap { $0 }) }
    static func uint(_ i: UInt32, _ v: UInt64) -> [UInt8] {
        element(i, (0..<8).reversed().map { UInt8((v >> (8 * UInt64($0))) & 0xFF) })
    }
    static func string(_ i: UInt32, _ s: String) -> [UInt8] { element(i, Array(s.utf8)) }

    static let ebmlHeader = master(0x1A45_DFA3, [string(0x4282, "matroska")])
    static func tags(_ pairs: [(String, String)]) -> [UInt8] {
        master(
            0x1254_C367, [master(0x7373, pairs.map { master(0x67C8, [string(0x45A3, $0.0), string(0x4487, $0.1)]) })])
    }
    static func tracks(codec: String = "V_MPEG4/ISO/AVC") -> [UInt8] {
        master(
            0x1654_AE6B,
            [
                master(
                    0xAE,
                    [
                        uint(0xD7, 1), uint(0x83, 1), string(0x86, codec),
                        master(0xE0, [uint(0xB0, 64), uint(0xBA, 48)]),
                    ]),
                master(0xAE, [uint(0xD7, 2), uint(0x83, 2), string(0x86, "A_AAC")]),
            ])
    }
    /// A SimpleBlock payload: track, timecode, flags, data.
    static func simpleBlock(track: UInt8 = 1, timecode: Int16 = 0, key: Bool, _ data: [UInt8]) -> [UInt8] {
        let tc = UInt16(bitPattern: timecode)
        return element(0xA3, [0x80 | track, UInt8(tc >> 8), UInt8(tc & 0xFF), key ? 0x80 : 0x00] + data)
    }
    /// A GetMedia-style fragment: EBML header, unknown-size Segment, Tracks, KVS tags, Cluster, trailing tags.
    static func getMediaFragment(number: String, server: String, producer: String, frames: Int, behind: Int) -> [UInt8]
    {
        var cluster: [[UInt8]] = [uint(0xE7, 0)]
        for f in 0..<frames {
            cluster.append(simpleBlock(timecode: Int16(f * 33), key: f == 0, [UInt8](repeating: UInt8(f), count: 100)))
        }
        return ebmlHeader + id(0x1853_8067) + unknownSize + tracks()
            + tags([
                ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", number), ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", server),
                ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", producer),
            ])
            + master(0x1F43_B675, cluster)
            + tags([
                ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", String(behind)), ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", number),
            ])
    }
}
