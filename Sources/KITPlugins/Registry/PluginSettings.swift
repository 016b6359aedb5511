/// What the host's configuration says about one plugin, by name (`plugins: {S3Archive: {…}}`): the plugin's own
/// configuration and the keys that are the host's business, which the plugin never sees.
public struct PluginSettings: Sendable, Equatable {
    /// The keys of a plugin's entry that the host reads and removes before handing the rest to the plugin.
    public static let hostKeys: Set<String> = ["optional", "rawCredentials"]

    /// The plugin's configuration, a JSON document (the entry without ``hostKeys``).
    public var configuration: [UInt8]
    /// `"optional": true`: the host starts (and keeps running) without this plugin when it does not load,
    /// reporting it as down; otherwise a plugin that does not load stops the start.
    public var optional: Bool
    /// `"rawCredentials": true`: the plugin may ask the host for its AWS credentials themselves (`credentials` in
    /// the services table). Without it an ABI-2 plugin can only have its AWS requests signed by the host.
    public var rawCredentials: Bool

    public init(configuration: [UInt8] = Array("{}".utf8), optional: Bool = false, rawCredentials: Bool = false) {
        self.configuration = configuration
        self.optional = optional
        self.rawCredentials = rawCredentials
    }
}

/// A plugin the configuration names that is not running, and why.
public struct PluginProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var plugin: String
    public var optional: Bool
    public var reason: String

    public init(plugin: String, optional: Bool, reason: String) {
        self.plugin = plugin
        self.optional = optional
        self.reason = reason
    }

    public var description: String { "plugin \(plugin)\(optional ? " (optional)" : ""): \(reason)" }
}

/// What loading the plugin directory came to: a report per file, and the configured plugins that did not load.
public struct PluginLoadSummary: Sendable {
    public var reports: [PluginLoadReport]
    public var problems: [PluginProblem]

    public init(reports: [PluginLoadReport] = [], problems: [PluginProblem] = []) {
        self.reports = reports
        self.problems = problems
    }

    /// Configured plugins that did not load and are not optional: the host must not start without them.
    public var fatal: [PluginProblem] { problems.filter { !$0.optional } }
}

enum NameSuggestion {
    /// The candidate closest to `name` (case-insensitive edit distance), if it is close enough to be a typo.
    static func closest(to name: String, in candidates: some Collection<String>) -> String? {
        let target = Array(name.lowercased().utf8)
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased().utf8))
            if distance <= max(2, target.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// One plugin as `/status` shows it.
public struct PluginStatus: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        case running
        /// Configured as optional, not loaded: the host runs without it.
        case down
        /// Missed too many deadlines: its records go to the dead-letter destination until restart.
        case quarantined
    }

    public var name: String
    public var state: State
    public var optional: Bool
    public var version: String?
    public var reason: String?

    public init(name: String, state: State, optional: Bool, version: String? = nil, reason: String? = nil) {
        self.name = name
        self.state = state
        self.optional = optional
        self.version = version
        self.reason = reason
    }
}
