import Foundation

/// KIT's own keys, with KIT's names and meanings.
extension ConfigKey {
    static let kitKeys: [ConfigKey] = [
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
            current: { ConfigValue.optional($0.sageMakerEndpoint) }),
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
            current: { ConfigValue.optional($0.kdsStreamName) }),
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
