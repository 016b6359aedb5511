import Foundation

/// UTC calendar arithmetic for the two timestamp formats AWS uses here: SigV4's `20150830T123600Z` and ISO 8601
/// (`2015-08-30T12:36:00Z`, credential expirations). Done by hand, without `DateFormatter`, because it runs once
/// per signature and must not depend on the process's locale or time zone.
package enum AWSTimestamp {
    /// A UTC calendar date and time of day, to the second.
    package struct Civil: Equatable {
        package var year: Int
        package var month: Int
        package var day: Int
        package var hour: Int
        package var minute: Int
        package var second: Int
    }

    /// The UTC calendar time of `date`, its fraction of a second dropped.
    package static func civil(_ date: Date) -> Civil {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Civil(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60)
    }

    /// The instant of a UTC calendar time (the fields are not range-checked).
    package static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date {
        date(Civil(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    static func date(_ civil: Civil) -> Date {
        // Howard Hinnant's days_from_civil.
        let year = civil.month <= 2 ? civil.year - 1 : civil.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let monthIndex = civil.month > 2 ? civil.month - 3 : civil.month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + civil.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + civil.hour * 3600 + civil.minute * 60 + civil.second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// `20150830T123600Z`
    package static func sigV4DateTime(_ date: Date) -> String {
        let c = civil(date)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        append(c.year, width: 4, to: &out)
        append(c.month, width: 2, to: &out)
        append(c.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        append(c.hour, width: 2, to: &out)
        append(c.minute, width: 2, to: &out)
        append(c.second, width: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `2015-08-30T12:36:00Z`
    package static func iso8601(_ date: Date) -> String {
        let c = civil(date)
        var out: [UInt8] = []
        append(c.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        append(c.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        append(c.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        append(c.hour, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(c.minute, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(c.second, width: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`, the forms STS, IMDS, ECS and `credential_process`
    /// tools emit. A lower-case `t`/`z` or a space separator is accepted as well. Fractions are truncated.
    package static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += width
            return value
        }
        func expect(_ allowed: Set<UInt8>) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect([UInt8(ascii: "-")]), let month = number(2),
            expect([UInt8(ascii: "-")]), let day = number(2),
            expect([UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")]), let hour = number(2),
            expect([UInt8(ascii: ":")]), let minute = number(2), expect([UInt8(ascii: ":")]),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else {
            return nil
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"),
                bytes[index] <= UInt8(ascii: "9")
            {
                index += 1
            }
            guard index > start else { return nil }
        }
        var offsetSeconds = 0
        if expect([UInt8(ascii: "Z"), UInt8(ascii: "z")]) {
            offsetSeconds = 0
        } else if index < bytes.count,
            bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
        {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2) else { return nil }
            _ = expect([UInt8(ascii: ":")])
            guard let offsetMinutes = number(2) else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let local = date(
            Civil(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        return local.addingTimeInterval(TimeInterval(-offsetSeconds))
    }

    private static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = max(0, value)  // years before 0 cannot be signed anyway; never trap on them
        var position = width - 1
        while position >= 0 {
            digits[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        }
        out.append(contentsOf: digits)
    }
}
