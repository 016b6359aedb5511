import KITAsync
import Synchronization
import Testing

@Suite struct BackoffTests {
    @Test func fullJitterStaysUnderTheDoublingCeiling() {
        let fixed = Backoff(base: .milliseconds(100), maximum: .seconds(2), unitRandom: { 0.999 })
        #expect(fixed.ceiling(retry: 1) == .milliseconds(100))
        #expect(fixed.ceiling(retry: 3) == .milliseconds(400))
        #expect(fixed.ceiling(retry: 10) == .seconds(2), "capped at the maximum")
        #expect(fixed.ceiling(retry: 1000) == .seconds(2), "no overflow for large retry numbers")
        let zero = Backoff(base: .milliseconds(100), maximum: .seconds(2), unitRandom: { 0 })
        #expect(zero.delay(retry: 5) == .zero, "full jitter starts at zero, not at half the ceiling")
        let random = Backoff(base: .milliseconds(10), maximum: .seconds(1))
        for retry in 1...20 {
            let delay = random.delay(retry: retry)
            #expect(delay >= .zero && delay <= random.ceiling(retry: retry))
        }
    }
}

@Suite struct AsyncSignalTests {
    @Test func aNotificationBeforeTheWaitIsNotLost() async {
        let signal = AsyncSignal()
        signal.notify()
        signal.notify()
        let start = ContinuousClock.now
        await signal.wait(until: .now + .seconds(60))
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func aWaitEndsAtItsDeadlineWithoutANotification() async {
        let signal = AsyncSignal()
        let deadline = ContinuousClock.now + .milliseconds(50)
        await signal.wait(until: deadline)
        #expect(ContinuousClock.now >= deadline)
    }

    @Test func aNotificationWakesAWaiter() async {
        let signal = AsyncSignal()
        let woken = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await signal.wait(until: .now + .seconds(120))
                woken.set()
            }
            // Keep notifying until the waiter is up: whenever it starts waiting, one notification reaches it.
            for _ in 0..<6000 where !woken.isSet {
                signal.notify()
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let wasWoken = woken.isSet
        #expect(wasWoken)
    }

    @Test func cancellationEndsAWait() async {
        let signal = AsyncSignal()
        let task = Task { await signal.wait() }
        task.cancel()
        await task.value
    }
}

@Suite struct AsyncSemaphoreTests {
    @Test func permitsAreBoundedAndCancellationReleasesAWaiter() async throws {
        let semaphore = AsyncSemaphore(permits: 1)
        #expect(semaphore.tryAcquire())
        #expect(!semaphore.tryAcquire())
        let waiter = Task { try await semaphore.acquire() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        semaphore.release()
        #expect(semaphore.tryAcquire())
        semaphore.release()
    }
}

final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
