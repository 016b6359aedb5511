import KVSMatroska

/// Placeholder until KITMedia lands: refuses extraction with a clear message.
final class FrameExtractor {
    struct Unavailable: Error, CustomStringConvertible { var description: String { "frame extraction is not built yet" } }
    init(directory: String, format: String, quality: Int, interval: Int) throws(Unavailable) { throw Unavailable() }
    func extract(from fragment: MatroskaFragment, index: Int) -> [String] { [] }
}
