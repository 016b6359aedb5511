import CCurl
import HTTPTransportCore

/// One running transfer as the loop thread sees it: the easy handle, the header parser, the buffered body, the
/// timers and pause flags. Confined to the loop thread (not `Sendable`); curl's callbacks reach it through an
/// unretained pointer, valid because the loop keeps the object alive for as long as the handle is in the multi.
final class ActiveTransfer {
    let id: UInt64
    let easy: CurlEasy
    let spec: TransferSpec
    private let upload: UploadChannel?
    private let idleTimeout: Duration?
    private let handOffs: PendingHandOffs
    /// Already listed in `handOffs` for this loop iteration.
    var handOffPending = false
    private var headers = HeaderParser()
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    private(set) var lastActivity: ContinuousClock.Instant
    private(set) var receivePaused = false
    private(set) var sendPaused = false
    /// Why the loop or a callback stopped the transfer; takes precedence over curl's own result code.
    var abortReason: HTTPError?

    init(
        spec: TransferSpec, configuration: HTTPClient.Configuration, handOffs: PendingHandOffs,
        now: ContinuousClock.Instant
    ) throws(HTTPError) {
        id = spec.id
        self.handOffs = handOffs
        self.spec = spec
        easy = try CurlEasy()
        idleTimeout = configuration.idleTimeout
        lastActivity = now
        if case .stream(let channel) = spec.request.body.storage {
            upload = channel
        } else {
            upload = nil
        }
        try configure(configuration)
    }

    // MARK: setup

