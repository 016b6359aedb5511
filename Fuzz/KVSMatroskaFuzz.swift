// libFuzzer entry for the KVS Matroska parser. Built by scripts/fuzz.sh together with Sources/KVSMatroska (one
// module, so no import). Checks: no crash, no hang, error offsets inside the input, and chunking invariance (the
// same events whether the input arrives whole or in chunks whose sizes come from the input itself).

func digest(_ bytes: [UInt8], chunk: Int) -> [String] {
    var parser = MatroskaStreamParser(options: .init(maxElementSize: 1 << 20))
    var out: [String] = []
    let sink: (MatroskaStreamParser.Event) -> Void = { event in
        switch event {
        case .fragment(let f):
            out.append(
                "\(f.metadata?.description ?? "-")|\(f.frames.map(\.description))|\(f.frames.map(\.data.count))|\(f.tags.count)|\(f.startOffset)-\(f.endOffset)"
            )
        case .error(let e):
            if e.offset < 0 || e.offset > Int64(bytes.count) {
                print("error offset \(e.offset) outside the input of \(bytes.count) bytes")
                abort()
            }
            out.append(e.description)
        }
    }
    var i = 0
    while i < bytes.count {
        let n = min(chunk, bytes.count - i)
        parser.feed(bytes[i..<(i + n)], sink)
        i += n
    }
    parser.finish(sink)
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = digest(bytes, chunk: max(1, bytes.count))
    let chunk = 1 + Int(bytes.first ?? 0) % 97
    if digest(bytes, chunk: chunk) != whole {
        print("chunking changed the events (chunk \(chunk))")
        abort()
    }
    return 0
}

#if canImport(Glibc)
    import Glibc
#endif
