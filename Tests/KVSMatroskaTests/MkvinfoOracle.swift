import Foundation

/// What mkvtoolnix's `mkvinfo` (an independent Matroska reader) says a file holds, reduced to what the parser tests
/// compare: per Cluster its timestamp, frames and key frames per track; every SimpleTag name/value in order.
struct MkvinfoOracle {
    struct Cluster {
        var timestampMillis: Int64 = 0
        var frames: [UInt64: Int] = [:]
        var keyFrames: [UInt64: Int] = [:]
        var totalFrames: Int { frames.values.reduce(0, +) }
    }
    var clusters: [Cluster] = []
    var tags: [(name: String, value: String)] = []
    var codecIDs: [String] = []

    init(path: String) throws {
        let text = try Fixture.run("mkvinfo", ["-a", "--ui-language", "en_US", path])
        var pendingName: String?
        var groupTrack: UInt64?
        var groupFrames = 0
        var groupHasReference = false
        func flushGroup() {
            guard let track = groupTrack, !clusters.isEmpty else { return }
            clusters[clusters.count - 1].frames[track, default: 0] += groupFrames
            if !groupHasReference { clusters[clusters.count - 1].keyFrames[track, default: 0] += groupFrames }
            groupTrack = nil
        }
        for line in text.split(separator: "\n") {
            let body = line.drop(while: { $0 == "|" || $0 == " " || $0 == "+" })
            if line.hasPrefix("|+ ") || line.hasPrefix("+ ") { flushGroup() }
            if body.hasPrefix("Cluster") && line.hasPrefix("|+") {
                clusters.append(Cluster())
            } else if body.hasPrefix("Cluster timestamp: "), !clusters.isEmpty {
                clusters[clusters.count - 1].timestampMillis = Self.millis(body.dropFirst("Cluster timestamp: ".count))
            } else if body.hasPrefix("Simple block: ") || body.hasPrefix("Block group") {
                flushGroup()
                if body.hasPrefix("Block group") {
                    groupTrack = 0
                    groupFrames = 0
                    groupHasReference = false
                    continue
                }
                let (track, frames) = Self.trackAndFrames(body)
                clusters[clusters.count - 1].frames[track, default: 0] += frames
                if body.hasPrefix("Simple block: key,") {
                    clusters[clusters.count - 1].keyFrames[track, default: 0] += frames
                }
            } else if body.hasPrefix("Block: "), groupTrack != nil {
                (groupTrack, groupFrames) = Self.trackAndFrames(body)
            } else if body.hasPrefix("Reference block"), groupTrack != nil {
                groupHasReference = true
            } else if body.hasPrefix("Name: ") {
                pendingName = String(body.dropFirst(6))
            } else if body.hasPrefix("String: "), let name = pendingName {
                tags.append((name, String(body.dropFirst(8))))
                pendingName = nil
            } else if body.hasPrefix("Codec ID: ") {
                codecIDs.append(String(body.dropFirst(10)))
            }
        }
        flushGroup()
    }

    /// "track number 1, 8 frame(s)" out of a block line.
    static func trackAndFrames(_ line: Substring) -> (UInt64, Int) {
        func number(after marker: String) -> Int {
            guard let r = line.range(of: marker) else { return 0 }
            return Int(line[r.upperBound...].prefix(while: \.isNumber)) ?? 0
        }
        let frames: Int = {
            guard let r = line.range(of: " frame(s)") else { return 1 }
            let head = line[..<r.lowerBound]
            return Int(head.reversed().prefix(while: \.isNumber).reversed().map(String.init).joined()) ?? 1
        }()
        return (UInt64(number(after: "track number ")), frames)
    }

    /// "00:00:02.000000000" → 2000.
    static func millis(_ text: Substring) -> Int64 {
        let parts = text.split(separator: ":")
        guard parts.count == 3 else { return -1 }
        let seconds = Double(parts[2]) ?? 0
        return (Int64(parts[0]) ?? 0) * 3_600_000 + (Int64(parts[1]) ?? 0) * 60_000 + Int64((seconds * 1000).rounded())
    }

    func values(of name: String) -> [String] { tags.filter { $0.name == name }.map(\.value) }
}
