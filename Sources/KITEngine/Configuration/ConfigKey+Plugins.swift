import Foundation

/// The plugin keys: where plugins are, their configurations, batching, deadlines, retries, digests, dead letters.
extension ConfigKey {
    static let pluginKeys: [ConfigKey] = [
        ConfigKey(
            name: "pluginDir", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.pluginDir = try v.optionalString("pluginDir") },
            current: { ConfigValue.optional($0.pluginDir) }),
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
}
