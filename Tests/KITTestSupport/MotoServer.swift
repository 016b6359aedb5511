import Foundation

/// One moto server (`moto.server.main`) per test process: started on first use on 127.0.0.1 with an OS-chosen port,
/// shared by every test that needs DynamoDB, Kinesis, S3 or CloudWatch (each uses its own names). It exits when its
/// stdin closes — when the test process ends, however it ends.
public actor MotoServer {
    public static let shared = MotoServer()

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
    public func endpoint() async throws -> String {
        if let url { return url }
        let task =
            starting
            ?? Task {
                let child = try ChildProcess(
                    pythonScript: Self.script, arguments: ["-H", "127.0.0.1", "-p", "0"], label: "moto")
                do {
                    var url = ""
                    try await waitUntil(timeout: .seconds(180), "moto to start") {
                        let log = child.stderrText + child.stdoutText
                        if let range = log.range(of: "Running on http://127.0.0.1:") {
                            let digits = log[range.upperBound...].prefix { $0.isNumber }
                            if let port = Int(digits) {
                                url = "http://127.0.0.1:\(port)"
                                return true
                            }
                        }
                        guard child.isRunning else { throw TestFailure("moto exited: \(log.suffix(2000))") }
                        return false
                    }
                    return (child, url)
                } catch {
                    child.stop()
                    throw error
                }
            }
        starting = task
        let (child, url) = try await task.value
        self.child = child
        self.url = url
        return url
    }

    /// Environment for a client (boto3, kithost) of this moto and a local KVS: dummy credentials, a region, and the
    /// endpoint overrides of every service the project calls.
    public static func clientEnvironment(moto: String, kvs: String? = nil, region: String = "us-east-1")
        -> [String: String]
    {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("AWS_") || key.hasPrefix("KIT_") { env[key] = nil }
        env["AWS_ACCESS_KEY_ID"] = "AKIDTEST"
        env["AWS_SECRET_ACCESS_KEY"] = "secret"
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_ENDPOINT_URL"] = moto
        if let kvs { env["AWS_ENDPOINT_URL_KINESIS_VIDEO"] = kvs }
        return env
    }
}
