/// Decides which key frames to decode: every Nth key frame (KIT's `inferenceInterval`, default 6) and/or at most
/// one per minimum interval of the frames' own timestamps.
///
/// A key frame is sampled when at least `everyNthKeyFrame` key frames have arrived since the last sampled one
/// (counting itself) *and* at least `minIntervalMillis` have passed on the timestamps since the last sampled one. The
/// first key frame is always sampled. With only N, exactly every Nth key frame is sampled (1st, N+1th, …); with only
/// T, the first key frame at least T after the previous sample; with both, the first key frame meeting both, so a
/// late Nth frame is not skipped for a whole further N. A timestamp earlier than the last sample's (a producer
/// restart, a new session) counts as a fresh start rather than blocking sampling until time catches up.
public struct KeyFrameSampler: Sendable, Equatable {
    /// Sample one of every this many key frames (at least 1; 1 means every key frame).
    public let everyNthKeyFrame: Int
    /// The minimum time between two samples in milliseconds, or `nil` for no time limit.
    public let minIntervalMillis: Int64?

    private var keyFramesSinceSample = 0
    private var lastSampleMillis: Int64?

    /// Values below 1 for `everyNthKeyFrame` are taken as 1; a `minIntervalMillis` of 0 or less as no time limit.
    public init(everyNthKeyFrame: Int = 6, minIntervalMillis: Int64? = nil) {
        self.everyNthKeyFrame = max(1, everyNthKeyFrame)
        self.minIntervalMillis = minIntervalMillis.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Records one key frame with timestamp `keyFrameAtMillis` and tells whether to decode it.
    public mutating func shouldSample(keyFrameAtMillis timestamp: Int64) -> Bool {
        guard let last = lastSampleMillis else { return take(timestamp) }
        keyFramesSinceSample += 1
        guard keyFramesSinceSample >= everyNthKeyFrame else { return false }
        if let minIntervalMillis {
            let (elapsed, overflow) = timestamp.subtractingReportingOverflow(last)
            if !overflow, elapsed >= 0, elapsed < minIntervalMillis { return false }
        }
        return take(timestamp)
    }

    /// Forgets the history: the next key frame is sampled (e.g. after a reconnect to a different position).
    public mutating func reset() {
        keyFramesSinceSample = 0
        lastSampleMillis = nil
    }

    private mutating func take(_ timestamp: Int64) -> Bool {
        keyFramesSinceSample = 0
        lastSampleMillis = timestamp
        return true
    }
}
