extension PluginDispatcher {
    /// Lambda event-source-mapping settings, applied per stream and plugin.
    public struct Configuration: Sendable {
        /// Which plugins load, from where, with which settings.
        public var registry: PluginRegistry.Configuration
        /// Most records in one invocation (Lambda's `BatchSize`).
        public var batchSize: Int
        /// How long to gather records before invoking with fewer than ``batchSize`` (Lambda's
        /// `MaximumBatchingWindowInSeconds`); zero invokes as soon as a record is there.
        public var batchWindow: Duration
        /// Per invocation; past it the invocation is cancelled and its batch dead-lettered.
        public var deadline: Duration
        /// Retries of a failing batch (or of the first failed record of a partial batch response), with full-jitter
        /// backoff from ``retryBackoff``, before it is bisected or dead-lettered (Lambda's `MaximumRetryAttempts`
        /// with `BisectBatchOnFunctionError`).
        public var maxRetries: Int
        public var retryBackoff: Duration
        /// Consecutive missed deadlines after which a plugin is quarantined: its records go straight to the
        /// dead-letter destination until the host restarts.
        public var quarantineAfter: Int
        /// Where records that cannot be delivered go (Lambda's on-failure destination).
        public var deadLetter: DeadLetterDestination
        /// How long graceful shutdown lets queued and in-flight batches finish before abandoning them.
        public var shutdownTimeout: Duration

        public init(
            registry: PluginRegistry.Configuration, batchSize: Int = 100, batchWindow: Duration = .zero,
            deadline: Duration = .seconds(60), maxRetries: Int = 2, retryBackoff: Duration = .milliseconds(200),
            quarantineAfter: Int = 3, deadLetter: DeadLetterDestination = .directory("dead-letter"),
            shutdownTimeout: Duration = .seconds(30)
        ) {
            self.registry = registry
            self.batchSize = batchSize
            self.batchWindow = batchWindow
            self.deadline = deadline
            self.maxRetries = maxRetries
            self.retryBackoff = retryBackoff
            self.quarantineAfter = quarantineAfter
            self.deadLetter = deadLetter
            self.shutdownTimeout = shutdownTimeout
        }

        /// Plugins from `pluginDirectory` (and linked-in registrations), configured by `settings`.
        public init(
            pluginDirectory: String?, settings: [String: PluginSettings] = [:], allowedDigests: Set<String> = [],
            batchSize: Int = 100, batchWindow: Duration = .zero, deadline: Duration = .seconds(60),
            maxRetries: Int = 2, retryBackoff: Duration = .milliseconds(200), quarantineAfter: Int = 3,
            deadLetter: DeadLetterDestination = .directory("dead-letter"), shutdownTimeout: Duration = .seconds(30)
        ) {
            self.init(
                registry: .init(directory: pluginDirectory, settings: settings, allowedDigests: allowedDigests),
                batchSize: batchSize, batchWindow: batchWindow, deadline: deadline, maxRetries: maxRetries,
                retryBackoff: retryBackoff, quarantineAfter: quarantineAfter, deadLetter: deadLetter,
                shutdownTimeout: shutdownTimeout)
        }
    }
}

/// A local directory or an S3 bucket and prefix.
public struct DeadLetterDestination: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case directory(String)
        case s3(bucket: String, prefix: String, endpoint: String?)
    }
    let storage: Storage

    /// Files under `path/{plugin}/{stream}/`.
    public static func directory(_ path: String) -> Self { Self(storage: .directory(path)) }
    /// Objects at `{prefix}{plugin}/{stream}/…` in `bucket`, written with the host's transport and credentials.
    /// `endpoint` overrides the S3 endpoint the AWS CLI would resolve (`AWS_ENDPOINT_URL_S3`, …).
    public static func s3(bucket: String, prefix: String = "", endpoint: String? = nil) -> Self {
        Self(storage: .s3(bucket: bucket, prefix: prefix, endpoint: endpoint))
    }

    public var description: String {
        switch storage {
        case .directory(let path): return path
        case .s3(let bucket, let prefix, _): return "s3://\(bucket)/\(prefix)"
        }
    }
}
