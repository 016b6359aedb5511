import Testing

@testable import HTTPTransport
@testable import HTTPTransportCore

@Suite("Small parts")
struct UnitTests {
    private func feed(_ parser: inout HeaderParser, _ line: String) -> HeaderParser.Event {
        Array(line.utf8).withUnsafeBytes { parser.consume($0) }
    }

    @Test func headerParserSkipsInterimResponsesAndIgnoresTrailers() {
        var parser = HeaderParser()
        #expect(isNone(feed(&parser, "HTTP/1.1 100 Continue\r\n")))
        #expect(isNone(feed(&parser, "\r\n")))
        #expect(isNone(feed(&parser, "HTTP/1.1 200 OK\r\n")))
        #expect(isNone(feed(&parser, "Content-Type:  text/plain \r\n")))
        #expect(isNone(feed(&parser, "X-Multi: a\r\n")))
        #expect(isNone(feed(&parser, "X-Multi: b\r\n")))
        guard case .complete(let head) = feed(&parser, "\r\n") else {
            Issue.record("no head")
            return
        }
        #expect(head.status == 200)
        #expect(head.reason == "OK")
        #expect(head.headers["content-type"] == "text/plain")
        #expect(head.headers.values(for: "x-multi") == ["a", "b"])
        #expect(isNone(feed(&parser, "X-Trailer: t\r\n")))
    }

    @Test func headerParserRejectsGarbage() {
        var parser = HeaderParser()
        guard case .malformed = feed(&parser, "HTTP/1.1 abc\r\n") else {
            Issue.record("accepted a bad status line")
            return
        }
    }

    private func isNone(_ event: HeaderParser.Event) -> Bool {
        if case .none = event { return true }
        return false
    }

    @Test func headersAreOrderedAndCaseInsensitive() {
        var headers: HTTPHeaders = ["Host": "a", "X-Amz-Date": "1"]
        headers.add(name: "x-amz-date", value: "2")
        #expect(headers["X-AMZ-DATE"] == "1")
        #expect(headers.values(for: "X-Amz-Date") == ["1", "2"])
        headers.replaceOrAdd(name: "X-Amz-Date", value: "3")
        #expect(headers.fields.map(\.name) == ["Host", "X-Amz-Date"])
        #expect(!HTTPHeaders.sameName("abc", "abd"))
    }

    @Test func chunkQueueCopiesAcrossChunks() {
        var queue = ChunkQueue()
        queue.append([1, 2, 3])
        queue.append([4, 5])
        var out = [UInt8](repeating: 0, count: 4)
        let n = out.withUnsafeMutableBytes { queue.copyOut(into: $0) }
        #expect(n == 4 && out == [1, 2, 3, 4])
        #expect(queue.byteCount == 1)
        #expect(queue.popFirst() == [5])
        #expect(queue.isEmpty)
    }

    @Test func errorCodesAreOpaqueAndComparable() {
        let error = HTTPError(
            code: .httpStatus, message: "busy",
            response: HTTPResponse(head: HTTPResponseHead(status: 503)))
        #expect(error.code == .httpStatus)
        #expect(error.status == 503)
        #expect(error.isRetryable)
        #expect(HTTPError.Code.timedOut != .cancelled)
        #expect("\(HTTPError.Code.tls)" == "tls")
    }

    @Test func fixedStreamingResponseForFakes() async throws {
        let ok = HTTPStreamingResponse.fixed(
            head: HTTPResponseHead(status: 200), chunks: [[1, 2], [3]])
        #expect(try await ok.body.collect(upTo: 10) == [1, 2, 3])
        let broken = HTTPStreamingResponse.fixed(
            head: HTTPResponseHead(status: 200), chunks: [[1]],
            error: HTTPError(code: .connectionLost, message: "reset"))
        var received: [UInt8] = []
        let error = await #expect(throws: HTTPError.self) {
            for try await chunk in broken.body { received += chunk }
        }
        #expect(received == [1])
        #expect(error?.code == .connectionLost)
    }

    @Test func durationMilliseconds() {
        #expect(Duration.milliseconds(300).milliseconds == 300)
        #expect(Duration.seconds(2).milliseconds == 2000)
        #expect(Duration.microseconds(1).milliseconds == 1)
    }
}
