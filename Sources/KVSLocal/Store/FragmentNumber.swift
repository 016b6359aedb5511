/// KVS fragment numbers: long decimal strings that increase with ingestion order
/// (`91343852333181432392682062607743920146159169392`). This server writes a fixed 17-digit prefix and a
/// zero-padded 30-digit counter, so its numbers have KVS's 47-digit shape, sort as text, and never repeat: the
/// counter starts from the server time in milliseconds × 10⁶, so a stream deleted and created again does not reuse
/// numbers.
enum FragmentNumber {
    static let prefix = "91343852333181432"
    static let counterDigits = 30

    static func make(counter: UInt64) -> String {
        let digits = String(counter)
        return prefix + String(repeating: "0", count: max(0, counterDigits - digits.count)) + digits
    }

    /// The first counter value for a fragment received at `serverMillis` after `last`.
    static func nextCounter(after last: UInt64, serverMillis: Int64) -> UInt64 {
        let floor = UInt64(clamping: max(0, serverMillis)).multipliedReportingOverflow(by: 1_000_000)
        let timeBased = floor.overflow ? UInt64.max / 2 : floor.partialValue
        return max(last &+ 1, timeBased)
    }

    /// The counter of a number this server wrote, or nil.
    static func counter(of number: String) -> UInt64? {
        guard number.utf8.count == prefix.utf8.count + counterDigits, number.hasPrefix(prefix) else { return nil }
        return UInt64(number.dropFirst(prefix.count))
    }

    /// Whether `text` is a fragment number as the API accepts it (`^[0-9]+$`, 1–128 characters).
    static func isWellFormed(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Numeric order of two decimal strings of any length (leading zeros ignored).
    static func compare(_ a: String, _ b: String) -> Int {
        let x = a.drop(while: { $0 == "0" })
        let y = b.drop(while: { $0 == "0" })
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        if x == y { return 0 }
        return x < y ? -1 : 1
    }
}
