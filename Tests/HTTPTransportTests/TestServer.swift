import Foundation
import HTTPTransport
import KITTestSupport
import Testing

/// A real loopback HTTP/1.1 server (``TestServerScript``) in its own python3 process, on a port the OS picks.
/// Every test starts its own (so counters are per test) and stops it by PID via ``withTestServer(tls:_:)``.
final class TestServer: Sendable {
    let port: Int
    /// A listener whose accept queue is full: connecting to it times out.
    let blackholePort: Int
    /// HTTPS port with a self-signed certificate for 127.0.0.1, when started with `tls: true`.
    let tlsPort: Int?
    /// PEM of that certificate (its own CA).
    let certificatePath: String?
    let pid: Int32
    private let directory: URL

    var base: String { "http://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { base + path }

    private init(
        port: Int, blackholePort: Int, tlsPort: Int?, certificatePath: String?, pid: Int32,
        directory: URL
    ) {
        self.port = port
        self.blackholePort = blackholePort
        self.tlsPort = tlsPort
        self.certificatePath = certificatePath
        self.pid = pid
        self.directory = directory
    }

    static func start(tls: Bool = false) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kit-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("server.py")
        try TestServerScript.source.write(to: script, atomically: true, encoding: .utf8)
        let info = directory.appendingPathComponent("info.json")
        var arguments = [script.path, info.path]
        var certificatePath: String?
        if tls {
            let cert = directory.appendingPathComponent("cert.pem").path
            let key = directory.appendingPathComponent("key.pem").path
            try run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
                ])
            arguments += [cert, key]
            certificatePath = cert
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pythonPath())
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        // Bounded wait for the server to publish its ports.
        for _ in 0..<500 {
            if let data = try? Data(contentsOf: info),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Int],
                let port = json["port"], let blackhole = json["blackhole"]
            {
                return TestServer(
                    port: port, blackholePort: blackhole, tlsPort: json["tls"],
                    certificatePath: certificatePath,
                    pid: pid, directory: directory)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        throw TestServerError(message: "test server did not start")
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: directory)
    }

    struct Stats: Decodable {
        let connections: Int
        let requests: Int
        let aborted: Int
        let active_streams: Int
        let max_active_streams: Int
        let sent: [String: Int]
        let counters: [String: Int]
    }

    /// Server counters, fetched over a fresh connection (a client of its own, so it does not touch the pool
    /// under test). Note this request itself counts as one connection and one request.
    func stats() async throws -> Stats {
        let response = try await withClient { try await $0.execute(HTTPRequest(url: url("/stats"))) }
        return try JSONDecoder().decode(Stats.self, from: Data(response.body))
    }

    /// Polls `condition` on the stats every 50 ms for at most `timeout`.
    func waitForStats(timeout: Duration = .seconds(5), _ condition: (Stats) -> Bool) async throws
        -> Stats
    {
        let end = ContinuousClock.now + timeout
        var last = try await stats()
        while !condition(last), ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(50))
            last = try await stats()
        }
        return last
    }

    private static func pythonPath() -> String {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let venv = environment["KIT_VENV"] { candidates.append(venv + "/bin/python3") }
        candidates += [TestPaths.packageRoot.appendingPathComponent(".venv/bin/python3").path, "/usr/bin/python3"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/bin/python3"
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestServerError(message: "\(tool) exited with \(process.terminationStatus)")
        }
    }
}

struct TestServerError: Error {
    let message: String
}

/// Starts a server, runs `body`, and always stops the server (by PID) afterwards.
func withTestServer<R>(tls: Bool = false, _ body: (TestServer) async throws -> R) async throws -> R {
    let server = try await TestServer.start(tls: tls)
    defer { server.stop() }
    return try await body(server)
}

/// Runs `body` with a client and always shuts the client down afterwards.
func withClient<R>(
    _ configuration: HTTPClient.Configuration = HTTPClient.Configuration(),
    _ body: (HTTPClient) async throws -> R
) async throws -> R {
    let client = try HTTPClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}
