import Foundation
import Testing

@testable import HTTPTransport
@testable import HTTPTransportCore

/// Records the backoff sleeps instead of sleeping.
actor SleepRecorder {
    private(set) var delays: [Duration] = []
    func record(_ delay: Duration) { delays.append(delay) }
}

@Suite("Retries", .timeLimit(.minutes(1)))
struct RetryTests {
    private func retrying(
        _ client: HTTPClient, _ recorder: SleepRecorder,
        policy: RetryPolicy = RetryPolicy(maxAttempts: 4),
        unitRandom: @escaping @Sendable () -> Double = { 0.5 }
    ) -> RetryingHTTPClient<HTTPClient> {
        RetryingHTTPClient(
            base: client, policy: policy, unitRandom: unitRandom, sleep: { await recorder.record($0) })
    }

    @Test func retriesA503ThenSucceedsWithFullJitterBackoff() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let response = try await retrying(client, recorder).execute(
                    HTTPRequest(url: server.url("/flaky?key=a&fail=2")))
                #expect(response.status == 200)
                #expect(response.body == Array("ok after 3".utf8))
                // Ceilings 100 ms and 200 ms, times the injected random 0.5.
                #expect(await recorder.delays == [.milliseconds(50), .milliseconds(100)])
            }
            #expect(try await server.stats().counters["a"] == 3)
        }
    }

    @Test func exhaustedRetriesReturnTheLastResponse() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let response = try await retrying(client, recorder, policy: RetryPolicy(maxAttempts: 3))
                    .execute(
                        HTTPRequest(url: server.url("/flaky?key=b&fail=10")))
                #expect(response.status == 503)
                #expect(await recorder.delays.count == 2)
            }
            #expect(try await server.stats().counters["b"] == 3)
        }
    }

    @Test func neverReplaysAStreamingBody() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let (body, writer) = HTTPRequestBody.makeStream()
                try await writer.write(Array("fragment".utf8))
                writer.finish()
                let response = try await retrying(client, recorder).execute(
                    HTTPRequest(
                        method: .put, url: server.url("/flaky?key=c&fail=1"), body: body, isIdempotent: true))
                #expect(response.status == 503)
                #expect(await recorder.delays.isEmpty)
            }
            #expect(try await server.stats().counters["c"] == 1)
        }
    }

    @Test func retriesOnlyIdempotentOrMarkedRequests() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let client = retrying(client, recorder)
                let post = try await client.execute(
                    HTTPRequest(method: .post, url: server.url("/flaky?key=d&fail=1"), body: .string("x")))
                #expect(post.status == 503)
                let marked = try await client.execute(
                    HTTPRequest(
                        method: .post, url: server.url("/flaky?key=e&fail=1"), body: .string("x"),
                        isIdempotent: true))
                #expect(marked.status == 200)
            }
            let counters = try await server.stats().counters
            #expect(counters["d"] == 1)
            #expect(counters["e"] == 2)
        }
    }

    @Test func retriesThrottling400WhenTheCallerSaysSo() async throws {
        let policy = RetryPolicy(
            maxAttempts: 3,
            isThrottling: { head, body in
                head.status == 400
                    && (body.map { String(decoding: $0, as: UTF8.self).contains("ThrottlingException") }
                        ?? false)
            })
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let client = retrying(client, recorder, policy: policy)
                let throttled = try await client.execute(
                    HTTPRequest(url: server.url("/flaky?key=f&fail=1&status=400&body=ThrottlingException")))
                #expect(throttled.status == 200)
                let badRequest = try await client.execute(
                    HTTPRequest(url: server.url("/flaky?key=g&fail=1&status=400&body=ValidationException")))
                #expect(badRequest.status == 400)
            }
            let counters = try await server.stats().counters
            #expect(counters["f"] == 2)
            #expect(counters["g"] == 1)
        }
    }

    @Test func retriesStreamsUntilHeadersAreGood() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let response = try await retrying(client, recorder).stream(
                    HTTPRequest(url: server.url("/flaky?key=h&fail=2")))
                #expect(response.status == 200)
                #expect(try await response.body.collect(upTo: 1000) == Array("ok after 3".utf8))
            }
        }
    }

    @Test func retriesConnectFailuresThenThrowsTheLastError() async throws {
        let port = try closedPort()
        try await withClient { client in
            let recorder = SleepRecorder()
            let error = await #expect(throws: HTTPError.self) {
                try await retrying(client, recorder, policy: RetryPolicy(maxAttempts: 3)).execute(
                    HTTPRequest(url: "http://127.0.0.1:\(port)/"))
            }
            #expect(error?.code == .connectFailed)
            #expect(await recorder.delays.count == 2)
        }
    }

    @Test func doesNotSleepPastTheDeadline() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let recorder = SleepRecorder()
                let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(10))
                let response = try await retrying(client, recorder, policy: policy, unitRandom: { 0.99 })
                    .execute(
                        HTTPRequest(url: server.url("/flaky?key=i&fail=3")), deadline: .now + .seconds(2))
                #expect(response.status == 503)
                #expect(await recorder.delays.isEmpty)
            }
        }
    }

    @Test func cancellationDuringBackoffStops() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let retrying = RetryingHTTPClient(
                    base: client, policy: RetryPolicy(maxAttempts: 5),
                    sleep: { _ in throw CancellationError() })
                let error = await #expect(throws: HTTPError.self) {
                    try await retrying.execute(HTTPRequest(url: server.url("/flaky?key=j&fail=3")))
                }
                #expect(error?.code == .cancelled)
            }
            #expect(try await server.stats().counters["j"] == 1)
        }
    }
}

