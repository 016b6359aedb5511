import Foundation
import KITTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The `kithost` executable built beside the test bundle, run as a child process: `kvs-local` servers and the
/// `put-media` producer, as a user would run them.
enum Kithost {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kithost")
    }
    static var available: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    /// Test credentials and region for the AWS CLI and `kithost put-media`; never the machine's own configuration.
    static let environment: [String: String] = [
        "AWS_ACCESS_KEY_ID": "AKIDKITHOSTTEST", "AWS_SECRET_ACCESS_KEY": "kithost-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "",
    ]

    /// Runs `kithost ARGS` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120))
        async throws -> Subprocess.Output
    {
        try await Subprocess.run(
            executable, arguments,
            environment: Subprocess.environment(adding: Self.environment.merging(environment) { $1 }),
            timeout: timeout)
    }

    /// Runs the AWS CLI of the test venv (awscli pinned in requirements/test.txt).
    static func aws(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Subprocess.Output {
        let aws = TestPaths.python.deletingLastPathComponent().appendingPathComponent("aws")
        return try await Subprocess.run(
            aws, arguments, environment: Subprocess.environment(adding: environment), timeout: timeout)
    }

    static var haveAWSCLI: Bool {
        FileManager.default.isExecutableFile(
            atPath: TestPaths.python.deletingLastPathComponent().appendingPathComponent("aws").path)
    }
}

/// `kithost kvs-local --port 0 --data DIR` as a child process: started, its URL read from its first output line,
/// stopped by SIGKILL (a crash, as far as the data directory knows) or SIGTERM (a graceful stop).
final class KVSLocalProcess: @unchecked Sendable {
    let process: Process
    let url: String
    let log: URL

    private init(process: Process, url: String, log: URL) {
        self.process = process
        self.url = url
        self.log = log
    }

    /// Starts the server and waits (bounded) for its URL line.
    /// A GetMedia session that has sent everything ends after `idleTimeout` seconds without a new fragment.
    static func start(data: URL, log: URL, idleTimeout: Int = 2) async throws -> KVSLocalProcess {
        let process = Process()
        process.executableURL = Kithost.executable
        process.arguments =
            ["kvs-local", "--port", "0", "--data", data.path, "--get-media-idle-timeout", "\(idleTimeout)"]
        let stdout = Pipe()
        process.standardOutput = stdout
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        let (lines, sink) = AsyncStream<String?>.makeStream()
        try process.run()
        let fd = stdout.fileHandleForReading.fileDescriptor
        // Reads the first line, then drains the pipe until it closes, on its own thread.
        DispatchQueue.global().async {
            var line: [UInt8] = []
            var sent = false
            var byte: UInt8 = 0
            while true {
                let n = read(fd, &byte, 1)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                if !sent {
                    if byte == UInt8(ascii: "\n") {
                        sink.yield(String(decoding: line, as: UTF8.self))
                        sent = true
                    } else {
                        line.append(byte)
                    }
                }
            }
            if !sent { sink.yield(nil) }
            sink.finish()
        }
        let first: String?? = await withTaskGroup(of: String??.self) { group in
            group.addTask {
                var iterator = lines.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return .some(nil)
            }
            let value = await group.next() ?? nil
            group.cancelAll()
            return value
        }
        guard let url = first ?? nil, url.hasPrefix("http://") else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw TestFailure("kithost kvs-local printed no URL; stderr: \(text.suffix(2000))")
        }
        return KVSLocalProcess(process: process, url: url, log: log)
    }

    /// Sends `signal` and waits (bounded) for the exit; returns the exit status (or the signal for SIGKILL).
    @discardableResult
    func stop(_ signal: Int32 = SIGKILL, timeout: Duration = .seconds(60)) async throws -> Int32 {
        let pid = process.processIdentifier
        kill(pid, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                process.waitUntilExit()
                throw TestFailure("kithost kvs-local did not exit within \(timeout) of signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    var stderrText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// Runs `body` with a `kithost kvs-local` process; it is killed (SIGKILL) however `body` ends.
func withKVSLocalProcess<T>(
    data: URL, log: URL, idleTimeout: Int = 2, _ body: (KVSLocalProcess) async throws -> T
) async throws -> T {
    let server = try await KVSLocalProcess.start(data: data, log: log, idleTimeout: idleTimeout)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        _ = try? await server.stop()
        throw error
    }
}
