import AWSSigV4
import Foundation
import HTTPTransport
import KITTestSupport

/// A capturing loopback server (``CaptureServerScript``) on 127.0.0.1 with an OS-chosen port, one per test.
final class CaptureServer: Sendable {
    struct Response: Encodable, Sendable {
        var status = 200
        var headers: [String: String] = [:]
        var body: String?
        var bodyBase64: String?
        /// Base64 chunks, each sent as its own HTTP chunk.
        var chunks: [String]?
        var ackStream: Bool?
        var errorAck: Bool?

        static func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> Response {
            var merged = headers
            merged["Content-Type"] = merged["Content-Type"] ?? "application/x-amz-json-1.1"
            return Response(status: status, headers: merged, body: text)
        }
    }

    struct Route: Encodable, Sendable {
        var method: String?
        var path: String?
        var target: String?
        var responses: [Response]
    }

    struct Captured: Decodable, Sendable {
        var method: String
        /// Path and query as sent.
        var path: String
        var headers: [[String]]
        var body: String
        var chunks: Int

        var bodyBytes: [UInt8] { Array(Data(base64Encoded: body) ?? Data()) }

        func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
        }
    }

    let port: Int
    private let child: ChildProcess

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, child: ChildProcess) {
        self.port = port
        self.child = child
    }

    static func start(_ routes: [Route] = []) async throws -> CaptureServer {
        let config = try JSONEncoder().encode(["routes": routes])
        let child = try ChildProcess(
            pythonScript: CaptureServerScript.source, arguments: ["$DIR/config.json", "$DIR/log.jsonl", "$DIR/port"],
            files: ["config.json": config])
        let portText = try await child.waitForFile("port", timeout: .seconds(60))
        guard let port = Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            child.stop()
            throw TestFailure("capture server wrote no port")
        }
        return CaptureServer(port: port, child: child)
    }

    /// Every request received so far, in arrival order.
    func requests() throws -> [Captured] {
        let url = child.directory.appendingPathComponent("log.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Captured.self, from: Data($0.utf8)) }
    }

    func stop() { child.stop() }
}

/// Runs `body` with a started capture server, stopping it however `body` ends.
func withCaptureServer<T>(_ routes: [CaptureServer.Route] = [], _ body: (CaptureServer) async throws -> T)
    async throws -> T
{
    let server = try await CaptureServer.start(routes)
    defer { server.stop() }
    return try await body(server)
}
