import AWSSigV4
import Foundation
import HTTPTransport
import Testing

/// One moto server (`moto.server.main`, what `.venv/bin/moto_server` runs) for a whole test run: started on first
/// use on 127.0.0.1 with an OS-chosen port, shared by every moto test (each uses its own table, stream and bucket
/// names), stopped by PID when the suite carrying ``MotoServerTrait`` ends. A watchdog thread ends it if the test
/// process dies first.
actor MotoServer {
    static let shared = MotoServer()

    private var child: ChildProcess?
    private var starting: Task<(ChildProcess, String), any Error>?
    private var url: String?

    static let script = #"""
        import os, sys, threading
        def watch():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
        from moto.server import main
        main(sys.argv[1:])
        """#

    /// `http://127.0.0.1:PORT`, starting the server if needed.
    func endpoint() async throws -> String {
        if let url { return url }
        let task =
            starting
            ?? Task {
                let child = try ChildProcess(
                    pythonScript: Self.script, arguments: ["-H", "127.0.0.1", "-p", "0"], stderrFile: "moto.log")
                let end = ContinuousClock.now + .seconds(180)
                while ContinuousClock.now < end {
                    let log =
                        (try? String(
                            contentsOf: child.directory.appendingPathComponent("moto.log"), encoding: .utf8)) ?? ""
                    if let range = log.range(of: "Running on http://127.0.0.1:") {
                        let digits = log[range.upperBound...].prefix { $0.isNumber }
                        if let port = Int(digits) { return (child, "http://127.0.0.1:\(port)") }
                    }
                    guard child.process.isRunning else {
                        child.stop()
                        throw TestFailure("moto exited: \(log.suffix(2000))")
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                child.stop()
                throw TestFailure("moto did not start within 180 s")
            }
        starting = task
        let (child, url) = try await task.value
        self.child = child
        self.url = url
        return url
    }

    func stop() {
        child?.stop()
        child = nil
        url = nil
        starting = nil
    }
}

/// Stops the shared moto server once the suite it is attached to has finished.
struct MotoServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        do {
            try await function()
        } catch {
            await MotoServer.shared.stop()
            throw error
        }
        await MotoServer.shared.stop()
    }
}

extension Trait where Self == MotoServerTrait {
    static var motoServer: Self { Self() }
}
