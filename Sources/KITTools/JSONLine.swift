/// A JSON object written with its keys in insertion order, one per line — what `inspect` prints.
struct JSONLine {
    private var parts: [String] = []

    mutating func add(_ key: String, _ value: String?) {
        parts.append(Self.quote(key) + ":" + (value.map(Self.quote) ?? "null"))
    }
    mutating func add(_ key: String, _ value: Int64?) {
        parts.append(Self.quote(key) + ":" + (value.map { String($0) } ?? "null"))
    }
    mutating func add(_ key: String, _ value: Int) { add(key, Int64(value)) }
    mutating func add(_ key: String, _ value: UInt64?) {
        parts.append(Self.quote(key) + ":" + (value.map { String($0) } ?? "null"))
    }
    mutating func add(_ key: String, _ value: Bool) { parts.append(Self.quote(key) + ":" + (value ? "true" : "false")) }

    var text: String { "{" + parts.joined(separator: ",") + "}" }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
