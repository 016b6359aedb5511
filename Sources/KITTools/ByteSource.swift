#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file or standard input in fixed-size chunks with plain POSIX reads (no Foundation on the hot path).
struct ByteSource: ~Copyable {
    struct OpenError: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "cannot open \(path): \(String(cString: strerror(errno)))" }
    }

    private let fd: Int32
    private let ownsFD: Bool
    let chunkSize: Int

    /// `path` "-" means standard input.
    init(path: String, chunkSize: Int = 1 << 16) throws(OpenError) {
        self.chunkSize = max(1, chunkSize)
        if path == "-" {
            fd = 0
            ownsFD = false
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else { throw OpenError(path: path, errno: errno) }
            fd = opened
            ownsFD = true
        }
    }

    deinit { if ownsFD { close(fd) } }

    /// The next chunk, or nil at end of input.
    func next() throws(OpenError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunkSize) }
        if n < 0 {
            if errno == EINTR { return try next() }
            throw OpenError(path: "input", errno: errno)
        }
        if n == 0 { return nil }
        if n < chunkSize { buffer.removeSubrange(n...) }
        return buffer
    }
}
