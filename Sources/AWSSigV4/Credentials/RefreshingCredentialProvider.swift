import AWSCore
import Foundation

/// Caches temporary credentials and renews them before they expire, so a long-running process never signs with
/// expired credentials and never makes callers wait for a renewal while the old credentials are still good.
///
/// With `refreshAhead` = 5 min and `minimumValidity` = 15 s (the defaults), for credentials expiring at `E`:
/// - before `E − 5 min`: the cached credentials are returned;
/// - from `E − 5 min` to `E − 15 s`: the cached credentials are returned *and* one background renewal starts
///   (unless one is running, or the last one failed less than `retryInterval` ago); a failed renewal is
///   invisible to callers, the next call after `retryInterval` tries again;
/// - from `E − 15 s` on (or with nothing cached): callers wait for the renewal; if it fails while the cached
///   credentials have not actually expired yet, those are returned, otherwise the error is thrown.
///
/// Renewal is single-flight: concurrent callers share one call to the wrapped provider. The renewal task is owned
/// by this actor (stored, awaited by later callers, superseded by ``invalidate()``), never fire-and-forget;
/// every renewal is bounded by the wrapped provider's own timeouts.
/// Credentials without an expiration are cached for good. Time comes from the injected ``WallClock``.
public actor RefreshingCredentialProvider: CredentialProvider {
    private let base: any CredentialProvider
    private let clock: any WallClock
    public let refreshAhead: TimeInterval
    public let minimumValidity: TimeInterval
    public let retryInterval: TimeInterval

    private var cached: Credentials?
    private var renewal: Task<Credentials, any Error>?
    private var lastFailure: Date?
    /// Bumped by `invalidate()` so a renewal started before it cannot store its result after it.
    private var generation = 0
    private(set) var renewalCount = 0

    public init(
        wrapping base: any CredentialProvider, clock: any WallClock = SystemWallClock(),
        refreshAhead: TimeInterval = 300, minimumValidity: TimeInterval = 15,
        retryInterval: TimeInterval = 10
    ) {
        self.base = base
        self.clock = clock
        self.refreshAhead = refreshAhead
        self.minimumValidity = min(minimumValidity, refreshAhead)
        self.retryInterval = retryInterval
    }

    /// The standard chain (``CredentialProviderChain/standard(environment:httpClient:clock:)``), cached.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: any CredentialHTTPClient,
        clock: any WallClock = SystemWallClock()
    ) -> RefreshingCredentialProvider {
        RefreshingCredentialProvider(
            wrapping: CredentialProviderChain.standard(
                environment: environment, httpClient: httpClient, clock: clock),
            clock: clock)
    }

    public func credentials() async throws -> Credentials {
        let now = clock.now()
        if let cached {
            if cached.isValid(at: now, margin: refreshAhead) { return cached }
            if cached.isValid(at: now, margin: minimumValidity) {
                if renewal == nil, lastFailure.map({ now.timeIntervalSince($0) >= retryInterval }) ?? true {
                    _ = startRenewal()
                }
                return cached
            }
        }
        let task = renewal ?? startRenewal()
        do {
            let fresh = try await task.value
            guard fresh.isValid(at: clock.now()) else {
                throw CredentialsError(
                    .expired, provider: "refreshing", "the renewed credentials have already expired")
            }
            return fresh
        } catch {
            // A failed renewal is only the caller's problem once the credentials it holds are unusable.
            if let cached, cached.isValid(at: clock.now()) { return cached }
            throw error
        }
    }

    /// Forgets the cached credentials (e.g. after a service answered `ExpiredToken`); the next call renews.
    public func invalidate() {
        cached = nil
        lastFailure = nil
        // A renewal in flight is left to finish for the callers already waiting on it (cancelling it would hand
        // them a CancellationError); its result is no longer cached, and the next call starts a fresh one.
        renewal = nil
        generation += 1
    }

    private func startRenewal() -> Task<Credentials, any Error> {
        renewalCount += 1
        let base = self.base
        let generation = self.generation
        let task = Task {
            do {
                let credentials = try await base.credentials()
                self.finishRenewal(.success(credentials), generation: generation)
                return credentials
            } catch {
                self.finishRenewal(.failure(error), generation: generation)
                throw error
            }
        }
        renewal = task
        return task
    }

    private func finishRenewal(_ result: Result<Credentials, any Error>, generation: Int) {
        guard generation == self.generation else { return }
        renewal = nil
        switch result {
        case .success(let credentials):
            cached = credentials
            lastFailure = nil
        case .failure:
            lastFailure = clock.now()
        }
    }
}
