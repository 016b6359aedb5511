import Foundation
import SwiftSubprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper program to completion, on swift-subprocess: output is collected asynchronously (no pipe can fill
/// up, no cooperative thread blocks), the child starts with an empty signal mask, in its own process group, and a
/// program that outlives `timeout` is ended with its children (SIGTERM to the group, SIGKILL half a second later)
/// and reported as a ``TestFailure``.
public enum Subprocess {
    public struct Output: Sendable {
        /// The exit code, or the number of the signal that ended the program.
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// The test process's environment with `overrides` applied: for programs that need a few variables of their own.
    public static func environment(adding overrides: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(overrides) { _, new in new }
    }

    /// Collected output beyond this is an error (the tools the tests run print far less).
    static let outputLimit = 256 << 20

    /// - Parameters:
    ///   - environment: the whole environment of the program; `nil` inherits the test process's.
    ///   - stdin: what the program reads; `nil` is an empty input.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> Output {
        try await withThrowingTaskGroup(of: Output?.self) { group in
            group.addTask {
                try await runToEnd(executable, arguments, environment: environment, stdin: stdin ?? Data())
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            if let output = try await group.next() ?? nil { return output }
            throw TestFailure("\(executable.lastPathComponent) \(arguments.prefix(3)) did not end within \(timeout)")
        }
    }

    private static func runToEnd(
        _ executable: URL, _ arguments: [String], environment: [String: String]?, stdin: Data
    ) async throws -> Output {
        var options = PlatformOptions()
        // Its own process group, so that the teardown on timeout reaches whatever it started.
        options.processGroupID = 0
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(500))
        ]
        let result = try await SwiftSubprocess.run(
            .path(FilePath(executable.path)), arguments: Arguments(arguments),
            environment: environment.map { .custom(environmentKeys($0)) } ?? .inherit, platformOptions: options,
            input: .data(stdin), output: .data(limit: outputLimit), error: .data(limit: outputLimit))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = signal
        }
        return Output(status: status, stdout: result.standardOutput, stderr: result.standardError)
    }

    private static func environmentKeys(_ environment: [String: String]) -> [Environment.Key: String] {
        var keyed: [Environment.Key: String] = [:]
        for (name, value) in environment { keyed[Environment.Key(stringLiteral: name)] = value }
        return keyed
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

    /// Starts `executable arguments…`, `$DIR` in an argument standing for ``directory``, into which `files` are
    /// written first. Children of the test process inherit a signal mask that blocks SIGTERM: ``signal(_:grace:)``
    /// works only for programs that unblock it themselves (kithost does).
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, files: [String: Data] = [:],
        label: String = "child"
    ) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kit-\(label)-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
        process = Process()
        process.executableURL = executable
        process.arguments = arguments.map { $0.replacingOccurrences(of: "$DIR", with: directory.path) }
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
    public convenience init(
        pythonScript script: String, arguments: [String], files: [String: Data] = [:], label: String = "python"
    ) throws {
        try self.init(TestPaths.python, ["-c", script] + arguments, files: files, label: label)
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

    /// The content of `file` (in ``directory``) once it exists and is not empty, waiting at most `timeout`.
    public func waitForFile(_ file: String, timeout: Duration) async throws -> String {
        let url = directory.appendingPathComponent(file)
        var content = ""
        try await waitUntil(timeout: timeout, interval: .milliseconds(50), "\(label) to write \(file)") {
            if let text = try? String(contentsOf: url, encoding: .utf8), !text.isEmpty {
                content = text
                return true
            }
            guard process.isRunning else {
                throw TestFailure("\(label) exited with \(process.terminationStatus): \(stderrText.suffix(3000))")
            }
            return false
        }
        return content
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
