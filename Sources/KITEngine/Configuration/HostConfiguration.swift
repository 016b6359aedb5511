import Foundation

/// Everything `kithost run` is configured with: KIT's own keys verbatim, and ours. Values come from, in rising order
/// of precedence: defaults, a JSON or YAML file, `KIT_<KEY>` environment variables (`KIT_STREAM_NAMES`), and flags
/// (`--stream-names`). The defaults run on one machine with no AWS: an embedded SQLite lease store, results to a JSONL
/// file, metrics on a local Prometheus endpoint.
public struct HostConfiguration: Sendable, Equatable {
    public struct TagFilter: Sendable, Equatable {
        public var key: String
        public var values: [String]
        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }
    }
    public enum StartSelector: String, Sendable, Equatable {
        case now = "NOW"
        case earliest = "EARLIEST"
    }
    public enum LeaseStore: Sendable, Equatable {
        case sqlite(path: String)
        case dynamoDB(table: String)
    }
    public enum DeadLetter: Sendable, Equatable {
        case directory(String)
        case s3(bucket: String, prefix: String)
    }

    // KIT's keys.
    public var streamNames: [String] = []
    public var tagFilters: [TagFilter] = []
    public var sageMakerEndpoint: String?
    public var endPointAcceptContentType = "image/jpeg"
    public var kdsStreamName: String?
    public var inferenceInterval = 6
    public var sageMakerTaskQueueSize = 5000
    public var sageMakerTaskThreadPoolSize = 20
    public var sageMakerTaskTimeoutInMilli = 20000
    // Ours.
    public var region: String?
    public var inferenceUrl: String?
    public var startSelector = StartSelector.now
    public var maxFramesPerSecond: Double?
    public var leaseStore = LeaseStore.sqlite(path: "kit-leases.sqlite")
    public var leaseFailoverMillis = 10000
    /// How often `streamNames`/`tagFilters` are resolved again (new streams picked up, removed ones released).
    public var discoveryIntervalMillis = 30000
    public var resultsFile: String?
    public var skipWhenBehind = true
    public var metricsPort: Int? = 9464
    /// Where the metrics/health/status server listens (all interfaces by default, for scrapers and health checks).
    public var metricsHost = "0.0.0.0"
    public var cloudWatchNamespace: String?
    /// How often metrics are sent to CloudWatch (PutMetricData, batched).
    public var cloudWatchIntervalMillis = 60000
    public var workerId: String
    public var pluginDir: String?
    public var plugins: [String: ConfigValue] = [:]
    public var pluginBatchSize = 100
    public var pluginBatchWindowMillis = 1000
    /// Per plugin invocation; past it the invocation is cancelled and its batch dead-lettered.
    public var pluginDeadlineMillis = 60000
    /// Retries of a failing batch (with backoff) before it is bisected and dead-lettered.
    public var pluginMaxRetries = 2
    /// SHA-256 digests (hex) of the plugin files allowed to load; empty allows any that pass the permission checks.
    public var pluginAllowedDigests: [String] = []
    public var deadLetter: DeadLetter?

    public init(workerId: String = HostConfiguration.defaultWorkerId()) { self.workerId = workerId }

    public static func defaultWorkerId() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Where results go when no Kinesis stream is configured.
    public var effectiveResultsFile: String? {
        kdsStreamName == nil ? (resultsFile ?? "kit-results.jsonl") : resultsFile
    }

    /// Loads and checks the configuration. `flags` are `--kebab-case` names without the dashes → raw values.
    /// `validate: false` skips the cross-key rules a running host needs (a stream, an endpoint), for tools such as
    /// `kithost plugins check` that read only part of it.
    public static func load(
        file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        flags: [String: String] = [:], validate: Bool = true
    ) throws(ConfigurationError) -> HostConfiguration {
        var config = HostConfiguration()
        if let file {
            for (name, value) in try ConfigFile.load(path: file) {
                guard let key = ConfigKey.byName[name] else {
                    throw ConfigurationError(key: name, message: "unknown key; known keys: \(ConfigKey.names)")
                }
                try key.apply(value, &config)
            }
        }
        for key in ConfigKey.all {
            if let text = environment[key.environmentName] {
                try key.apply(key.value(fromText: text), &config)
            }
        }
        for (flag, text) in flags {
            guard let key = ConfigKey.byFlag[flag] else {
                throw ConfigurationError(key: "--\(flag)", message: "unknown flag; known keys: \(ConfigKey.names)")
            }
            try key.apply(key.value(fromText: text), &config)
        }
        _ = try config.pluginSettings()
        if validate { try config.validate() }
        return config
    }

    /// Cross-key rules.
    func validate() throws(ConfigurationError) {
        if streamNames.isEmpty && tagFilters.isEmpty {
            throw ConfigurationError(
                key: "streamNames", message: "name at least one stream, or set tagFilters to discover them")
        }
        if sageMakerEndpoint == nil && inferenceUrl == nil {
            throw ConfigurationError(
                key: "sageMakerEndpoint", message: "set sageMakerEndpoint (an endpoint name) or inferenceUrl")
        }
        if sageMakerEndpoint != nil && inferenceUrl != nil {
            throw ConfigurationError(
                key: "inferenceUrl", message: "set either sageMakerEndpoint or inferenceUrl, not both")
        }
    }

    /// The effective configuration as JSON (what `kithost run --print-config` prints).
    public var printable: ConfigValue {
        var o: [String: ConfigValue] = [:]
        for key in ConfigKey.all { o[key.name] = key.current(self) }
        return .object(o)
    }
}
