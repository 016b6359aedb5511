import Foundation

/// The host's keys: region, inference URL, start, leases, discovery, results, metrics, worker id.
extension ConfigKey {
    static let hostKeys: [ConfigKey] = [
        ConfigKey(
            name: "region", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.region = try v.optionalString("region") },
            current: { ConfigValue.optional($0.region) }),
        ConfigKey(
            name: "inferenceUrl", kind: .string,
            apply: { v, c throws(ConfigurationError) in
                let s = try v.optionalString("inferenceUrl")
                if let s, !(s.hasPrefix("http://") || s.hasPrefix("https://")) {
                    throw ConfigurationError(
                        key: "inferenceUrl", message: "must be an http:// or https:// URL, got \(s)")
                }
                c.inferenceUrl = s
            }, current: { ConfigValue.optional($0.inferenceUrl) }),
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
            current: { ConfigValue.optional($0.effectiveResultsFile) }),
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
            current: { ConfigValue.optional($0.cloudWatchNamespace) }),
        ConfigKey(
            name: "workerId", kind: .string,
            apply: { v, c throws(ConfigurationError) in c.workerId = try v.string("workerId") },
            current: { .string($0.workerId) }),
    ]
}
