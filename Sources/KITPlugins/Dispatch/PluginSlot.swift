import Metrics
import Synchronization

/// A running plugin with its dispatch state and metrics (dimension `plugin`).
final class PluginSlot: Sendable {
    let plugin: LoadedPlugin
    let missedDeadlines = Atomic<Int>(0)
    let quarantined = Atomic<Bool>(false)
    let invocations: Counter
    let errors: Counter
    let retries: Counter
    let deadLettered: Counter
    /// Records a plugin reported as failed in a partial batch response (each is re-delivered).
    let itemFailures: Counter
    let duration: Metrics.Timer

    init(plugin: LoadedPlugin, factory: any MetricsFactory) {
        self.plugin = plugin
        let dimensions = [("plugin", plugin.name)]
        invocations = Counter(label: "PluginInvocations", dimensions: dimensions, factory: factory)
        errors = Counter(label: "PluginErrors", dimensions: dimensions, factory: factory)
        retries = Counter(label: "PluginRetries", dimensions: dimensions, factory: factory)
        deadLettered = Counter(label: "PluginDeadLettered", dimensions: dimensions, factory: factory)
        itemFailures = Counter(label: "PluginItemFailures", dimensions: dimensions, factory: factory)
        duration = Metrics.Timer(label: "PluginDuration", dimensions: dimensions, factory: factory)
        for counter in [invocations, errors, retries, deadLettered, itemFailures] { counter.increment(by: 0) }
    }

    var name: String { plugin.name }
    var isQuarantined: Bool { quarantined.load(ordering: .relaxed) }
}
