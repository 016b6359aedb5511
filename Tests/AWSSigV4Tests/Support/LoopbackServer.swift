import AWSSigV4
import Foundation
import KITTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real HTTP server on 127.0.0.1, port 0: Python's `http.server` answering from a route table, started per test
/// and stopped by its PID. It logs every request (method, path, headers, body) for the test to inspect through
/// `GET /__requests`.
final class LoopbackServer: @unchecked Sendable {
    // @unchecked: all properties are set in `init` and never mutated.
    struct Route: Codable {
        var method: String
        var path: String
        var status: Int
        var body: String
        /// Headers the request must carry (exact values), else `failStatus`.
        var requireHeaders: [String: String] = [:]
        var failStatus: Int = 401
    }

    struct LoggedRequest: Codable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    let port: Int
    private let process: Process

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(routes: [Route]) throws {
        let process = Process()
        process.executableURL = TestPaths.python
        process.arguments = ["-c", Self.script, String(decoding: try JSONEncoder().encode(routes), as: UTF8.self)]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        try process.run()
        // The script prints its port on the first line once it listens.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw ServerError(message: "loopback server did not report a port")
        }
        self.port = port
        self.process = process
    }

    /// Stops the server by its PID and waits for it to exit.
    func stop() {
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, SIGTERM) }
        // Children of Foundation's Process can inherit a mask that blocks SIGTERM; do not wait forever.
        let deadline = Date() + 2
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    func requests() async throws -> [LoggedRequest] {
        let response = try await URLSessionHTTPClient().send(
            CredentialHTTPRequest(method: "GET", url: baseURL + "/__requests"))
        return try JSONDecoder().decode([LoggedRequest].self, from: Data(response.body))
    }

    struct ServerError: Error {
        var message: String
    }

    static let script = #"""
        import json, signal, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        # Foundation may start us with SIGTERM blocked; the test stops us with it.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        routes = json.loads(sys.argv[1])
        log = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def answer(self, status, text):
                data = text.encode()
                self.send_response(status)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length).decode('utf-8', 'replace') if length else ''
                if self.path == '/__requests':
                    return self.answer(200, json.dumps(log))
                log.append({'method': self.command, 'path': self.path, 'body': body,
                            'headers': {k.lower(): v for k, v in self.headers.items()}})
                for route in routes:
                    if route['method'] == self.command and route['path'] == self.path:
                        required = route.get('requireHeaders') or {}
                        if all(self.headers.get(k) == v for k, v in required.items()):
                            return self.answer(route['status'], route['body'])
                        return self.answer(route.get('failStatus', 401), '')
                return self.answer(404, '')

            do_GET = do_PUT = do_POST = handle_any

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}

/// Runs `body` with a started server, stopping it however `body` ends.
func withLoopbackServer<T>(
    _ routes: [LoopbackServer.Route], _ body: (LoopbackServer) async throws -> T
) async throws -> T {
    let server = try LoopbackServer(routes: routes)
    defer { server.stop() }
    return try await body(server)
}

/// `CredentialHTTPClient` over Foundation's URLSession, for tests only (the product plugs in the libcurl
/// transport).
struct URLSessionHTTPClient: CredentialHTTPClient {
    func send(_ request: CredentialHTTPRequest) async throws -> CredentialHTTPResponse {
        guard let url = URL(string: request.url) else { throw URLError(.badURL) }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval =
            Double(request.timeout.components.seconds) + Double(request.timeout.components.attoseconds) / 1e18
        for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: urlRequest) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    continuation.resume(returning: CredentialHTTPResponse(status: status, body: Array(data ?? Data())))
                }
            }.resume()
        }
    }
}
