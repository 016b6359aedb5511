import Foundation

/// One configuration key: its name in files, `KIT_…` in the environment and `--…` as a flag, how text becomes a
/// value, and how a value is checked and stored.
struct ConfigKey: Sendable {
    enum Kind: Sendable { case string, list, int, double, bool, json }

    let name: String
    let kind: Kind
    let apply: @Sendable (ConfigValue, inout HostConfiguration) throws(ConfigurationError) -> Void
    let current: @Sendable (HostConfiguration) -> ConfigValue

    func apply(_ value: ConfigValue, _ config: inout HostConfiguration) throws(ConfigurationError) {
        try apply(value, &config)
    }

    /// `streamNames` → `KIT_STREAM_NAMES`; `endPointAcceptContentType` → `KIT_END_POINT_ACCEPT_CONTENT_TYPE`.
    var environmentName: String { "KIT_" + words.joined(separator: "_").uppercased() }
    /// `streamNames` → `stream-names`.
    var flagName: String { words.joined(separator: "-").lowercased() }

    private var words: [String] {
        var out: [String] = []
        var current = ""
        for c in name {
            if c.isUppercase, !current.isEmpty {
                out.append(current)
                current = ""
            }
            current.append(c)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Text from the environment or a flag, read as this key's kind (lists: JSON or comma-separated).
    func value(fromText text: String) throws(ConfigurationError) -> ConfigValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .string: return .string(trimmed)
        case .list:
            if trimmed.hasPrefix("[") { return try json(trimmed) }
            return .array(trimmed.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        case .int, .double:
            guard let n = Double(trimmed) else {
                throw ConfigurationError(key: name, message: "expected a number, got \"\(text)\"")
            }
            return .number(n)
        case .bool:
            switch trimmed.lowercased() {
            case "true", "1", "yes", "on": return .bool(true)
            case "false", "0", "no", "off": return .bool(false)
            default: throw ConfigurationError(key: name, message: "expected true or false, got \"\(text)\"")
            }
        case .json: return try json(trimmed)
        }
    }

    private func json(_ text: String) throws(ConfigurationError) -> ConfigValue {
        do {
            return try JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8))
        } catch {
            throw ConfigurationError(key: name, message: "expected JSON, got \"\(text)\"")
        }
    }

    /// Every key, in the order error messages list them: KIT's, the host's, the plugins'.
    static let all: [ConfigKey] = kitKeys + hostKeys + pluginKeys
    static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    static let byFlag: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.flagName, $0) })
    static var names: String { all.map(\.name).joined(separator: ", ") }
}
