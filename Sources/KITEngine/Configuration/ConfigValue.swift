import Foundation
import Yams

/// A configuration value as it arrived from a file, the environment or a flag, before it is checked against its key.
public indirect enum ConfigValue: Sendable, Equatable, Decodable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ConfigValue])
    case object([String: ConfigValue])
    case null

    /// The JSON text of this value (object keys sorted, so output is stable).
    public var json: String {
        switch self {
        case .string(let s): return JSONText.quote(s)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
            return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(\.json).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONText.quote($0) + ":" + (o[$0] ?? .null).json }.joined(separator: ",")
                + "}"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([ConfigValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: ConfigValue].self))
        }
    }

    var kindName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .array: "an array"
        case .object: "an object"
        case .null: "null"
        }
    }
}

enum JSONText {
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

/// Parses a configuration file: JSON (`.json`) or YAML (anything else; JSON is valid YAML too).
enum ConfigFile {
    static func load(path: String) throws(ConfigurationError) -> [String: ConfigValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "config", message: "cannot read the configuration file \(path)")
        }
        let parsed: ConfigValue
        do {
            if path.lowercased().hasSuffix(".json") {
                parsed = try JSONDecoder().decode(ConfigValue.self, from: data)
            } else {
                parsed = try YAMLDecoder().decode(ConfigValue.self, from: data)
            }
        } catch {
            throw ConfigurationError(key: "config", message: "\(path) is not valid JSON or YAML: \(error)")
        }
        guard case .object(let object) = parsed else {
            throw ConfigurationError(key: "config", message: "\(path) must hold an object of keys and values")
        }
        return object
    }
}
