import AWSSigV4
import Foundation

/// A wall clock the test moves by hand.
final class ManualClock: WallClock, @unchecked Sendable {
    // @unchecked: `current` is only touched under `lock`.
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = start }

    func now() -> Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
    func set(_ date: Date) { lock.withLock { current = date } }
}

/// A provider whose answers the test scripts: each call runs `answer(callNumber, now)`. Optionally every call
/// first waits at a gate the test opens, to hold a renewal in flight.
actor ScriptedProvider: CredentialProvider {
    private(set) var calls = 0
    private let answer: @Sendable (Int, Date) throws -> Credentials
    private let clock: any WallClock
    private var gateOpen = true
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(clock: any WallClock, answer: @escaping @Sendable (Int, Date) throws -> Credentials) {
        self.clock = clock
        self.answer = answer
    }

    func credentials() async throws -> Credentials {
        calls += 1
        let call = calls
        if !gateOpen { await withCheckedContinuation { waiters.append($0) } }
        return try answer(call, clock.now())
    }

    func closeGate() { gateOpen = false }

    func openGate() {
        gateOpen = true
        let pending = waiters
        waiters = []
        for waiter in pending { waiter.resume() }
    }

    var waiting: Int { waiters.count }
}

struct FakeFailure: Error, CustomStringConvertible {
    var description: String { "scripted failure" }
}

/// Temporary credentials valid for `lifetime` from `now`, numbered so tests can tell renewals apart.
func temporaryCredentials(_ number: Int, now: Date, lifetime: TimeInterval = 3600) -> Credentials {
    Credentials(
        accessKeyId: "ASIA\(number)", secretAccessKey: "secret-\(number)", sessionToken: "token-\(number)",
        expiration: now + lifetime)
}

/// An HTTP client that answers from a table and records what it was asked; for unit tests of providers.
actor FakeHTTPClient: CredentialHTTPClient {
    private(set) var requests: [CredentialHTTPRequest] = []
    private let handler: @Sendable (CredentialHTTPRequest) throws -> CredentialHTTPResponse

    init(handler: @escaping @Sendable (CredentialHTTPRequest) throws -> CredentialHTTPResponse) {
        self.handler = handler
    }

    func send(_ request: CredentialHTTPRequest) async throws -> CredentialHTTPResponse {
        requests.append(request)
        return try handler(request)
    }
}

/// A scratch directory removed by `cleanup()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}
