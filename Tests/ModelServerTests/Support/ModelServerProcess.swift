import Foundation
import KITTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Paths of the repository, the model server and its venv, found from this file's path so the tests run the same
/// from any working directory.
enum ModelPaths {
    static let packageRoot = TestPaths.packageRoot

    /// `$KIT_MODEL_VENV`, else `<root>/.venv-model` (made by scripts/setup-model.sh).
    static var venv: URL {
        ProcessInfo.processInfo.environment["KIT_MODEL_VENV"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".venv-model", isDirectory: true)
    }

    static var python: URL { venv.appendingPathComponent("bin/python") }
    static var server: URL { packageRoot.appendingPathComponent("examples/model-server/model_server.py") }

    static var haveVenv: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    /// The scikit-image wheel's sample photos: `<venv>/lib/python3.X/site-packages/skimage/data`.
    static func photoDirectory() throws -> URL {
        let lib = venv.appendingPathComponent("lib")
        for entry in try FileManager.default.contentsOfDirectory(atPath: lib.path) where entry.hasPrefix("python3") {
            let data = lib.appendingPathComponent("\(entry)/site-packages/skimage/data")
            if FileManager.default.fileExists(atPath: data.appendingPathComponent("astronaut.png").path) {
                return data
            }
        }
        throw TestFailure("no skimage/data in \(venv.path): run scripts/setup-model.sh")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The model server (examples/model-server/model_server.py) as a child process on 127.0.0.1 with an OS-chosen free
/// port. It is started with `--exit-when-stdin-closes`, so closing its stdin ends it even if a test crashes;
/// ``stop()`` does that and then sends SIGKILL by PID if it is still running (SIGTERM would not do: children of
/// the test process inherit a signal mask that blocks it).
final class ModelServerProcess: @unchecked Sendable {
    // @unchecked: every property is set in `init` and never reassigned; `Process` is only touched to stop it.
    let process: Process
    let baseURL: URL
    let logFile: URL
    private let stdin: Pipe

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Starts the server and waits (up to `timeout`) until `GET /ping` answers 200.
    init(workers: Int = 2, extraArguments: [String] = [], timeout: Duration = .seconds(120)) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process = Process()
        process.executableURL = ModelPaths.python
        process.arguments =
            [
                ModelPaths.server.path, "--bind", "127.0.0.1", "--port", "0", "--workers", String(workers),
                "--exit-when-stdin-closes",
            ] + extraArguments
        // No __pycache__ left in examples/model-server by test runs.
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONDONTWRITEBYTECODE": "1"]) { $1 }
        stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()

        let end = ContinuousClock.now + timeout
        var found: URL?
        while ContinuousClock.now < end, found == nil {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { found = URL(string: "http://127.0.0.1:\(port)") }
            }
            if found == nil {
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard let url = found else {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            Self.kill(process, stdin)
            throw TestFailure("model server did not start within \(timeout): \(text.suffix(3000))")
        }
        baseURL = url
        // Listening comes after the model is loaded, but check the contract's readiness probe anyway.
        while ContinuousClock.now < end {
            if let (status, _) = try? await HTTP.send(baseURL.appendingPathComponent("ping")), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Self.kill(process, stdin)
        throw TestFailure("GET /ping did not answer 200 within \(timeout)")
    }

    func stop() {
        Self.kill(process, stdin)
        try? FileManager.default.removeItem(at: logFile.deletingLastPathComponent())
    }

    private static func kill(_ process: Process, _ stdin: Pipe) {
        try? stdin.fileHandleForWriting.close()
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// One shared server for the whole suite, stopped by ``ModelServerTrait`` when the suite ends.
actor SharedModelServer {
    static let shared = SharedModelServer()
    private var starting: Task<ModelServerProcess, any Error>?

    func server() async throws -> ModelServerProcess {
        let task = starting ?? Task { try await ModelServerProcess() }
        starting = task
        return try await task.value
    }

    func stop() async {
        if let task = starting, let server = try? await task.value { server.stop() }
        starting = nil
    }
}

struct ModelServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        do {
            try await function()
        } catch {
            await SharedModelServer.shared.stop()
            throw error
        }
        await SharedModelServer.shared.stop()
    }
}

extension Trait where Self == ModelServerTrait {
    static var modelServer: Self { Self() }
}

/// Minimal HTTP over URLSession: one request, status and body back.
enum HTTP {
    static func send(
        _ url: URL, method: String = "GET", body: Data? = nil, headers: [String: String] = [:],
        timeout: TimeInterval = 60
    ) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response") }
        return (http.statusCode, data)
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        return URLSession(configuration: configuration)
    }()
}
