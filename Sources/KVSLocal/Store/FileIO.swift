import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one door for the server's file system calls: POSIX calls whose failures become ``KVSLocalError`` with the
/// call, the path and `strerror`, run on NIO's blocking-IO thread pool so a `fsync` never holds a cooperative
/// thread.
enum FileIO {
    /// Runs blocking file work off the cooperative pool.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(KVSLocalError) -> T) async throws(KVSLocalError)
        -> T
    {
        do {
            return try await NIOThreadPool.singleton.runIfActive { () throws -> T in try body() }
        } catch let error as KVSLocalError {
            throw error
        } catch {
            throw KVSLocalError(.io, "blocking IO could not run: \(error)")
        }
    }

    private static func failure(_ call: String, _ path: String) -> KVSLocalError {
        let code = errno
        return KVSLocalError(.io, "\(call)(\(path)) failed: \(String(cString: strerror(code))) (errno \(code))")
    }

    static func createDirectory(_ path: String) throws(KVSLocalError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw KVSLocalError(.io, "cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    static func removeItem(_ path: String) throws(KVSLocalError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw KVSLocalError(.io, "cannot remove \(path): \(error.localizedDescription)")
        }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func listDirectory(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// Writes `chunks` to `path` atomically: a temporary file, `fsync` (when `sync`), `rename`, then the directory's
    /// `fsync`, so after a crash the file is either whole or absent.
    static func writeAtomically(_ path: String, _ chunks: [[UInt8]], sync: Bool) throws(KVSLocalError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open", temporary) }
        do throws(KVSLocalError) {
            for chunk in chunks { try writeAll(fd, chunk, temporary) }
            if sync, fsync(fd) != 0 { throw failure("fsync", temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else { throw failure("close", temporary) }
        guard rename(temporary, path) == 0 else { throw failure("rename", temporary) }
        if sync { try syncDirectory(of: path) }
    }

    /// Appends one record (a line) and `fsync`s it when `sync`.
    static func append(_ path: String, _ bytes: [UInt8], sync: Bool) throws(KVSLocalError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path)
        if sync, fsync(fd) != 0 { throw failure("fsync", path) }
    }

    static func readFile(_ path: String) throws(KVSLocalError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0, lseek(fd, 0, SEEK_SET) == 0 else { throw failure("lseek", path) }
        let size = Int(end)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + done }, size - done)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                if n == 0 { break }
                throw failure("read", path)
            }
            done += n
        }
        return done == size ? bytes : Array(bytes[0..<done])
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(KVSLocalError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + done }, bytes.count - done)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw failure("write", path) }
            done += n
        }
    }

    private static func syncDirectory(of path: String) throws(KVSLocalError) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", directory) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("fsync", directory) }
    }
}
