import AWSCore
import Foundation

/// The timestamp forms AWS protocols use, formatted and parsed by hand so the result is the same on every
/// platform and Foundation release: epoch seconds (JSON), ISO 8601 (query, XML bodies), RFC 1123 (REST headers).
enum AWSTimestamps {
    /// Seconds since 1970 rounded to the millisecond, as a `Double` whose shortest form has ≤ 3 decimals.
    static func epochSeconds(_ date: Date) -> Double {
        (date.timeIntervalSince1970 * 1000).rounded() / 1000
    }

    /// `2024-05-01T12:34:56.789Z` (milliseconds only when not zero, like botocore's query serializer).
    static func iso8601(_ date: Date) -> String {
        let millisTotal = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (secondsTotal, millis) = floorDivide(millisTotal, 1000)
        let c = AWSTimestamp.civil(Date(timeIntervalSince1970: Double(secondsTotal)))
        var text =
            pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + "T" + pad(c.hour, 2) + ":"
            + pad(c.minute, 2) + ":" + pad(c.second, 2)
        if millis != 0 { text += "." + pad(Int(millis), 3) }
        return text + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 19, let year = number(0..<4), bytes[4] == 45, let month = number(5..<7),
            bytes[7] == 45, let day = number(8..<10), bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32,
            let hour = number(11..<13), bytes[13] == 58, let minute = number(14..<16), bytes[16] == 58,
            let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            if bytes[index] == 90 || bytes[index] == 122 {
                index += 1
            } else if bytes[index] == 43 || bytes[index] == 45, let hours = number((index + 1)..<(index + 3)),
                index + 6 <= bytes.count, bytes[index + 3] == 58, let minutes = number((index + 4)..<(index + 6))
            {
                offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 43 ? 1 : -1)
                index += 6
            } else {
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        let local = AWSTimestamp.date(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return local.addingTimeInterval(fraction - Double(offsetSeconds))
    }

    /// `Wed, 01 May 2024 12:34:56 GMT` (RFC 1123, as S3 sends `Last-Modified`).
    static func parseRFC1123(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, let day = Int(parts[1]), let year = Int(parts[3]),
            let month = months.firstIndex(of: String(parts[2])).map({ $0 + 1 })
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        return AWSTimestamp.date(
            year: year, month: month, day: day, hour: clock[0], minute: clock[1], second: clock[2])
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
