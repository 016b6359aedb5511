import Foundation

/// The checks key tables apply to values, each naming its key in the error.
extension ConfigValue {
    func string(_ key: String) throws(ConfigurationError) -> String {
        guard case .string(let s) = self, !s.isEmpty else {
            throw ConfigurationError(key: key, message: "expected a non-empty string, got \(kindName)")
        }
        return s
    }

    func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        if case .null = self { return nil }
        if case .string(let s) = self, s.isEmpty { return nil }
        return try string(key)
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard case .number(let n) = self, n.rounded() == n, n >= Double(range.lowerBound),
            n <= Double(range.upperBound)
        else {
            throw ConfigurationError(
                key: key,
                message: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(json)")
        }
        return Int(n)
    }

    func bool(_ key: String) throws(ConfigurationError) -> Bool {
        guard case .bool(let b) = self else {
            throw ConfigurationError(key: key, message: "expected true or false, got \(kindName)")
        }
        return b
    }

    /// An array of strings, or one comma-separated string (KIT accepts both for streamNames).
    func stringList(_ key: String) throws(ConfigurationError) -> [String] {
        switch self {
        case .string(let s):
            return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item, !s.isEmpty else {
                    throw ConfigurationError(key: key, message: "expected an array of non-empty strings")
                }
                out.append(s)
            }
            return out
        case .null: return []
        default:
            throw ConfigurationError(key: key, message: "expected an array of strings or a comma-separated string")
        }
    }

    /// A string key's current value; `nil` prints as `null`.
    static func optional(_ s: String?) -> ConfigValue { s.map(ConfigValue.string) ?? .null }
}
