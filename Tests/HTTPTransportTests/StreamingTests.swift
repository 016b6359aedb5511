import Foundation
import Testing

@testable import HTTPTransport
@testable import HTTPTransportCore

@Suite("Streaming responses and uploads", .timeLimit(.minutes(1)))
struct StreamingTests {
    @Test func slowConsumerPausesTheTransfer() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.streamBufferCapacity = 1 << 20
        let total = 128 << 20
        try await withTestServer { server in
            try await withClient(configuration) { client in
                let response = try await client.stream(
                    HTTPRequest(url: server.url("/zeros?bytes=\(total)&chunk=65536&key=bp&sndbuf=65536")))
                var iterator = response.body.makeAsyncIterator()
                var received = try await iterator.next()?.count ?? 0
                // Stop reading. With back-pressure the server's writes block once our buffer and the socket
                // buffers are full: its sent-byte counter stops moving, far short of the total.
                // Sample until the counter holds still for 300 ms (bounded: the machine may be busy).
                var sentBefore = -1
                var sentAfter = try await server.stats().sent["bp"] ?? 0
                for _ in 0..<20 where sentBefore != sentAfter {
                    try await Task.sleep(for: .milliseconds(300))
                    sentBefore = sentAfter
                    sentAfter = try await server.stats().sent["bp"] ?? 0
                }
                #expect(sentBefore == sentAfter)
                // Measured: ~1.5 MB of 128 MB (1 MB in our buffer, the rest in socket buffers).
                #expect(sentAfter < total / 4)
                let paused = response.body.reader.exchange.bufferStatistics
                #expect(paused.pauseCount >= 1)
                #expect(paused.peakBufferedBytes <= configuration.streamBufferCapacity)

                while let chunk = try await iterator.next() { received += chunk.count }
                #expect(received == total)
                let final = response.body.reader.exchange.bufferStatistics
                #expect(final.peakBufferedBytes <= configuration.streamBufferCapacity)
            }
        }
    }

    @Test func idleClockStopsWhileConsumerIsSlow() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.streamBufferCapacity = 256 * 1024
        configuration.idleTimeout = .milliseconds(300)
        try await withTestServer { server in
            try await withClient(configuration) { client in
                let total = 16 << 20
                let response = try await client.stream(
                    HTTPRequest(url: server.url("/zeros?bytes=\(total)")))
                var iterator = response.body.makeAsyncIterator()
                var received = try await iterator.next()?.count ?? 0
                // Three idle timeouts long, but the transfer is paused by us, not idle on the network.
                try await Task.sleep(for: .milliseconds(900))
                while let chunk = try await iterator.next() { received += chunk.count }
                #expect(received == total)
            }
        }
    }

    /// Chunks are queued and handed over in batches on fast streams; a quiet socket must still hand over at once.
    @Test func slowStreamChunksArriveWithoutWaitingForMore() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let response = try await client.stream(HTTPRequest(url: server.url("/stall?secs=20")))
                let start = ContinuousClock.now
                var iterator = response.body.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first == Array(repeating: UInt8(ascii: "x"), count: 10))
                #expect(ContinuousClock.now - start < .seconds(10))
                response.body.cancel()
            }
        }
    }

    @Test func chunkedStreamingUpload() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let (body, writer) = HTTPRequestBody.makeStream(bufferCapacity: 64 * 1024)
                let chunks = (0..<20).map { index in [UInt8](repeating: UInt8(index + 1), count: 50_000) }
                let expectedSum = chunks.reduce(0) { $0 + $1.reduce(0) { $0 + Int($1) } }
                let response = try await withThrowingTaskGroup(of: HTTPResponse?.self) { group in
                    group.addTask {
                        for (index, chunk) in chunks.enumerated() {
                            try await writer.write(chunk)
                            // Gaps make curl's read callback find nothing and pause the upload.
                            if index % 5 == 0 { try await Task.sleep(for: .milliseconds(60)) }
                        }
                        writer.finish()
                        return nil
                    }
                    group.addTask {
                        try await client.execute(
                            HTTPRequest(method: .post, url: server.url("/upload"), body: body))
                    }
                    var result: HTTPResponse?
                    for try await case let response? in group { result = response }
                    return result
                }
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(response?.body ?? [])) as? [String: Any])
                #expect(json["bytes"] as? Int == 1_000_000)
                #expect(json["chunked"] as? Bool == true)
                #expect(json["sum"] as? Int == expectedSum)
            }
        }
    }

    /// PutMedia's shape: the response streams back while the request body is still being written.
    @Test func fullDuplexUploadAndResponse() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let (body, writer) = HTTPRequestBody.makeStream()
                let response = try await client.stream(
                    HTTPRequest(method: .post, url: server.url("/duplex"), body: body))
                #expect(response.status == 200)
                var iterator = response.body.makeAsyncIterator()
                var echoes: [String] = []
                for index in 0..<5 {
                    let message = Array("ping\(index)".utf8)
                    try await writer.write(message)
                    var echo: [UInt8] = []
                    for _ in 0..<100 where echo.count < message.count {
                        guard let chunk = try await iterator.next() else { break }
                        echo += chunk
                    }
                    echoes.append(String(decoding: echo, as: UTF8.self))
                }
                writer.finish()
                #expect(try await iterator.next() == nil)
                #expect(echoes == (0..<5).map { "ping\($0)" })
            }
        }
    }

    @Test func knownLengthStreamingUploadIsNotChunked() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let (body, writer) = HTTPRequestBody.makeStream(length: 3000)
                try await writer.write([UInt8](repeating: 1, count: 1000))
                try await writer.write([UInt8](repeating: 2, count: 2000))
                writer.finish()
                let response = try await client.execute(
                    HTTPRequest(method: .put, url: server.url("/upload"), body: body))
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
                #expect(json["bytes"] as? Int == 3000)
                #expect(json["chunked"] as? Bool == false)

                // The body was consumed: a second send is refused, not silently empty.
                let again = await #expect(throws: HTTPError.self) {
                    try await client.execute(
                        HTTPRequest(method: .put, url: server.url("/upload"), body: body))
                }
                #expect(again?.code == .bodyNotReplayable)
            }
        }
    }

    @Test func failingTheWriterAbortsTheRequest() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let (body, writer) = HTTPRequestBody.makeStream()
                try await writer.write([1, 2, 3])
                writer.fail("producer broke")
                let error = await #expect(throws: HTTPError.self) {
                    try await client.execute(
                        HTTPRequest(method: .post, url: server.url("/upload"), body: body))
                }
                #expect(error?.code == .cancelled)
                #expect(error?.message == "producer broke")
            }
        }
    }

    @Test func cancellingWhileWaitingForHeaders() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let start = ContinuousClock.now
                let error = await withTaskGroup(of: HTTPError?.self) { group in
                    group.addTask {
                        do {
                            _ = try await client.stream(HTTPRequest(url: server.url("/slow-headers?delay=20")))
                            return nil
                        } catch {
                            return error as? HTTPError
                        }
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                    group.cancelAll()
                    return await group.next() ?? nil
                }
                #expect(error?.code == .cancelled)
                #expect(ContinuousClock.now - start < .seconds(10))
            }
        }
    }

    @Test func cancellingTheReadingTaskStopsTheTransfer() async throws {
        try await withTestServer { server in
            try await withClient { client in
                let progress = Progress()
                let outcome = await withTaskGroup(of: (Int, HTTPError?).self) { group in
                    group.addTask {
                        var received = 0
                        do {
                            let response = try await client.stream(HTTPRequest(url: server.url("/infinite")))
                            for try await chunk in response.body {
                                received += chunk.count
                                await progress.add(chunk.count)
                            }
                            return (received, nil)
                        } catch {
                            return (received, error as? HTTPError)
                        }
                    }
                    // Cancel mid-body: once bytes are flowing (bounded wait, the machine may be busy).
                    for _ in 0..<500 where await progress.bytes < 100_000 {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    group.cancelAll()
                    return await group.next() ?? (0, nil)
                }
                #expect(outcome.0 > 0)
                #expect(outcome.1?.code == .cancelled)
                // The handle was removed, so the connection closed and the server's writes fail.
                let stats = try await server.waitForStats { $0.aborted >= 1 }
                #expect(stats.aborted == 1)
            }
        }
    }

    @Test func droppingTheBodyCancelsTheTransfer() async throws {
        try await withTestServer { server in
            try await withClient { client in
                try await readOneChunkAndDrop(client, server.url("/infinite"))
                let stats = try await server.waitForStats { $0.aborted >= 1 }
                #expect(stats.aborted == 1)
                // The client is fine afterwards.
                let response = try await client.execute(HTTPRequest(url: server.url("/hello")))
                #expect(response.status == 200)
            }
        }
    }

    private func readOneChunkAndDrop(_ client: HTTPClient, _ url: String) async throws {
        let response = try await client.stream(HTTPRequest(url: url))
        var iterator = response.body.makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first?.isEmpty == false)
    }

    @Test func twoHundredConcurrentStreamsOnOneClient() async throws {
        let streams = 200
        let size = 256 * 1024
        try await withTestServer { server in
            try await withClient { client in
                let total = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<streams {
                        group.addTask {
                            let response = try await client.stream(
                                HTTPRequest(
                                    url: server.url(
                                        "/zeros?bytes=\(size)&chunk=16384&barrier=\(streams)&key=c\(index)")))
                            var received = 0
                            for try await chunk in response.body { received += chunk.count }
                            return received
                        }
                    }
                    var total = 0
                    for try await received in group {
                        #expect(received == size)
                        total += received
                    }
                    return total
                }
                #expect(total == streams * size)
            }
            let stats = try await server.stats()
            // Every stream was open at the same time, each on its own connection, all driven by one thread.
            #expect(stats.max_active_streams == streams)
            #expect(stats.connections == streams + 1)
        }
    }
}

/// Bytes seen so far by a reading task, for tests that act once data is flowing.
actor Progress {
    private(set) var bytes = 0
    func add(_ count: Int) { bytes += count }
}
