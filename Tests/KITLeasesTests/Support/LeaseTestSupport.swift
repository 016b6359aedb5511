import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITLeases
import Testing

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum LeaseTestPaths {
    /// `<root>/Tests/KITLeasesTests/Support/LeaseTestSupport.swift` → `<root>`.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var venv: URL {
        ProcessInfo.processInfo.environment["KIT_VENV"].map { URL(fileURLWithPath: $0) }
            ?? root.appendingPathComponent(".venv")
    }

    /// The `kithost` built beside the test bundle (`swift build --build-tests` builds it).
    static var kithost: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kithost")
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kit-leases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A process the tests start, watch and stop by PID. Its stdin stays open for its lifetime; closing it is the
/// polite stop (the lease probe releases and exits; the moto guard shell kills moto). SIGKILL is the rude one:
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

/// Waits until `condition` holds, polling, at most `timeout` (generous: the machine is shared and loaded).
func waitUntil(
    _ what: String, timeout: Duration = .seconds(120), every pause: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: pause)
    }
    if try await condition() { return }
    throw TestFailure("timed out after \(timeout) waiting for: \(what)")
}

/// One moto server for the test run, on 127.0.0.1 with an OS-chosen port. It runs under a guard shell that kills it
/// by PID when its stdin closes, so a crashed test run leaves no moto behind; the ``MotoTrait`` stops it when the
/// suite ends.
actor Moto {
    static let shared = Moto()
    private var server: (process: TestProcess, url: String)?
    private var starting: Task<(process: TestProcess, url: String), any Error>?

    static let credentials = StaticCredentialProvider(
        Credentials(accessKeyId: "testing", secretAccessKey: "testing", sessionToken: "testing"))

    /// `http://127.0.0.1:PORT`, starting the server on first use. Concurrent first callers share one start.
    func endpoint() async throws -> String {
        if let server { return server.url }
        let start = starting ?? Task { try await Self.start() }
        starting = start
        let started = try await start.value
        server = started
        return started.url
    }

    private static func start() async throws -> (process: TestProcess, url: String) {
        let directory = try LeaseTestPaths.temporaryDirectory()
        let moto = LeaseTestPaths.venv.appendingPathComponent("bin/moto_server").path
        guard FileManager.default.isExecutableFile(atPath: moto) else {
            throw TestFailure("no moto_server at \(moto): run scripts/setup.sh or set KIT_VENV")
        }
        // `cat` returns when our end of stdin closes (or this process dies); then the guard kills moto.
        let script = "\"$0\" -H 127.0.0.1 -p 0 & moto=$!; cat >/dev/null; kill -9 $moto"
        let process = try TestProcess(
            URL(fileURLWithPath: "/bin/sh"), ["-c", script, moto],
            outputFile: directory.appendingPathComponent("moto.log"))
        let end = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < end {
            let log = process.output
            if let range = log.range(of: "Running on http://127.0.0.1:"),
                let port = Int(log[range.upperBound...].prefix { $0.isNumber })
            {
                return (process, "http://127.0.0.1:\(port)")
            }
            guard process.process.isRunning else { throw TestFailure("moto exited: \(log.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
        await process.closeInputAndWait(timeout: .seconds(5))
        throw TestFailure("moto did not start within 180 s")
    }

    func stop() async {
        if let server {
            await server.process.closeInputAndWait(timeout: .seconds(5))
            try? FileManager.default.removeItem(at: server.process.outputFile.deletingLastPathComponent())
        }
        server = nil
        starting = nil
    }

    static func dynamoDB(transport: any HTTPExecuting, retry: AWSRetryPolicy = .default) async throws
        -> DynamoDBClient
    {
        DynamoDBClient(
            client: AWSClient(
                service: .dynamoDB, region: "us-east-1", endpoint: try AWSEndpoint(url: try await shared.endpoint()),
                credentialProvider: credentials, transport: transport,
                configuration: AWSClient.Configuration(retry: retry, timeout: .seconds(60))))
    }

    static func uniqueTable() -> String { "leases-\(UUID().uuidString.prefix(8).lowercased())" }
}

/// Stops the shared moto server when the suite it is attached to ends.
struct MotoTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        do {
            try await function()
        } catch {
            await Moto.shared.stop()
            throw error
        }
        await Moto.shared.stop()
    }
}

extension Trait where Self == MotoTrait {
    static var moto: Self { Self() }
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
