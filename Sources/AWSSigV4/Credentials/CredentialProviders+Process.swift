import AWSCore
import Foundation

/// `credential_process`: runs the profile's command through `/bin/sh -c` and reads the JSON it prints:
/// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": "…Z"}`.
///
/// The command's stderr is drained but never copied into errors: credential helpers are free to print anything
/// there, secrets included.
public struct ProcessCredentialProvider: CredentialProvider {
    public var command: String
    public var timeout: Duration

    public init(command: String, timeout: Duration = .seconds(60)) {
        self.command = command
        self.timeout = timeout
    }

    public func credentials() async throws -> Credentials {
        let output = try await ProcessRunner.run(shellCommand: command, timeout: timeout)
        guard output.status == 0 else {
            throw CredentialsError(
                .processFailed, provider: "process",
                output.timedOut
                    ? "credential_process timed out after \(timeout)"
                    : "credential_process exited with status \(output.status)")
        }
        return try Self.parse(output.stdout)
    }

    struct Document: Decodable {
        var Version: Int
        var AccessKeyId: String
        var SecretAccessKey: String
        var SessionToken: String?
        var Expiration: String?
    }

    static func parse(_ data: Data) throws -> Credentials {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw CredentialsError(
                .invalidResponse, provider: "process",
                "credential_process output is not the expected JSON (\(JSONShape.describe(error)))")
        }
        guard document.Version == 1 else {
            throw CredentialsError(
                .invalidResponse, provider: "process",
                "credential_process output has Version \(document.Version); only 1 is supported")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = AWSTimestamp.parseISO8601(text) else {
                throw CredentialsError(
                    .invalidResponse, provider: "process",
                    "credential_process Expiration is not ISO 8601: \(text)")
            }
            expiration = date
        }
        return Credentials(
            accessKeyId: document.AccessKeyId, secretAccessKey: document.SecretAccessKey,
            sessionToken: document.SessionToken.flatMap { $0.isEmpty ? nil : $0 }, expiration: expiration)
    }
}

/// Describes a JSON decoding failure by shape only (missing key, wrong type), never by content.
enum JSONShape {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "unreadable" }
        switch error {
        case .keyNotFound(let key, _): return "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted: return "not valid JSON"
        @unknown default: return "unreadable"
        }
    }
}

/// Runs a shell command off the cooperative pool, collecting stdout (stderr is drained and dropped), and kills
/// it when `timeout` passes.
enum ProcessRunner {
    struct Output {
        var status: Int32
        var stdout: Data
        var timedOut: Bool
    }

    static func run(shellCommand: String, timeout: Duration) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(shellCommand, timeout: timeout) })
            }
        }
    }

    private static func runBlocking(_ command: String, timeout: Duration) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CredentialsError(
                .processFailed, provider: "process", "cannot start /bin/sh for credential_process",
                underlying: error)
        }
        let timer = Flag()
        let outputClosed = Flag()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            // Done means exited *and* stdout closed: a background grandchild can hold the pipe after `sh` exits.
            guard process.isRunning || !outputClosed.fired else { return }
            timer.fire()
            // Foundation on Linux starts the child as the leader of its own process group, so signalling the group
            // also stops what the shell started. While the group holds our pipe its id cannot have been reused.
            if kill(-pid, SIGTERM) != 0, process.isRunning { process.terminate() }  // not a group leader
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
                // Foundation can start children with SIGTERM blocked.
                if !outputClosed.fired { kill(-pid, SIGKILL) }
            }
        }
        let drained = DispatchGroup()
        drained.enter()
        DispatchQueue.global().async {
            _ = stderr.fileHandleForReading.readDataToEndOfFile()
            drained.leave()
        }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        outputClosed.fire()
        drained.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: data, timedOut: timer.fired)
    }

    private final class Flag: @unchecked Sendable {
        // @unchecked: `value` is only touched under `lock`.
        private let lock = NSLock()
        private var value = false
        func fire() { lock.withLock { value = true } }
        var fired: Bool { lock.withLock { value } }
    }
}
