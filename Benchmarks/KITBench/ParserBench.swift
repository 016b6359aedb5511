import Foundation
import KVSMatroska

/// `kit-bench parser FILE... [--seconds S] [--chunk BYTES]`: parser throughput per core with payloads untouched
/// (frames are slices of the input), fed in network-sized chunks. Prints GB/s per file and overall.
func runParserBench(_ arguments: [String]) -> Int32 {
    var files: [String] = []
    var seconds = 2.0
    var chunk = 1 << 16
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--seconds":
            i += 1
            seconds = Double(arguments[safe: i] ?? "") ?? seconds
        case "--chunk":
            i += 1
            chunk = Int(arguments[safe: i] ?? "") ?? chunk
        default: files.append(arguments[i])
        }
        i += 1
    }
    guard !files.isEmpty, chunk > 0 else {
        FileHandle.standardError.write(Data("usage: kit-bench parser FILE... [--seconds S] [--chunk BYTES]\n".utf8))
        return 2
    }
    var totalBytes = 0.0
    var totalTime = 0.0
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
            return 1
        }
        let bytes = [UInt8](data)
        var fragments = 0
        var frames = 0
        var passes = 0
        let clock = ContinuousClock()
        let start = clock.now
        var elapsed = 0.0
        repeat {
            var parser = MatroskaStreamParser()
            var offset = 0
            let sink: (MatroskaStreamParser.Event) -> Void = { event in
                if case .fragment(let f) = event {
                    fragments += 1
                    frames += f.frames.count
                }
            }
            while offset < bytes.count {
                let end = min(offset + chunk, bytes.count)
                parser.feed(bytes[offset..<end], sink)
                offset = end
            }
            parser.finish(sink)
            passes += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while elapsed < seconds
        let gbps = Double(bytes.count * passes) / elapsed / 1e9
        totalBytes += Double(bytes.count * passes)
        totalTime += elapsed
        print(
            String(
                format: "parser %@: %.2f GB/s (%d bytes x %d passes, %d fragments, %d frames per pass)",
                (file as NSString).lastPathComponent, gbps, bytes.count, passes, fragments / passes, frames / passes))
    }
    let overall = totalBytes / totalTime / 1e9
    print(String(format: "parser overall: %.2f GB/s per core; target 1 GB/s; ratio %.2fx", overall, overall / 1.0))
    return 0
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
