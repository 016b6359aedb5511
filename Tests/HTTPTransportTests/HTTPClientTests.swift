import Foundation
import Testing

@testable import HTTPTransport
@testable import HTTPTransportCore

@Suite("HTTPClient against a loopback server", .timeLimit(.minutes(1)))
struct HTTPClientTests {
    @Test func getAndPostWithBodies() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let hello = try await client.execute(HTTPRequest(url: server.url("/hello")))
                #expect(hello.status == 200)
                #expect(hello.body == Array("hello".utf8))
                #expect(hello.headers["content-type"] == "text/plain")

                let payload = Array((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
                let post = try await client.execute(
                    HTTPRequest(
                        method: .post, url: server.url("/echo"), headers: ["X-Test": "abc"],
                        body: .bytes(payload)))
                #expect(post.status == 200)
                #expect(post.body == payload)
                #expect(post.headers["X-Method"] == "POST")
                #expect(post.headers["X-Echo-Header"] == "abc")
                // curl's form Content-Type and Expect: 100-continue are suppressed.
                #expect(post.headers["X-Content-Type"] == "<none>")
                #expect(post.headers["X-Expect"] == "<none>")

                let put = try await client.execute(
                    HTTPRequest(
                        method: .put, url: server.url("/echo"), headers: ["Content-Type": "application/json"],
                        body: .string("{}")))
                #expect(put.headers["X-Method"] == "PUT")
                #expect(put.headers["X-Content-Type"] == "application/json")
                #expect(put.body == Array("{}".utf8))

                let emptyPost = try await client.execute(
                    HTTPRequest(method: .post, url: server.url("/echo")))
                #expect(emptyPost.status == 200 && emptyPost.body.isEmpty)

                let delete = try await client.execute(
                    HTTPRequest(method: .delete, url: server.url("/echo")))
                #expect(delete.headers["X-Method"] == "DELETE")

                let head = try await client.execute(HTTPRequest(method: .head, url: server.url("/hello")))
                #expect(head.status == 200 && head.body.isEmpty)
                #expect(head.headers["Content-Length"] == "5")

                let missing = try await client.execute(HTTPRequest(url: server.url("/nope")))
                #expect(missing.status == 404)
            }
        }
    }

    @Test func keepAliveReusesOneConnection() async throws {
        try await withTestServer { server in
            try await withClient { client in
                for _ in 0..<5 {
                    let response = try await client.execute(HTTPRequest(url: server.url("/hello")))
                    #expect(response.status == 200)
                }
                let body = try await client.execute(
                    HTTPRequest(method: .post, url: server.url("/echo"), body: .bytes([1, 2, 3])))
                #expect(body.body == [1, 2, 3])
            }
            let stats = try await server.stats()
            // 6 requests on one pooled connection, plus the stats request on its own client.
            #expect(stats.requests == 7)
            #expect(stats.connections == 2)
        }
    }

    @Test func httpStatusErrorKeepsTheResponse() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let response = try await client.execute(
                    HTTPRequest(url: server.url("/status?code=400&type=ThrottlingException&body=slow%20down"))
                )
                #expect(response.status == 400)
                let error = #expect(throws: HTTPError.self) { try response.requireSuccess() }
                #expect(error?.code == .httpStatus)
                #expect(error?.status == 400)
                #expect(error?.response?.body == Array("slow down".utf8))
                #expect(error?.response?.headers["x-amzn-errortype"] == "ThrottlingException")
                #expect(error?.isRetryable == false)

                let streamed = try await client.stream(
                    HTTPRequest(url: server.url("/status?code=503&body=busy")))
                let streamError = await #expect(throws: HTTPError.self) {
                    try await streamed.requireSuccess()
                }
                #expect(streamError?.status == 503)
                #expect(streamError?.response?.body == Array("busy".utf8))
                #expect(streamError?.isRetryable == true)
            }
        }
    }

    @Test func bodyTooLargeIsATypedError() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.maxResponseBodyBytes = 1000
        try await withTestServer { server in
            try await withClient(configuration) { client in
                // Announced by Content-Length: refused at the headers.
                let error = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/zeros?bytes=5000")))
                }
                #expect(error?.code == .bodyTooLarge)
                // No length: refused once the bytes exceed the limit.
                let unbounded = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/infinite")))
                }
                #expect(unbounded?.code == .bodyTooLarge)
                // HEAD announces a length it does not send: not a body too large.
                let head = try await client.execute(
                    HTTPRequest(method: .head, url: server.url("/zeros?bytes=5000")))
                #expect(head.status == 200 && head.headers["Content-Length"] == "5000")
                // The client still works afterwards.
                let ok = try await client.execute(HTTPRequest(url: server.url("/hello")))
                #expect(ok.status == 200)
            }
        }
    }

    @Test func connectionRefusedIsConnectFailed() async throws {
        let port = try closedPort()
        try await withClient { client in
            let error = await #expect(throws: HTTPError.self) {
                try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
            }
            #expect(error?.code == .connectFailed)
            #expect(error?.curlCode == 7)
            #expect(error?.curlFunction != nil)
            #expect(error?.isRetryable == true)
        }
    }

    @Test func droppedConnectionMidBodyIsConnectionLost() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let buffered = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/drop?total=100000&send=1000")))
                }
                #expect(buffered?.code == .connectionLost)

                let response = try await client.stream(
                    HTTPRequest(url: server.url("/drop?total=100000&send=3000")))
                #expect(response.status == 200)
                var received = 0
                let error = await #expect(throws: HTTPError.self) {
                    for try await chunk in response.body { received += chunk.count }
                }
                #expect(error?.code == .connectionLost)
                #expect(received == 3000)
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func tlsVerificationIsOn() async throws {
        try await withTestServer(tls: true) { server in
            let tlsPort = try #require(server.tlsPort)
            try await withClient { client in
                // Not TLS at all on the other end.
                let plain = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: "https://127.0.0.1:\(server.port)/hello"))
                }
                #expect(plain?.code == .tls)
                // Self-signed: rejected by default.
                let untrusted = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: "https://127.0.0.1:\(tlsPort)/hello"))
                }
                #expect(untrusted?.code == .tls)
            }
            var trusting = HTTPClient.Configuration()
            trusting.caBundlePath = server.certificatePath
            try await withClient(trusting) { client in
                let response = try await client.execute(
                    HTTPRequest(url: "https://127.0.0.1:\(tlsPort)/hello"))
                #expect(response.body == Array("hello".utf8))
            }
        }
    }

    @Test func invalidRequestsAreRejectedBeforeCurl() async throws {
        try await withClient { client in
            let injected = await #expect(throws: HTTPError.self) {
                try await client.execute(
                    HTTPRequest(url: "http://127.0.0.1:1/", headers: ["X-Evil": "a\r\nInjected: yes"]))
            }
            #expect(injected?.code == .invalidRequest)
            let scheme = await #expect(throws: HTTPError.self) {
                try await client.execute(HTTPRequest(url: "file:///etc/passwd"))
            }
            #expect(scheme?.code == .invalidRequest)
        }
    }

    @Test func shutdownFailsInFlightAndLaterRequests() async throws {
        try await withTestServer { server in
            let client = try HTTPClient()
            let response = try await client.stream(HTTPRequest(url: server.url("/infinite")))
            await client.shutdown()
            let error = await #expect(throws: HTTPError.self) {
                for try await _ in response.body {}
            }
            #expect(error?.code == .shutdown)
            let later = await #expect(throws: HTTPError.self) {
                try await client.execute(HTTPRequest(url: server.url("/hello")))
            }
            #expect(later?.code == .shutdown)
        }
    }
}

/// A TCP port with nothing listening (bound, then closed).
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestServerError(message: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw TestServerError(message: "bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
