import KITMedia
import Testing

@Suite("Key frame sampler")
struct KeyFrameSamplerTests {
    /// Which of `timestamps` the sampler takes (by index).
    func sampled(_ sampler: KeyFrameSampler, _ timestamps: [Int64]) -> [Int] {
        var sampler = sampler
        return timestamps.indices.filter { sampler.shouldSample(keyFrameAtMillis: timestamps[$0]) }
    }

    let everySecond = (0..<20).map { Int64($0) * 1000 }

    @Test("every Nth key frame, first one included (KIT's inferenceInterval)")
    func everyNth() {
        #expect(sampled(KeyFrameSampler(), everySecond) == [0, 6, 12, 18])
        #expect(sampled(KeyFrameSampler(everyNthKeyFrame: 1), everySecond) == Array(0..<20))
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 3), Array(everySecond.prefix(10))) == [0, 3, 6, 9])
        #expect(KeyFrameSampler().everyNthKeyFrame == 6)
    }

    @Test("N below 1 means every key frame; a non-positive interval means none")
    func clamping() {
        #expect(KeyFrameSampler(everyNthKeyFrame: 0).everyNthKeyFrame == 1)
        #expect(KeyFrameSampler(everyNthKeyFrame: -4).everyNthKeyFrame == 1)
        #expect(KeyFrameSampler(minIntervalMillis: 0).minIntervalMillis == nil)
        #expect(KeyFrameSampler(minIntervalMillis: -10).minIntervalMillis == nil)
    }

    @Test("at most one frame per minimum interval")
    func minInterval() {
        let sampler = KeyFrameSampler(everyNthKeyFrame: 1, minIntervalMillis: 2500)
        #expect(sampled(sampler, Array(everySecond.prefix(10))) == [0, 3, 6, 9])
        // Irregular key frames: 0, 400, 900, 1000 (=1000 after 0: taken), 1999, 2000 (taken), 2999, 3000 (taken).
        let irregular: [Int64] = [0, 400, 900, 1000, 1999, 2000, 2999, 3000]
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 1, minIntervalMillis: 1000), irregular) == [
                0, 3, 5, 7,
            ])
    }

    @Test("both: at least N key frames and at least T since the last sample")
    func both() {
        // Key frames every 500 ms; N=2 alone gives every second; T=1500 alone every third; both: the first frame
        // satisfying both after each sample, i.e. every 4th (2000 ms ≥ 1500 ms, 4 ≥ 2).
        let halfSeconds = (0..<13).map { Int64($0) * 500 }
        #expect(sampled(KeyFrameSampler(everyNthKeyFrame: 2), halfSeconds) == [0, 2, 4, 6, 8, 10, 12])
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 1, minIntervalMillis: 1500), halfSeconds) == [
                0, 3, 6, 9, 12,
            ])
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 2, minIntervalMillis: 1500), halfSeconds) == [
                0, 3, 6, 9, 12,
            ])
        // Where N is the binding constraint: frames every 1000 ms, N=3, T=1500 → every 3rd.
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 3, minIntervalMillis: 1500), everySecond) == [
                0, 3, 6, 9, 12, 15, 18,
            ])
        // A late Nth frame is taken at the next frame that satisfies T, not a whole N later.
        let bursty: [Int64] = [0, 100, 200, 300, 5000]
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 2, minIntervalMillis: 1000), bursty) == [0, 4])
    }

    @Test("timestamps going backwards restart the interval instead of blocking it")
    func backwards() {
        let restarted: [Int64] = [10_000, 11_000, 500, 600, 3000]
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 1, minIntervalMillis: 2000), restarted) == [
                0, 2, 4,
            ])
        // Extreme values do not overflow.
        #expect(
            sampled(KeyFrameSampler(everyNthKeyFrame: 1, minIntervalMillis: 10), [.min, .max, .min]) == [
                0, 1, 2,
            ])
    }

    @Test("reset samples the next key frame")
    func reset() {
        var sampler = KeyFrameSampler(everyNthKeyFrame: 5)
        let first = sampler.shouldSample(keyFrameAtMillis: 0)
        let second = sampler.shouldSample(keyFrameAtMillis: 1)
        sampler.reset()
        let afterReset = sampler.shouldSample(keyFrameAtMillis: 2)
        #expect(first && !second && afterReset)
    }
}