    private func configure(_ configuration: HTTPClient.Configuration) throws(HTTPError) {
        let request = spec.request
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_NOSIGNAL, true)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_HTTP_VERSION, Int(kit_curl_http_version_1_1()))
        try easy.set(CURLOPT_FOLLOWLOCATION, false)
        try easy.set(CURLOPT_SSL_VERIFYPEER, true)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundle = configuration.caBundlePath { try easy.set(CURLOPT_CAINFO, caBundle) }
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.milliseconds)
        try easy.set(CURLOPT_BUFFERSIZE, configuration.receiveBufferSize)
        if let keepAlive = configuration.tcpKeepAlive {
            let seconds = max(1, Int(keepAlive.components.seconds))
            try easy.set(CURLOPT_TCP_KEEPALIVE, true)
            try easy.set(CURLOPT_TCP_KEEPIDLE, seconds)
            try easy.set(CURLOPT_TCP_KEEPINTVL, seconds)
        }

        let me = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_HEADERDATA, pointer: me)
        try easy.set(
            CURLOPT_HEADERFUNCTION,
            writeFunction: { data, size, count, context in
                guard let context else { return 0 }
                let transfer = Unmanaged<ActiveTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            })
        try easy.set(CURLOPT_WRITEDATA, pointer: me)
        try easy.set(
            CURLOPT_WRITEFUNCTION,
            writeFunction: { data, size, count, context in
                guard let context else { return 0 }
                let transfer = Unmanaged<ActiveTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            })

        var lines: [String] = []
        for field in request.headers {
            lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        if let userAgent = configuration.userAgent, !request.headers.contains("User-Agent") {
            lines.append("User-Agent: \(userAgent)")
        }
        try configureMethodAndBody(request, headerLines: &lines)
        try easy.setHeaderLines(lines)
    }

    private func configureMethodAndBody(_ request: HTTPRequest, headerLines lines: inout [String])
        throws(HTTPError)
    {
        let method = request.method
        let sendsBody: Bool
        switch request.body.storage {
        case .none: sendsBody = [HTTPMethod.post, .put, .patch].contains(method)
        case .bytes, .stream: sendsBody = true
        }
        if method == .head {
            try easy.set(CURLOPT_NOBODY, true)
            return
        }
        guard sendsBody else {
            if method == .get {
                try easy.set(CURLOPT_HTTPGET, true)
            } else {
                try easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue)
            }
            return
        }
        // POST mechanics send a body with any method name (CUSTOMREQUEST only changes the request line).
        try easy.set(CURLOPT_POST, true)
        if method != .post { try easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue) }
        // curl would add "Content-Type: application/x-www-form-urlencoded" and "Expect: 100-continue" (a 1 s stall
        // against servers that ignore it); a bare "Name:" line removes a header curl adds.
        if !request.headers.contains("Content-Type") { lines.append("Content-Type:") }
        if !request.headers.contains("Expect") { lines.append("Expect:") }
        switch request.body.storage {
        case .none: try easy.setCopiedBody([])
        case .bytes(let bytes): try easy.setCopiedBody(bytes)
        case .stream(let channel):
            try easy.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
            try easy.set(
                CURLOPT_READFUNCTION,
                readFunction: { data, size, count, context in
                    guard let context, let data else { return kit_curl_readfunc_abort() }
                    let transfer = Unmanaged<ActiveTransfer>.fromOpaque(context).takeUnretainedValue()
                    return transfer.sendBody(UnsafeMutableRawBufferPointer(start: data, count: size * count))
                })
            if let length = channel.length {
                try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(length))
            } else {
                try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: -1)
                if !request.headers.contains("Transfer-Encoding") {
                    lines.append("Transfer-Encoding: chunked")
                }
            }
        }
    }

    // MARK: callbacks (loop thread, inside curl_multi_perform / curl_easy_pause)

    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = .now
        switch headers.consume(bytes) {
        case .none:
            return bytes.count
        case .malformed(let message):
            abortReason = HTTPError(code: .protocolError, message: message)
            return 0
        case .complete(let head):
            self.head = head
            switch spec.sink {
            case .buffered(_, let maxBodyBytes):
                // A HEAD response's Content-Length describes a body that is not sent (S3 HEAD of a large object).
                if spec.request.method != .head,
                    let length = head.headers["Content-Length"].flatMap(Int.init)
                {
                    guard length <= maxBodyBytes else {
                        abortReason = .bodyTooLarge(maxBodyBytes)
                        return 0
                    }
                    body.reserveCapacity(length)
                }
            case .streaming(let exchange):
                exchange.deliverHead(head)
            }
            return bytes.count
        }
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = .now
        switch spec.sink {
        case .buffered(_, let maxBodyBytes):
            guard body.count + bytes.count <= maxBodyBytes else {
                abortReason = .bodyTooLarge(maxBodyBytes)
                return 0
            }
            body.append(contentsOf: bytes)
            return bytes.count
        case .streaming(let exchange):
            switch exchange.receive(bytes) {
            case .consumed:
                return bytes.count
            case .consumedFlushPending:
                if !handOffPending {
                    handOffPending = true
                    handOffs.add(self)
                }
                return bytes.count
            case .pause:
                receivePaused = true
                return kit_curl_writefunc_pause()
            case .abort:
                if abortReason == nil { abortReason = .cancelled("response body cancelled") }
                return 0
            }
        }
    }

    private func sendBody(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let upload else { return 0 }
        switch upload.read(into: buffer) {
        case .bytes(let count):
            lastActivity = .now
            return count
        case .pause:
            sendPaused = true
            return kit_curl_readfunc_pause()
        case .endOfBody:
            return 0
        case .abort(let error):
            abortReason = error
            return kit_curl_readfunc_abort()
        }
    }

    // MARK: loop control

    /// Un-pauses one direction, keeping the other as it is. Callbacks run inside `curl_easy_pause` and may pause
    /// again at once, so the flag is cleared before the call.
    func resume(receive: Bool) throws(HTTPError) {
        if receive {
            guard receivePaused else { return }
            if case .streaming(let exchange) = spec.sink { exchange.resumeHandled() }
            receivePaused = false
        } else {
            guard sendPaused else { return }
            upload?.resumeHandled()
            sendPaused = false
        }
        lastActivity = .now
        var keepPaused: Int32 = 0
        if receivePaused { keepPaused |= kit_curlpause_recv() }
        if sendPaused { keepPaused |= kit_curlpause_send() }
        try easy.pause(keepPaused)
    }

    /// When this transfer's deadline or idle timeout is due. A paused transfer is waiting for our consumer or
    /// producer, not for the network, so the idle clock does not run while it is paused.
    var timerDue: ContinuousClock.Instant? {
        var due = spec.deadline
        if let idleTimeout, !receivePaused, !sendPaused {
            let idleDue = lastActivity + idleTimeout
            due = due.map { min($0, idleDue) } ?? idleDue
        }
        return due
    }

    func timeoutError(now: ContinuousClock.Instant) -> HTTPError {
        if let deadline = spec.deadline, deadline <= now {
            return .timedOut("deadline exceeded")
        }
        return .timedOut("idle timeout: no bytes for \(idleTimeout ?? .zero)")
    }

    /// Delivers the outcome to the waiting side. `error` is already resolved (abort reason or curl result).
    func complete(_ error: HTTPError?) {
        switch spec.sink {
        case .buffered(let exchange, _):
            if let error {
                exchange.complete(.failure(error))
            } else if let head {
                exchange.complete(.success(HTTPResponse(head: head, body: body)))
            } else {
                exchange.complete(
                    .failure(HTTPError(code: .protocolError, message: "response had no header block")))
            }
            body = []
        case .streaming(let exchange):
            exchange.complete(error)
        }
        upload?.detach(
            error
                ?? HTTPError(
                    code: .connectionLost,
                    message: "the exchange finished; the request body is no longer read"))
    }
}

/// Streaming transfers whose waiting consumer has queued bytes not yet handed over (see
/// ``StreamingExchange/receive(_:)``). Loop-thread only.
final class PendingHandOffs {
    private var transfers: [ActiveTransfer] = []
    /// When the oldest pending hand-off was queued.
    private(set) var since: ContinuousClock.Instant?

    var isEmpty: Bool { transfers.isEmpty }

    func add(_ transfer: ActiveTransfer) {
        transfers.append(transfer)
        if since == nil { since = .now }
    }

    func flushAll() {
        let pending = transfers
        transfers = []
        since = nil
        for transfer in pending {
            transfer.handOffPending = false
            if case .streaming(let exchange) = transfer.spec.sink { exchange.flush() }
        }
    }
}

extension HTTPError {
    static func bodyTooLarge(_ limit: Int) -> HTTPError {
        HTTPError(code: .bodyTooLarge, message: "response body exceeds \(limit) bytes")
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, for curl's `long` millisecond options.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
