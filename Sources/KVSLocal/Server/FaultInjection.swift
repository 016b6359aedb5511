import Synchronization

/// Faults to inject, off by default: a rule for every stream and/or rules per stream name (a stream's own rule
/// replaces the global one). Draws are made from a seeded generator, so a test's sequence of faults repeats.
public struct FaultInjection: Sendable {
    public var seed: UInt64
    /// Applies to every call, including those that name no stream (ListStreams, GetResources).
    public var allStreams: FaultRule?
    /// By stream name.
    public var streams: [String: FaultRule]

    public init(seed: UInt64 = 0x5EED_CAFE, allStreams: FaultRule? = nil, streams: [String: FaultRule] = [:]) {
        self.seed = seed
        self.allStreams = allStreams
        self.streams = streams
    }
}

/// What to do to the calls one rule covers.
public struct FaultRule: Sendable, Equatable, Codable {
    /// Operation names (`GetMedia`, `PutMedia`, `ListFragments`, `DescribeStream`, …); nil covers every operation.
    public var operations: Set<String>?
    /// Added before the call is handled.
    public var latencyMilliseconds: Int?
    /// Share of calls (0…1) answered `ClientLimitExceededException` (HTTP 400), KVS's throttling error.
    public var throttleRate: Double
    /// Share of calls (0…1) answered with a server error of `serverErrorStatus`.
    public var serverErrorRate: Double
    public var serverErrorStatus: Int
    /// A GetMedia (or GetMediaForFragmentList) response is cut off after this many payload bytes: the connection
    /// closes without the chunked terminator, as a dropped connection does.
    public var dropMediaAfterBytes: Int?

    public init(
        operations: Set<String>? = nil, latencyMilliseconds: Int? = nil, throttleRate: Double = 0,
        serverErrorRate: Double = 0, serverErrorStatus: Int = 500, dropMediaAfterBytes: Int? = nil
    ) {
        self.operations = operations
        self.latencyMilliseconds = latencyMilliseconds
        self.throttleRate = throttleRate
        self.serverErrorRate = serverErrorRate
        self.serverErrorStatus = serverErrorStatus
        self.dropMediaAfterBytes = dropMediaAfterBytes
    }

    enum CodingKeys: String, CodingKey {
        case operations = "Operations"
        case latencyMilliseconds = "LatencyMilliseconds"
        case throttleRate = "ThrottleRate"
        case serverErrorRate = "ServerErrorRate"
        case serverErrorStatus = "ServerErrorStatus"
        case dropMediaAfterBytes = "DropMediaAfterBytes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        operations = try c.decodeIfPresent(Set<String>.self, forKey: .operations)
        latencyMilliseconds = try c.decodeIfPresent(Int.self, forKey: .latencyMilliseconds)
        throttleRate = try c.decodeIfPresent(Double.self, forKey: .throttleRate) ?? 0
        serverErrorRate = try c.decodeIfPresent(Double.self, forKey: .serverErrorRate) ?? 0
        serverErrorStatus = try c.decodeIfPresent(Int.self, forKey: .serverErrorStatus) ?? 500
        dropMediaAfterBytes = try c.decodeIfPresent(Int.self, forKey: .dropMediaAfterBytes)
    }

    func covers(_ operation: String) -> Bool { operations.map { $0.contains(operation) } ?? true }
}

/// What the injector decided for one call.
struct FaultDecision: Sendable {
    var latency: Duration?
    var error: KVSError?
    var dropMediaAfterBytes: Int?

    static let none = FaultDecision()
}

/// The live fault configuration, shared by every request.
final class FaultInjector: Sendable {
    private struct State {
        var configuration: FaultInjection
        var random: SplitMix64
    }
    private let state: Mutex<State>

    init(_ configuration: FaultInjection) {
        state = Mutex(State(configuration: configuration, random: SplitMix64(seed: configuration.seed)))
    }

    var configuration: FaultInjection { state.withLock { $0.configuration } }

    /// Replaces the rule for one stream, or the global rule when `stream` is nil; nil removes it.
    func setRule(_ rule: FaultRule?, stream: String?) {
        state.withLock { state in
            if let stream {
                state.configuration.streams[stream] = rule
            } else {
                state.configuration.allStreams = rule
            }
        }
    }

    func decide(operation: String, stream: String?) -> FaultDecision {
        state.withLock { state in
            let rule = stream.flatMap { state.configuration.streams[$0] } ?? state.configuration.allStreams
            guard let rule, rule.covers(operation) else { return .none }
            var decision = FaultDecision()
            if let millis = rule.latencyMilliseconds, millis > 0 { decision.latency = .milliseconds(millis) }
            decision.dropMediaAfterBytes = rule.dropMediaAfterBytes
            if rule.throttleRate > 0, state.random.nextUnit() < rule.throttleRate {
                decision.error = KVSError(.clientLimitExceeded, "Rate exceeded (injected fault)")
            } else if rule.serverErrorRate > 0, state.random.nextUnit() < rule.serverErrorRate {
                decision.error = KVSError(
                    .serverError(status: rule.serverErrorStatus), "Internal service error (injected fault)")
            }
            return decision
        }
    }
}

/// A small seeded generator (SplitMix64): deterministic fault sequences for tests.
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}
