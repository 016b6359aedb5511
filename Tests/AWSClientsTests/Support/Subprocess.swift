import AWSSigV4
import Foundation
import HTTPTransport

/// Runs a helper process to completion: writes `input` to its stdin, drains stdout and stderr on their own threads
/// (a chatty child never dead-locks on a full pipe) and returns once it exits.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    static func run(_ executable: URL, _ arguments: [String], input: Data = Data()) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(executable, arguments, input: input) })
            }
        }
    }

    private static func runBlocking(_ executable: URL, _ arguments: [String], input: Data) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let group = DispatchGroup()
        let collected = Collected()
        group.enter()
        DispatchQueue.global().async {
            collected.set(out: stdout.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            collected.set(err: stderr.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: collected.out, stderr: collected.err)
    }

    private final class Collected: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        private let lock = NSLock()
        private var outData = Data()
        private var errData = Data()
        func set(out: Data) { lock.withLock { outData = out } }
        func set(err: Data) { lock.withLock { errData = err } }
        var out: Data { lock.withLock { outData } }
        var err: Data { lock.withLock { errData } }
    }
}
