import Foundation
import KVSLocal
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A moto server on 127.0.0.1 with an OS-chosen port, for one test: started from the test venv, stopped by PID
/// (SIGKILL: children of the test process inherit a blocked SIGTERM). A watchdog thread in the Python side exits
/// when its stdin closes, so a crashed test run leaves nothing behind.
final class MotoServer: @unchecked Sendable {
    // @unchecked: set once in `start`, then only read; `process` is only touched to stop it.
    let process: Process
    let url: String
    private let stdin: Pipe
    private let directory: URL

    static let script = #"""
        import os, sys, threading
        def watch():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
        from moto.server import main
        main(sys.argv[1:])
        """#

    private init(process: Process, url: String, stdin: Pipe, directory: URL) {
        self.process = process
        self.url = url
        self.stdin = stdin
        self.directory = directory
    }

    static func start() async throws -> MotoServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-moto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("moto.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = TestPaths.python
        process.arguments = ["-c", script, "-H", "127.0.0.1", "-p", "0"]
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: log.path)
        try process.run()
        let end = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < end {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "Running on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) {
                    return MotoServer(
                        process: process, url: "http://127.0.0.1:\(port)", stdin: stdin, directory: directory)
                }
            }
            guard process.isRunning else { throw TestFailure("moto exited: \(text.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        throw TestFailure("moto did not start within 120 s")
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs a KVS server in-process on 127.0.0.1, port 0, for the duration of `body`.
func withKVSServer<T: Sendable>(dataDirectory: URL, _ body: @Sendable (String) async throws -> T) async throws -> T {
    var configuration = KVSLocalServer.Configuration(dataDirectory: dataDirectory.path)
    configuration.limits.getMediaIdleTimeout = .seconds(1)
    configuration.syncWrites = false
    var logger = Logger(label: "kvs-local-test")
    logger.logLevel = .critical
    let server = KVSLocalServer(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await server.run()
            return nil
        }
        do {
            let url = try await server.listeningURL()
            let result = try await body(url)
            group.cancelAll()
            while (try? await group.next()) != nil {}
            return result
        } catch {
            group.cancelAll()
            while (try? await group.next()) != nil {}
            throw error
        }
    }
}
