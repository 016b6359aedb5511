import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper program to completion without blocking a cooperative thread: output goes to files (no pipe can
/// fill up), the exit is awaited through the termination handler, and a program that outlives `timeout` is killed
/// with SIGKILL (SIGTERM is blocked in children of the test process).
public enum Subprocess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-sub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out")
        let err = directory.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = directory.appendingPathComponent("in")
            try stdin.write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            Task {
                try? await Task.sleep(for: timeout)
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
        return Output(status: status, stdout: try Data(contentsOf: out), stderr: try Data(contentsOf: err))
    }
}

/// A long-running helper the tests start and stop by PID. Its stdout and stderr go to files in its own directory;
/// ``firstLine(timeout:)`` reads what it announced (a bound URL). ``kill()`` is SIGKILL (a crash, for fault tests);
/// ``terminate()`` sends SIGTERM after unblocking it in the child (see ``spawn``) and waits.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: set in init, never reassigned; `Process` is only read or signalled.
    public let process: Process
    public let directory: URL
    private let stdinPipe: Pipe
    public var pid: Int32 { process.processIdentifier }
    public var stdoutURL: URL { directory.appendingPathComponent("stdout") }
    public var stderrURL: URL { directory.appendingPathComponent("stderr") }

    /// Starts `executable arguments…`. Children of the test process inherit a signal mask that blocks SIGTERM:
    /// ``signal(_:grace:)`` works only for programs that unblock it themselves (kithost does).
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, label: String = "child"
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        stdinPipe = Pipe()
        process.standardInput = stdinPipe
        FileManager.default.createFile(atPath: directory.appendingPathComponent("stdout").path, contents: nil)
        FileManager.default.createFile(atPath: directory.appendingPathComponent("stderr").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("stderr"))
        try process.run()
    }

    /// Starts `python -c script args…` from the test venv; the script should exit when its stdin closes.
    public convenience init(pythonScript script: String, arguments: [String], label: String = "python") throws {
        try self.init(TestPaths.python, ["-c", script] + arguments, label: label)
    }

    public var isRunning: Bool { process.isRunning }
    public var stdoutText: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderrText: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The first complete stdout line, waiting at most `timeout`.
    public func firstLine(timeout: Duration) async throws -> String {
        var line = ""
        try await waitUntil(timeout: timeout, interval: .milliseconds(50), "first output line of \(label)") {
            let text = stdoutText
            if let newline = text.firstIndex(of: "\n") {
                line = String(text[..<newline])
                return true
            }
            guard process.isRunning else {
                throw TestFailure("\(label) exited with \(process.terminationStatus): \(stderrText.suffix(3000))")
            }
            return false
        }
        return line
    }

    private var label: String { process.executableURL?.lastPathComponent ?? "child" }

    /// SIGKILL by PID and wait for the exit.
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Sends `signal` (the child must have unblocked it itself), waits up to `grace`, then SIGKILL. Returns the
    /// exit status (or -signal) and whether it exited by itself.
    @discardableResult
    public func signal(_ signal: Int32, grace: Duration) async -> (status: Int32, exitedByItself: Bool) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
        let end = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
        let byItself = !process.isRunning
        kill()
        return (process.terminationStatus, byItself)
    }

    /// Closes stdin (helpers that watch it exit), then SIGKILL if still running; removes the directory.
    public func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