/// Scripted outcomes, for retry decisions that need no server.
actor ScriptedExecutor: HTTPExecuting {
    private var outcomes: [Result<HTTPResponse, HTTPError>]
    private(set) var calls = 0

    init(_ outcomes: [Result<HTTPResponse, HTTPError>]) { self.outcomes = outcomes }

    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPResponse
    {
        calls += 1
        guard !outcomes.isEmpty else {
            throw HTTPError(code: .internalError, message: "script exhausted")
        }
        return try outcomes.removeFirst().get()
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        throw HTTPError(code: .internalError, message: "not scripted")
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func backoffCeilingsDoubleUpToTheMaximum() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(
            (1...6).map(policy.backoffCeiling) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
                .seconds(1),
            ])
        #expect(policy.delay(retry: 3, unitRandom: 0) == .zero)
        #expect(policy.delay(retry: 3, unitRandom: 0.25) == .milliseconds(100))
        #expect(policy.backoffCeiling(retry: 500) == .seconds(1))
    }

    @Test func classification() {
        let policy = RetryPolicy()
        for status in [429, 500, 502, 503, 504] {
            #expect(policy.shouldRetry(HTTPResponseHead(status: status), body: nil))
        }
        for status in [200, 400, 403, 404, 501] {
            #expect(!policy.shouldRetry(HTTPResponseHead(status: status), body: nil))
        }
        #expect(policy.shouldRetry(HTTPError(code: .timedOut, message: "")))
        #expect(policy.shouldRetry(HTTPError(code: .connectionLost, message: "")))
        #expect(!policy.shouldRetry(HTTPError(code: .cancelled, message: "")))
        #expect(!policy.shouldRetry(HTTPError(code: .tls, message: "")))
        #expect(!policy.shouldRetry(HTTPError(code: .bodyTooLarge, message: "")))
    }

    @Test func retriesTimeoutsFromAnyExecutor() async throws {
        let ok = HTTPResponse(head: HTTPResponseHead(status: 200))
        let executor = ScriptedExecutor([
            .failure(HTTPError(code: .timedOut, message: "idle")),
            .failure(HTTPError(code: .connectionLost, message: "reset")), .success(ok),
        ])
        let client = RetryingHTTPClient(base: executor, sleep: { _ in })
        let response = try await client.execute(HTTPRequest(url: "http://example.invalid/"))
        #expect(response == ok)
        #expect(await executor.calls == 3)
    }
}
