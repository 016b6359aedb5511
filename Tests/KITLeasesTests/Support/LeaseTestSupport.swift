import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITLeases
import KITTestSupport
import Testing

enum LeaseTestPaths {
    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kit-leases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A process the tests start, watch and stop by PID. Its stdin stays open for its lifetime; closing it is the
/// polite stop (the lease probe releases and exits). SIGKILL is the rude one:
/// SIGTERM would not do, children of the test process inherit a mask that blocks it.
final class TestProcess: @unchecked Sendable {
    // @unchecked: all properties are set in `init`; `Process` is only queried and signalled afterwards.
    let process: Process
    private let input = Pipe()
    let outputFile: URL

    init(_ executable: URL, _ arguments: [String], outputFile: URL) throws {
        self.outputFile = outputFile
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = input
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

    /// Closes stdin and waits (bounded) for the exit; SIGKILL if it does not come. Returns the exit status.
    @discardableResult
    func closeInputAndWait(timeout: Duration = .seconds(30)) async -> Int32 {
        try? input.fileHandleForWriting.close()
        let end = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
    }
}

/// The lease tests' moto clients: KITTestSupport's one moto server for the whole test process.
enum Moto {
    static let credentials = StaticCredentialProvider(
        Credentials(accessKeyId: "testing", secretAccessKey: "testing", sessionToken: "testing"))

    static func dynamoDB(transport: any HTTPExecuting, retry: AWSRetryPolicy = .default) async throws
        -> DynamoDBClient
    {
        DynamoDBClient(
            client: AWSClient(
                service: .dynamoDB, region: "us-east-1",
                endpoint: try AWSEndpoint(url: try await MotoServer.shared.endpoint()),
                credentialProvider: credentials, transport: transport,
                configuration: AWSClient.Configuration(retry: retry, timeout: .seconds(60))))
    }

    static func uniqueTable() -> String { "leases-\(UUID().uuidString.prefix(8).lowercased())" }
}

/// Runs `body` with a fresh libcurl client, shut down afterwards.
func withHTTP<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let http = try HTTPClient()
    do {
        let result = try await body(http)
        await http.shutdown()
        return result
    } catch {
        await http.shutdown()
        throw error
    }
}

/// The two real stores the contract runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, dynamoDB
    var testDescription: String { rawValue }

    /// A fresh, prepared store (its own SQLite file or DynamoDB table) passed to `body`.
    func withStore(_ body: (any LeaseStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let directory = try LeaseTestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = SQLiteLeaseStore(path: directory.appendingPathComponent("leases.sqlite").path)
            try await store.prepare()
            try await body(store)
        case .dynamoDB:
            try await withHTTP { http in
                let store = DynamoDBLeaseStore(
                    client: try await Moto.dynamoDB(transport: http), table: Moto.uniqueTable())
                try await store.prepare()
                try await body(store)
            }
        }
    }
}
