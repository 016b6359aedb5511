import HTTPTransportCore

/// Work handed to the loop thread through its inbox.
enum LoopCommand: Sendable {
    case start(TransferSpec)
    case resumeReceive(UInt64)
    case resumeSend(UInt64)
    case cancel(UInt64, HTTPError)
}

/// Everything the loop needs to start one transfer; built on the caller's task, consumed on the loop thread.
struct TransferSpec: Sendable {
    enum Sink: Sendable {
        case buffered(BufferedExchange, maxBodyBytes: Int)
        case streaming(StreamingExchange)
    }

    let id: UInt64
    let request: HTTPRequest
    let sink: Sink
    let deadline: ContinuousClock.Instant?

    /// Fails the exchange without ever starting it (setup error, shutdown).
    func fail(_ error: HTTPError) {
        switch sink {
        case .buffered(let exchange, _): exchange.complete(.failure(error))
        case .streaming(let exchange): exchange.complete(error)
        }
        if case .stream(let upload) = request.body.storage { upload.detach(error) }
    }
}
