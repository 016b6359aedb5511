import Crypto
import Foundation

/// Caches derived SigV4 signing keys by (secret, day, region, service), saving four of the five HMACs each
/// signature costs. A signing key only signs for one day, region and service, so an entry never needs to be
/// invalidated; the cache is simply emptied when it fills up.
///
/// Thread-safe; share one instance between the signers of a process (copies of a ``SigV4Signer`` already do).
public final class SigningKeyCache: @unchecked Sendable {
    // @unchecked: every access to `entries` holds `lock`.
    private let lock = NSLock()
    private var entries: [Key: SymmetricKey] = [:]
    private let capacity: Int

    public init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
    }

    struct Key: Hashable {
        var secret: String
        var day: String
        var region: String
        var service: String
    }

    func key(for key: Key) -> SymmetricKey {
        lock.lock()
        let cached = entries[key]
        lock.unlock()
        if let cached { return cached }
        let derived = SigningKeyCache.derive(key)
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = derived
        lock.unlock()
        return derived
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    static func derive(_ key: Key) -> SymmetricKey {
        let dateKey = hmac(SymmetricKey(data: Array(("AWS4" + key.secret).utf8)), key.day)
        let regionKey = hmac(dateKey, key.region)
        let serviceKey = hmac(regionKey, key.service)
        return hmac(serviceKey, "aws4_request")
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }
}
