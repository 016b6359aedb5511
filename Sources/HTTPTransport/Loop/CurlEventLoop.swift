import CCurl
import HTTPTransportCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The single thread that owns libcurl: it runs `curl_multi_poll` + `curl_multi_perform` for every transfer of
/// one ``HTTPClient``. Other threads talk to it only through a lock-protected inbox and `curl_multi_wakeup`,
/// so no curl call ever happens concurrently. Hundreds of long-lived streams cost one thread, not one each.
final class CurlEventLoop: Sendable {
    let configuration: HTTPClient.Configuration
    let logger: Logger
    private let multi: CurlMulti

    private enum Phase: Sendable { case running, stopping, stopped }

    private struct Inbox: Sendable {
        var commands: [LoopCommand] = []
        var phase = Phase.running
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        var nextID: UInt64 = 1
    }

    private let inbox = Mutex(Inbox())

    init(configuration: HTTPClient.Configuration, logger: Logger) throws(HTTPError) {
        self.configuration = configuration
        self.logger = logger
        multi = try CurlMulti(configuration: configuration)
        // The thread keeps the loop (and so the multi handle) alive until it has removed every transfer.
        try LoopThread.spawn(name: "kit-http-curl") { [self] in
            run()
        }
    }

    func makeTransferID() -> UInt64 {
        inbox.withLock { inbox in
            defer { inbox.nextID &+= 1 }
            return inbox.nextID
        }
    }

    /// Queues a command and wakes the loop. `false` once shutdown has begun (the command is dropped).
    @discardableResult
    func submit(_ command: LoopCommand) -> Bool {
        let accepted = inbox.withLock { inbox -> Bool in
            guard inbox.phase == .running else { return false }
            inbox.commands.append(command)
            return true
        }
        if accepted { multi.wakeup() }
        return accepted
    }

    /// Asks the loop to fail every transfer and exit, without waiting.
    func requestShutdown() {
        let wake = inbox.withLock { inbox -> Bool in
            guard inbox.phase == .running else { return false }
            inbox.phase = .stopping
            return true
        }
        if wake { multi.wakeup() }
    }

    /// Fails every transfer with ``HTTPError/Code/shutdown`` and returns once the loop thread has finished.
    func shutdown() async {
        requestShutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = inbox.withLock { inbox -> Bool in
                guard inbox.phase != .stopped else { return true }
                inbox.stopWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    // MARK: loop thread

    private func run() {
        let state = LoopState(multi: multi, configuration: configuration, logger: logger)
        logger.debug(
            "curl event loop started", metadata: ["curl": "\(String(cString: curl_version()))"])
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                defer { inbox.commands = [] }
                return (inbox.commands, inbox.phase != .running)
            }
            for command in commands { state.handle(command) }
            if stopping {
                state.removeAll(HTTPError.shutdown())
                break
            }
            state.performAndCollect()
            state.fireTimers(now: .now)
            state.poll(now: .now)
        }
        let waiters = inbox.withLock { inbox in
            inbox.phase = .stopped
            defer { inbox.stopWaiters = [] }
            return inbox.stopWaiters
        }
        logger.debug("curl event loop stopped")
        for waiter in waiters { waiter.resume() }
    }
}

