import AWSSigV4
import Foundation
import Testing

@Suite("RefreshingCredentialProvider")
struct RefreshingCredentialProviderTests {
    @Test("concurrent first callers share one call to the wrapped provider")
    func singleFlight() async throws {
        let clock = ManualClock()
        let base = ScriptedProvider(clock: clock) { call, now in temporaryCredentials(call, now: now) }
        await base.closeGate()
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock)

        let results = try await withThrowingTaskGroup(of: Credentials.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.credentials() } }
            // Hold the renewal until every caller is queued behind it.
            while await base.waiting == 0 { await Task.yield() }
            for _ in 0..<20 { await Task.yield() }
            await base.openGate()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(Set(results.map(\.accessKeyId)) == ["ASIA1"])
        #expect(await base.calls == 1)
    }

    @Test("inside the refresh window the old credentials come back at once while one renewal runs")
    func backgroundRenewal() async throws {
        let clock = ManualClock()
        let base = ScriptedProvider(clock: clock) { call, now in temporaryCredentials(call, now: now) }
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock)
        let first = try await provider.credentials()
        #expect(first.accessKeyId == "ASIA1")

        clock.advance(by: 3600 - 200)  // 200 s left: inside the 5-minute window
        await base.closeGate()
        let during = try await provider.credentials()
        #expect(during.accessKeyId == "ASIA1", "must not wait for the renewal")
        while await base.waiting == 0 { await Task.yield() }
        #expect(try await provider.credentials().accessKeyId == "ASIA1")  // still one renewal in flight
        #expect(await base.calls == 2)
        await base.openGate()

        var renewed = try await provider.credentials()
        for _ in 0..<1000 where renewed.accessKeyId == "ASIA1" {
            await Task.yield()
            renewed = try await provider.credentials()
        }
        #expect(renewed.accessKeyId == "ASIA2")
        #expect(await base.calls == 2)
    }

    @Test("a failed renewal while the cached credentials are valid is not an error, and is retried later")
    func failedRenewalWithValidCredentials() async throws {
        let clock = ManualClock()
        let failing = FailSwitch()
        let base = ScriptedProvider(clock: clock) { call, now in
            if failing.isOn { throw FakeFailure() }
            return temporaryCredentials(call, now: now)
        }
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock, retryInterval: 10)
        _ = try await provider.credentials()
        failing.isOn = true

        clock.advance(by: 3600 - 120)  // refresh window: background renewal fails
        #expect(try await provider.credentials().accessKeyId == "ASIA1")
        while await base.calls < 2 { await Task.yield() }
        try await settle(provider)
        #expect(try await provider.credentials().accessKeyId == "ASIA1")
        #expect(await base.calls == 2, "no retry before retryInterval")

        clock.advance(by: 11)
        #expect(try await provider.credentials().accessKeyId == "ASIA1")
        while await base.calls < 3 { await Task.yield() }

        clock.set(clock.now() + (120 - 11 - 5))  // 5 s left: callers now wait for the renewal, which fails
        try await settle(provider)
        let lastMoment = try await provider.credentials()
        #expect(lastMoment.accessKeyId == "ASIA1", "still valid, so the failure is swallowed")

        clock.advance(by: 6)  // expired
        await #expect(throws: FakeFailure.self) { try await provider.credentials() }

        failing.isOn = false
        #expect(try await provider.credentials().accessKeyId.hasPrefix("ASIA"))
    }

    @Test("a day of use with flaky renewals never hands out expired credentials")
    func longLivedUse() async throws {
        let clock = ManualClock()
        // Two renewals out of three fail; each success lasts an hour.
        let base = ScriptedProvider(clock: clock) { call, now in
            if call > 1, call % 3 != 0 { throw FakeFailure() }
            return temporaryCredentials(call, now: now)
        }
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock)
        var rng = SplitMix64(seed: 42)
        var distinct = Set<String>()
        var failures = 0
        let end = clock.now() + 24 * 3600
        while clock.now() < end {
            clock.advance(by: TimeInterval(Int.random(in: 0...20, using: &rng)))
            // The manual clock outruns the background renewal when the machine is busy: a call may then find
            // nothing valid cached and see a (scripted) renewal failure. That is allowed; expired credentials never.
            do {
                let credentials = try await provider.credentials()
                let now = clock.now()
                #expect(credentials.expiration.map { $0 > now } == true, "expired credentials at \(now)")
                distinct.insert(credentials.accessKeyId)
            } catch is FakeFailure {
                failures += 1
            }
            await Task.yield()
        }
        #expect(distinct.count >= 20, "renewed roughly hourly: \(distinct.count)")
        #expect(failures < 200, "failures surface only when nothing valid is cached: \(failures)")
    }

    @Test("credentials without expiration are fetched once; invalidate forces a new fetch")
    func staticAndInvalidate() async throws {
        let clock = ManualClock()
        let base = ScriptedProvider(clock: clock) { call, _ in
            Credentials(accessKeyId: "AKID\(call)", secretAccessKey: "s")
        }
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock)
        for _ in 0..<10 {
            clock.advance(by: 86_400)
            #expect(try await provider.credentials().accessKeyId == "AKID1")
        }
        await provider.invalidate()
        #expect(try await provider.credentials().accessKeyId == "AKID2")
        #expect(await base.calls == 2)
    }

    @Test("invalidate while a renewal is in flight: its waiters still get an answer, its result is not cached")
    func invalidateDuringRenewal() async throws {
        let clock = ManualClock()
        let base = ScriptedProvider(clock: clock) { call, now in temporaryCredentials(call, now: now) }
        await base.closeGate()
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock)
        async let waiting = provider.credentials()
        while await base.waiting == 0 { await Task.yield() }
        await provider.invalidate()
        await base.openGate()
        #expect(try await waiting.accessKeyId == "ASIA1")
        #expect(try await provider.credentials().accessKeyId == "ASIA2", "the superseded result was not cached")
        #expect(await base.calls == 2)
    }

    @Test("renewed credentials that are already expired are an error, not a silent success")
    func renewedButExpired() async throws {
        let clock = ManualClock()
        let base = ScriptedProvider(clock: clock) { call, now in temporaryCredentials(call, now: now, lifetime: -1) }
        let provider = RefreshingCredentialProvider(wrapping: base, clock: clock)
        let error = await #expect(throws: CredentialsError.self) { try await provider.credentials() }
        #expect(error?.code == .expired)
    }

    /// Lets a renewal the provider started finish (its task runs on the actor).
    private func settle(_ provider: RefreshingCredentialProvider) async throws {
        for _ in 0..<200 { await Task.yield() }
    }
}

/// A flag the scripted provider reads; flipped by the test.
final class FailSwitch: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false
    var isOn: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
