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

    static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    static let byFlag: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.flagName, $0) })
    static var names: String { all.map(\.name).joined(separator: ", ") }
}

// MARK: - Value checks

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
}

private func opt(_ s: String?) -> ConfigValue { s.map(ConfigValue.string) ?? .null }

extension ConfigKey {
    static let all: [ConfigKey] = [
        ConfigKey(
            name: "streamNames", kind: .list,
            apply: { v, c throws(ConfigurationError) in c.streamNames = try v.stringList("streamNames") },
            current: { .array($0.streamNames.map(ConfigValue.string)) }),
        ConfigKey(
            name: "tagFilters", kind: .json,
            apply: { v, c throws(ConfigurationError) in c.tagFilters = try tagFilters(v) },
            current: { c in
                .array(
                    c.tagFilters.map {
                        .object(["key": .string($0.key), "values": .array($0.values.map(ConfigValue.string))])
                    })
            }),
        ConfigKey(
            name: "sageMakerEndpoint", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.sageMakerEndpoint = try v.optionalString("sageMakerEndpoint")
            },
            current: { opt($0.sageMakerEndpoint) }),
        ConfigKey(
            name: "endPointAcceptContentType", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                let s = try v.string("endPointAcceptContentType")
                guard s == "image/jpeg" || s == "image/png" else {
                    throw ConfigurationError(
                        key: "endPointAcceptContentType", message: "must be image/jpeg or image/png, got \(s)")
                }
                c.endPointAcceptContentType = s
            }, current: { .string($0.endPointAcceptContentType) }),
        ConfigKey(
            name: "kdsStreamName", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.kdsStreamName = try v.optionalString("kdsStreamName") },
            current: { opt($0.kdsStreamName) }),
        ConfigKey(
            name: "inferenceInterval", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.inferenceInterval = try v.int("inferenceInterval", in: 1...100_000)
            },
            current: { .number(Double($0.inferenceInterval)) }),
        ConfigKey(
            name: "sageMakerTaskQueueSize", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.sageMakerTaskQueueSize = try v.int("sageMakerTaskQueueSize", in: 1...1_000_000)
            },
            current: { .number(Double($0.sageMakerTaskQueueSize)) }),
        ConfigKey(
            name: "sageMakerTaskThreadPoolSize", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.sageMakerTaskThreadPoolSize = try v.int("sageMakerTaskThreadPoolSize", in: 1...1024)
            }, current: { .number(Double($0.sageMakerTaskThreadPoolSize)) }),
        ConfigKey(
            name: "sageMakerTaskTimeoutInMilli", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.sageMakerTaskTimeoutInMilli = try v.int("sageMakerTaskTimeoutInMilli", in: 1...3_600_000)
            }, current: { .number(Double($0.sageMakerTaskTimeoutInMilli)) }),
        ConfigKey(
            name: "region", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.region = try v.optionalString("region") },
            current: { opt($0.region) }),
        ConfigKey(
            name: "inferenceUrl", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                let s = try v.optionalString("inferenceUrl")
                if let s, !(s.hasPrefix("http://") || s.hasPrefix("https://")) {
                    throw ConfigurationError(
                        key: "inferenceUrl", message: "must be an http:// or https:// URL, got \(s)")
                }
                c.inferenceUrl = s
            }, current: { opt($0.inferenceUrl) }),
        ConfigKey(
            name: "startSelector", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                let s = try v.string("startSelector")
                guard let selector = HostConfiguration.StartSelector(rawValue: s.uppercased()) else {
                    throw ConfigurationError(key: "startSelector", message: "must be NOW or EARLIEST, got \(s)")
                }
                c.startSelector = selector
            }, current: { .string($0.startSelector.rawValue) }),
        ConfigKey(
            name: "maxFramesPerSecond", kind: .double,
            apply: { v, c throws(ConfigurationError) in
                if case .null = v {
                    c.maxFramesPerSecond = nil
                    return
                }
                guard case .number(let n) = v, n > 0, n <= 1000 else {
                    throw ConfigurationError(
                        key: "maxFramesPerSecond", message: "must be a number above 0 and at most 1000")
                }
                c.maxFramesPerSecond = n
            }, current: { $0.maxFramesPerSecond.map(ConfigValue.number) ?? .null }),
        ConfigKey(
            name: "leaseStore", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                let s = try v.string("leaseStore")
                if s.hasPrefix("sqlite:"), s.count > 7 {
                    c.leaseStore = .sqlite(path: String(s.dropFirst(7)))
                } else if s.hasPrefix("dynamodb:"), s.count > 9 {
                    c.leaseStore = .dynamoDB(table: String(s.dropFirst(9)))
                } else {
                    throw ConfigurationError(
                        key: "leaseStore", message: "must be sqlite:PATH or dynamodb:TABLE, got \(s)")
                }
            },
            current: { c in
                switch c.leaseStore {
                case .sqlite(let path): .string("sqlite:" + path)
                case .dynamoDB(let table): .string("dynamodb:" + table)
                }
            }),
        ConfigKey(
            name: "leaseFailoverMillis", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.leaseFailoverMillis = try v.int("leaseFailoverMillis", in: 1000...3_600_000)
            },
            current: { .number(Double($0.leaseFailoverMillis)) }),
        ConfigKey(
            name: "discoveryIntervalMillis", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.discoveryIntervalMillis = try v.int("discoveryIntervalMillis", in: 1000...3_600_000)
            },
            current: { .number(Double($0.discoveryIntervalMillis)) }),
        ConfigKey(
            name: "resultsFile", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.resultsFile = try v.optionalString("resultsFile") },
            current: { opt($0.effectiveResultsFile) }),
        ConfigKey(
            name: "skipWhenBehind", kind: .bool,
            apply: { v, c throws(ConfigurationError) in c.skipWhenBehind = try v.bool("skipWhenBehind") },
            current: { .bool($0.skipWhenBehind) }),
        ConfigKey(
            name: "metricsPort", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                if case .null = v {
                    c.metricsPort = nil
                    return
                }
                c.metricsPort = try v.int("metricsPort", in: 0...65535)
            }, current: { $0.metricsPort.map { .number(Double($0)) } ?? .null }),
        ConfigKey(
            name: "metricsHost", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                c.metricsHost = try v.optionalString("metricsHost") ?? "0.0.0.0"
            },
            current: { .string($0.metricsHost) }),
        ConfigKey(
            name: "cloudWatchIntervalMillis", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.cloudWatchIntervalMillis = try v.int("cloudWatchIntervalMillis", in: 1000...3_600_000)
            },
            current: { .number(Double($0.cloudWatchIntervalMillis)) }),
        ConfigKey(
            name: "cloudWatchNamespace", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                c.cloudWatchNamespace = try v.optionalString("cloudWatchNamespace")
            },
            current: { opt($0.cloudWatchNamespace) }),
        ConfigKey(
            name: "workerId", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.workerId = try v.string("workerId") },
            current: { .string($0.workerId) }),
        ConfigKey(
            name: "pluginDir", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.pluginDir = try v.optionalString("pluginDir") },
            current: { opt($0.pluginDir) }),
        ConfigKey(
            name: "plugins", kind: .json,
            apply: { v, c throws(ConfigurationError) in
                switch v {
                case .object(let o): c.plugins = o
                case .null: c.plugins = [:]
                default:
                    throw ConfigurationError(key: "plugins", message: "expected an object of plugin name → its config")
                }
            }, current: { .object($0.plugins) }),
        ConfigKey(
            name: "pluginBatchSize", kind: .int,
            apply: { v, c throws(ConfigurationError) in c.pluginBatchSize = try v.int("pluginBatchSize", in: 1...10000)
            },
            current: { .number(Double($0.pluginBatchSize)) }),
        ConfigKey(
            name: "pluginBatchWindowMillis", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.pluginBatchWindowMillis = try v.int("pluginBatchWindowMillis", in: 0...300_000)
            },
            current: { .number(Double($0.pluginBatchWindowMillis)) }),
        ConfigKey(
            name: "pluginDeadlineMillis", kind: .int,
            apply: { v, c throws(ConfigurationError) in
                c.pluginDeadlineMillis = try v.int("pluginDeadlineMillis", in: 100...3_600_000)
            },
            current: { .number(Double($0.pluginDeadlineMillis)) }),
        ConfigKey(
            name: "pluginMaxRetries", kind: .int,
            apply: { v, c throws(ConfigurationError) in c.pluginMaxRetries = try v.int("pluginMaxRetries", in: 0...100)
            },
            current: { .number(Double($0.pluginMaxRetries)) }),
        ConfigKey(
            name: "pluginAllowedDigests", kind: .list,
            apply: { v, c throws(ConfigurationError) in
                let digests = try v.stringList("pluginAllowedDigests")
                for digest in digests where digest.count != 64 || !digest.allSatisfy(\.isHexDigit) {
                    throw ConfigurationError(
                        key: "pluginAllowedDigests", message: "\(digest) is not a SHA-256 digest (64 hex digits)")
                }
                c.pluginAllowedDigests = digests.map { $0.lowercased() }
            },
            current: { .array($0.pluginAllowedDigests.map(ConfigValue.string)) }),
        ConfigKey(
            name: "deadLetter", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                guard let s = try v.optionalString("deadLetter") else {
                    c.deadLetter = nil
                    return
                }
                if s.hasPrefix("file:"), s.count > 5 {
                    c.deadLetter = .directory(String(s.dropFirst(5)))
                } else if s.hasPrefix("s3://") {
                    let rest = s.dropFirst(5)
                    let bucket = rest.prefix { $0 != "/" }
                    guard !bucket.isEmpty else {
                        throw ConfigurationError(key: "deadLetter", message: "s3:// needs a bucket: s3://bucket/prefix")
                    }
                    c.deadLetter = .s3(bucket: String(bucket), prefix: String(rest.dropFirst(bucket.count + 1)))
                } else {
                    throw ConfigurationError(
                        key: "deadLetter", message: "must be file:DIR or s3://bucket/prefix, got \(s)")
                }
            },
            current: { c in
                switch c.deadLetter {
                case .directory(let d)?: .string("file:" + d)
                case .s3(let b, let p)?: .string("s3://\(b)/\(p)")
                case nil: .null
                }
            }),
    ]

    /// `[{"key": "Location", "values": ["Front"]}]`, with `Key`/`Values` accepted too (GetResources' spelling).
    static func tagFilters(_ v: ConfigValue) throws(ConfigurationError) -> [HostConfiguration.TagFilter] {
        let message = "expected an array of {\"key\": …, \"values\": [...]} objects"
        guard case .array(let items) = v else {
            if case .null = v { return [] }
            throw ConfigurationError(key: "tagFilters", message: message)
        }
        var out: [HostConfiguration.TagFilter] = []
        for item in items {
            guard case .object(let o) = item, let keyValue = o["key"] ?? o["Key"],
                case .string(let key) = keyValue, !key.isEmpty
            else { throw ConfigurationError(key: "tagFilters", message: message) }
            let values = try (o["values"] ?? o["Values"] ?? .array([])).stringList("tagFilters")
            out.append(.init(key: key, values: values))
        }
        return out
    }
}
