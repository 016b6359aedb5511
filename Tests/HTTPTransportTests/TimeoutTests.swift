import Foundation
import Testing

@testable import HTTPTransport
@testable import HTTPTransportCore

@Suite("Timeouts and deadlines", .timeLimit(.minutes(1)))
struct TimeoutTests {
    @Test func connectTimeout() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectTimeout = .milliseconds(300)
        try await withTestServer { server in
            try await withClient(configuration) { client in
                let start = ContinuousClock.now
                let error = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.blackholePort)/"))
                }
                let elapsed = ContinuousClock.now - start
                #expect(error?.code == .timedOut)
                #expect(error?.curlCode == 28)
                #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(10))
            }
        }
    }

    @Test func idleTimeoutOnAStalledBody() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.idleTimeout = .milliseconds(400)
        try await withTestServer { server in
            try await withClient(configuration) { client in
                let start = ContinuousClock.now
                let response = try await client.stream(HTTPRequest(url: server.url("/stall?secs=20")))
                var received = 0
                let error = await #expect(throws: HTTPError.self) {
                    for try await chunk in response.body { received += chunk.count }
                }
                #expect(error?.code == .timedOut)
                #expect(received == 10)
                #expect(ContinuousClock.now - start < .seconds(10))

                let buffered = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/stall?secs=20")))
                }
                #expect(buffered?.code == .timedOut)
                #expect(buffered?.message.contains("idle") == true)
            }
        }
    }

    @Test func callDeadlineBoundsTheWholeCall() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let start = ContinuousClock.now
                let error = await #expect(throws: HTTPError.self) {
                    try await client.execute(
                        HTTPRequest(url: server.url("/slow-headers?delay=20")),
                        deadline: .now + .milliseconds(300))
                }
                #expect(error?.code == .timedOut)
                #expect(error?.message.contains("deadline") == true)
                #expect(ContinuousClock.now - start < .seconds(10))

                let streamStart = ContinuousClock.now
                let streamError = await #expect(throws: HTTPError.self) {
                    try await client.stream(
                        HTTPRequest(url: server.url("/slow-headers?delay=20")),
                        deadline: .now + .milliseconds(300))
                }
                #expect(streamError?.code == .timedOut)
                #expect(ContinuousClock.now - streamStart < .seconds(10))
            }
        }
    }

    @Test func requestTimeoutFromConfiguration() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.requestTimeout = .milliseconds(300)
        try await withTestServer { server in
            try await withClient(configuration) { client in
                let start = ContinuousClock.now
                let error = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: server.url("/slow-headers?delay=20")))
                }
                #expect(error?.code == .timedOut)
                #expect(ContinuousClock.now - start < .seconds(10))
            }
        }
    }
}
