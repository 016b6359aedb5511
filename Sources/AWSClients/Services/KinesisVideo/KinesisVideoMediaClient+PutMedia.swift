import HTTPTransportCore

extension KinesisVideoMediaClient {
    /// Prepares a PutMedia session: write Matroska fragments with ``PutMediaSession/writer`` from one task and read
    /// ``PutMediaSession/acks`` from another — the first read of `acks` starts the exchange (the body goes chunked,
    /// as it is written). A session is never retried: its body is a stream.
    public func putMedia(_ input: PutMediaInput, deadline: ContinuousClock.Instant? = nil) -> PutMediaSession {
        let (body, writer) = HTTPRequestBody.makeStream(length: nil, bufferCapacity: input.bufferCapacity)
        var headers: HTTPHeaders = [
            "x-amzn-fragment-timecode-type": input.fragmentTimecodeType.rawValue,
            "x-amzn-producer-start-timestamp": PutMediaInput.timestampHeader(input.producerStartTimestamp),
            "x-amzn-fragment-acknowledgment-required": "1",
        ]
        if let name = input.stream.name { headers.add(name: "x-amzn-stream-name", value: name) }
        if let arn = input.stream.arn { headers.add(name: "x-amzn-stream-arn", value: arn) }
        // The body cannot be hashed before it is sent; the producer SDK signs the empty-string hash.
        let request = AWSRequest(
            operation: "KinesisVideoMedia.PutMedia", method: .post, path: "/putMedia", headers: headers,
            body: .stream(body), isIdempotent: false, payloadSigning: .emptyHash)
        return PutMediaSession(
            writer: PutMediaWriter(writer: writer),
            acks: PutMediaAckStream(client: client, request: request, deadline: deadline))
    }

    /// Sends every chunk of `fragments` (Matroska bytes, any chunking) on one PutMedia session while handing each
    /// acknowledgement to `onAck` as it arrives; returns when the service closes the response after the body
    /// ended. If `fragments` throws, the upload is aborted and the error is reported as
    /// ``AWSError/Code/invalidRequest``.
    public func putMedia<Fragments: AsyncSequence & Sendable>(
        _ input: PutMediaInput, fragments: Fragments, deadline: ContinuousClock.Instant? = nil,
        onAck: (PutMediaAck) async throws(AWSError) -> Void
    ) async throws(AWSError) where Fragments.Element == [UInt8] {
        let session = putMedia(input, deadline: deadline)
        let writer = session.writer
        let outcome: Result<Void, AWSError> = await withTaskGroup(of: AWSError?.self) { group in
            group.addTask {
                do {
                    for try await chunk in fragments { try await writer.write(chunk) }
                    writer.finish()
                    return nil
                } catch let error as AWSError {
                    writer.fail()
                    return error
                } catch {
                    writer.fail()
                    return AWSError(
                        .invalidRequest, operation: "KinesisVideoMedia.PutMedia", "the fragment source failed",
                        underlying: error)
                }
            }
            var ackFailure: AWSError?
            do throws(AWSError) {
                var acks = session.acks.makeAsyncIterator()
                while let ack = try await acks.next() { try await onAck(ack) }
            } catch {
                ackFailure = error
                writer.fail("acknowledgement stream ended")
            }
            let writeFailure = await group.next() ?? nil
            // The ack side's error explains a write failure (the exchange ended), so it wins.
            if let failure = ackFailure ?? writeFailure { return .failure(failure) }
            return .success(())
        }
        try outcome.get()
    }
}

/// The two halves of one PutMedia exchange.
public struct PutMediaSession: Sendable {
    public let writer: PutMediaWriter
    public let acks: PutMediaAckStream
}

/// Feeds the PutMedia body. `write` suspends while the upload buffer is full; ``finish()`` ends the body (the
/// service then sends its last acks and closes); ``fail(_:)`` aborts the exchange. One task at a time.
public struct PutMediaWriter: Sendable {
    let writer: HTTPBodyWriter

    public func write(_ bytes: [UInt8]) async throws(AWSError) {
        do {
            try await writer.write(bytes)
        } catch {
            throw AWSError.from(error, operation: "KinesisVideoMedia.PutMedia")
        }
    }

    public func finish() { writer.finish() }

    public func fail(_ reason: String = "PutMedia aborted by its writer") { writer.fail(reason) }
}

/// PutMedia acknowledgements in arrival order, parsed as their bytes come in (an ack split across chunks is
/// joined). Iterating starts the exchange; an HTTP error status is thrown as ``AWSError``; `ERROR` acks are
/// elements, not errors — the caller decides what a failed fragment means.
public struct PutMediaAckStream: AsyncSequence, Sendable {
    public typealias Element = PutMediaAck
    public typealias Failure = AWSError

    let client: AWSClient
    let request: AWSRequest
    let deadline: ContinuousClock.Instant?

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = PutMediaAck
        public typealias Failure = AWSError
        let stream: PutMediaAckStream
        var body: AWSByteStream.AsyncIterator?
        var parser = PutMediaAckParser()
        var pending: [PutMediaAck] = []
        var finished = false

        public mutating func next() async throws(AWSError) -> PutMediaAck? {
            while pending.isEmpty {
                guard !finished else { return nil }
                let chunk: [UInt8]?
                do throws(AWSError) {
                    if body == nil {
                        let response = try await stream.client.stream(stream.request, deadline: stream.deadline)
                        body = response.body.makeAsyncIterator()
                    }
                    chunk = try await body?.next()
                } catch {
                    // The body stream is spent: a second attempt could only fail with `bodyNotReplayable`.
                    finished = true
                    throw error
                }
                guard let chunk else {
                    finished = true
                    if parser.hasPartialAck {
                        throw AWSError(
                            .invalidResponse, operation: stream.request.operation,
                            "the acknowledgement stream ended inside an acknowledgement")
                    }
                    return nil
                }
                do {
                    pending = try parser.feed(chunk)
                } catch {
                    finished = true
                    throw AWSError(.invalidResponse, operation: stream.request.operation, error.description)
                }
            }
            return pending.removeFirst()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
