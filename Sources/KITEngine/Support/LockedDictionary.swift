import Synchronization

/// A dictionary behind a mutex, for small shared tables (per-stream counters).
final class LockedDictionary<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let storage = Mutex<[Key: Value]>([:])

    func update<R>(_ key: Key, default value: @autoclosure () -> Value, _ body: (inout Value) -> R) -> R {
        storage.withLock { dictionary in
            var current = dictionary[key] ?? value()
            let result = body(&current)
            dictionary[key] = current
            return result
        }
    }

    subscript(key: Key) -> Value? {
        get { storage.withLock { $0[key] } }
        set { storage.withLock { $0[key] = newValue } }
    }

    var snapshot: [Key: Value] { storage.withLock { $0 } }
}