/// The loop thread's own state, created on that thread and never shared.
private final class LoopState {
    private let multi: CurlMulti
    private let configuration: HTTPClient.Configuration
    private let logger: Logger
    private var transfers: [UInt64: ActiveTransfer] = [:]
    private var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]
    /// Earliest deadline/idle expiry among transfers (may be early, never late); `nil` when none has a timer.
    private var nextTimerDue: ContinuousClock.Instant?
    /// Upper bound on one poll, so a lost wakeup costs at most this long.
    private let maxPollMilliseconds: Int32 = 1000
    private let handOffs = PendingHandOffs()
    /// Longest a queued chunk waits for more data before its consumer is woken anyway.
    private let maxHandOffDelay = Duration.milliseconds(2)

    init(multi: CurlMulti, configuration: HTTPClient.Configuration, logger: Logger) {
        self.multi = multi
        self.configuration = configuration
        self.logger = logger
    }

    func handle(_ command: LoopCommand) {
        switch command {
        case .start(let spec):
            start(spec)
        case .resumeReceive(let id), .resumeSend(let id):
            guard let transfer = transfers[id] else { return }
            var receive = false
            if case .resumeReceive = command { receive = true }
            do throws(HTTPError) {
                try transfer.resume(receive: receive)
                noteTimer(transfer)
            } catch {
                transfer.abortReason = error
                finish(transfer, curlResult: nil)
            }
        case .cancel(let id, let error):
            guard let transfer = transfers[id] else { return }
            if transfer.abortReason == nil { transfer.abortReason = error }
            finish(transfer, curlResult: nil)
        }
    }

    private func start(_ spec: TransferSpec) {
        let now = ContinuousClock.now
        let transfer: ActiveTransfer
        do throws(HTTPError) {
            transfer = try ActiveTransfer(
                spec: spec, configuration: configuration, handOffs: handOffs, now: now)
            try multi.add(transfer.easy)
        } catch {
            logger.debug("transfer setup failed", metadata: ["id": "\(spec.id)", "error": "\(error)"])
            spec.fail(error)
            return
        }
        transfers[spec.id] = transfer
        idsByHandle[transfer.easy.handle] = spec.id
        if let due = transfer.timerDue { nextTimerDue = nextTimerDue.map { min($0, due) } ?? due }
        logger.trace(
            "transfer started",
            metadata: [
                "id": "\(spec.id)", "method": "\(spec.request.method)", "url": "\(spec.request.url)",
            ])
    }

    func performAndCollect() {
        do throws(HTTPError) {
            try multi.perform()
        } catch {
            logger.error("curl_multi_perform failed", metadata: ["error": "\(error)"])
        }
        while let (handle, result) = multi.nextFinished() {
            guard let id = idsByHandle[handle], let transfer = transfers[id] else { continue }
            finish(transfer, curlResult: result)
        }
    }

    func fireTimers(now: ContinuousClock.Instant) {
        guard let due = nextTimerDue, due <= now else { return }
        var next: ContinuousClock.Instant?
        var expired: [ActiveTransfer] = []
        for transfer in transfers.values {
            guard let due = transfer.timerDue else { continue }
            if due <= now {
                expired.append(transfer)
            } else {
                next = next.map { min($0, due) } ?? due
            }
        }
        nextTimerDue = next
        for transfer in expired {
            if transfer.abortReason == nil { transfer.abortReason = transfer.timeoutError(now: now) }
            finish(transfer, curlResult: nil)
        }
    }

    /// Sleeps until socket activity, a timer or a wakeup. Consumers waiting on queued bytes are woken first —
    /// unless more data is already readable, in which case the loop keeps reading so the hand-off carries more
    /// than one chunk (bounded by `maxHandOffDelay`).
    func poll(now: ContinuousClock.Instant) {
        if !handOffs.isEmpty {
            var ready = 0
            do throws(HTTPError) {
                ready = try multi.poll(timeoutMilliseconds: 0)
            } catch {
                logger.error("curl_multi_poll failed", metadata: ["error": "\(error)"])
            }
            let waited = handOffs.since.map { now - $0 } ?? .zero
            if ready > 0, waited < maxHandOffDelay { return }
            handOffs.flushAll()
            if ready > 0 { return }
        }
        var timeout = maxPollMilliseconds
        if let due = nextTimerDue {
            timeout = due <= now ? 0 : Int32(clamping: min(Int(timeout), (due - now).milliseconds))
        }
        do throws(HTTPError) {
            try multi.poll(timeoutMilliseconds: timeout)
        } catch {
            logger.error("curl_multi_poll failed", metadata: ["error": "\(error)"])
            usleep(10_000)  // never spin on a persistent failure
        }
    }

    /// A paused transfer's idle clock restarts on resume; make sure the timer scan runs by then.
    private func noteTimer(_ transfer: ActiveTransfer) {
        if let due = transfer.timerDue { nextTimerDue = nextTimerDue.map { min($0, due) } ?? due }
    }

    /// Removes the handle from the multi and delivers the outcome. `curlResult == nil` means we stopped it.
    private func finish(_ transfer: ActiveTransfer, curlResult: CURLcode?) {
        transfers[transfer.id] = nil
        idsByHandle[transfer.easy.handle] = nil
        do throws(HTTPError) {
            try multi.remove(transfer.easy)
        } catch {
            logger.warning(
                "curl_multi_remove_handle failed", metadata: ["id": "\(transfer.id)", "error": "\(error)"])
        }
        var outcome: HTTPError? = transfer.abortReason
        if outcome == nil, let curlResult {
            do throws(HTTPError) {
                try Curl.check(
                    curlResult, "curl_multi_perform (transfer)", detail: transfer.easy.errorDetail)
            } catch {
                outcome = error
            }
        }
        logger.trace(
            "transfer finished",
            metadata: ["id": "\(transfer.id)", "error": "\(outcome.map { "\($0)" } ?? "none")"])
        transfer.complete(outcome)
    }

    func removeAll(_ error: HTTPError) {
        for transfer in Array(transfers.values) {
            if transfer.abortReason == nil { transfer.abortReason = error }
            finish(transfer, curlResult: nil)
        }
    }
}
