import AWSSigV4
import Foundation
import HTTPTransport

/// A helper process the tests start and stop by PID: its stdin stays open for its lifetime, and the Python helpers
/// exit when it closes — so even a crashed test run leaves nothing behind.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: every property is set in `init` and never reassigned; `Process` is only touched to stop it.
    let process: Process
    private let stdin: Pipe
    let directory: URL

    var pid: Int32 { process.processIdentifier }

    /// Starts `python -c script arguments…` in a fresh temporary directory (passed as `$DIR` in `arguments`).
    /// `files` are written into the directory before the process starts.
    init(pythonScript script: String, arguments: [String], files: [String: Data] = [:], stderrFile: String? = nil)
        throws
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-aws-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
        process = Process()
        process.executableURL = TestPaths.python
        process.arguments =
            ["-c", script] + arguments.map { $0.replacingOccurrences(of: "$DIR", with: directory.path) }
        stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        if let stderrFile {
            let path = directory.appendingPathComponent(stderrFile).path
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: path)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    /// Polls for `file` (in the process directory) to appear with content, at most `timeout`.
    func waitForFile(_ file: String, timeout: Duration) async throws -> String {
        let path = directory.appendingPathComponent(file).path
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty { return text }
            guard process.isRunning else { throw TestFailure("helper exited with \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw TestFailure("helper did not write \(file) within \(timeout)")
    }

    /// Closes its stdin (the Python helpers exit on that), then, if it is still running after a moment, sends
    /// SIGKILL by PID — SIGTERM would not do: children of the test process inherit a signal mask that blocks it.
    /// Waits for the exit and removes the directory.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
