import Synchronization

/// KVS's per-stream quotas: calls per second (a one-second sliding window) and concurrent sessions. Lock-based, not
/// an actor, so a session's slot is returned synchronously from a `deinit` however its response ends.
final class StreamGate: Sendable {
    enum Call: Sendable {
        case getMedia, putMedia, archivedMedia
    }

    private struct State {
        var recent: [Call: [ContinuousClock.Instant]] = [:]
        var getMediaSessions = 0
        var putMediaSessions = 0
    }
    private let state = Mutex(State())

    /// Counts a call against the rate limit; throws `ClientLimitExceededException` when the last second already
    /// had `perSecond` calls.
    func admitCall(_ call: Call, perSecond: Int?, now: ContinuousClock.Instant = .now) throws(KVSError) {
        guard let perSecond else { return }
        let admitted = state.withLock { state in
            var times = state.recent[call, default: []]
            times.removeAll { now - $0 >= .seconds(1) }
            guard times.count < perSecond else {
                state.recent[call] = times
                return false
            }
            times.append(now)
            state.recent[call] = times
            return true
        }
        guard admitted else {
            throw KVSError(
                .clientLimitExceeded, "Rate exceeded: more than \(perSecond) calls per second on this stream")
        }
    }

    /// Takes a session slot; throws `ConnectionLimitExceededException` when `limit` sessions are open. The slot is
    /// returned when the lease is released or deallocated.
    func openSession(_ call: Call, limit: Int?) throws(KVSError) -> SessionLease {
        let opened = state.withLock { state in
            switch call {
            case .getMedia:
                if let limit, state.getMediaSessions >= limit { return false }
                state.getMediaSessions += 1
            case .putMedia:
                if let limit, state.putMediaSessions >= limit { return false }
                state.putMediaSessions += 1
            case .archivedMedia:
                break
            }
            return true
        }
        guard opened else {
            throw KVSError(
                .connectionLimitExceeded, "Connection limit exceeded: \(limit ?? 0) concurrent sessions on this stream")
        }
        return SessionLease { [self] in
            state.withLock { state in
                switch call {
                case .getMedia: state.getMediaSessions -= 1
                case .putMedia: state.putMediaSessions -= 1
                case .archivedMedia: break
                }
            }
        }
    }

    var openSessions: (getMedia: Int, putMedia: Int) {
        state.withLock { ($0.getMediaSessions, $0.putMediaSessions) }
    }
}

/// A session slot, returned exactly once: by ``release()`` or when the lease is deallocated.
final class SessionLease: Sendable {
    private let onRelease: Mutex<(@Sendable () -> Void)?>

    init(_ onRelease: @escaping @Sendable () -> Void) { self.onRelease = Mutex(onRelease) }

    func release() {
        let action = onRelease.withLock { action in
            defer { action = nil }
            return action
        }
        action?()
    }

    deinit { release() }
}
