import Foundation
import Logging
import PluginAPI
import Synchronization

/// A plugin under test, in process: made from its export line's function — the same handler factory the C entry
/// point hands the host — with test services, so a plugin's own tests exercise its real `init` and handler with
/// real HTTP to local servers, and read what it logged and the metrics it recorded.
///
/// ```swift
/// let plugin = try await PluginHarness(PersonAlert.export, configuration: #"{"alertsFile":"/tmp/a.jsonl"}"#)
/// let response = try await plugin.invoke([.test(output: #"{"prediction":[[0,0.97,0,0,1,1]]}"#)])
/// #expect(response.isSuccess)
/// #expect(plugin.metrics.total("PersonAlerts") == 1)
/// ```
/// What differs from a loaded plugin: no C boundary and no deadline enforcement (the context still carries the
/// deadline), and the host's dispatch rules (retries, partial-failure redelivery) are not applied — `invoke`
/// returns what the handler answered.
public final class PluginHarness: Sendable {
    public let name: String
    public let version: String
    public let logs: TestLogs
    public let metrics: TestMetrics
    public let services: TestServices
    private let run: EventFunction
    private let configuration: PluginConfiguration
    private let nextInvocation = Atomic<UInt64>(1)

    /// Makes the plugin: `export` is its export line's function (`MyHandler.export`, or a closure handler's
    /// `.export`), `configuration` its JSON configuration. Throws what the plugin's `init` throws.
    public init(
        _ export: (UInt32) -> KITPluginEntry, configuration: String = "{}", services: TestServices = TestServices()
    ) async throws {
        guard let factory = HandlerFactory.factory(of: export(2)) else {
            throw PluginHarnessError("the export returned no descriptor")
        }
        name = factory.name
        version = factory.version
        self.services = services
        logs = TestLogs()
        metrics = TestMetrics()
        PluginMetrics.installRouting()
        self.configuration = PluginConfiguration(json: Array(configuration.utf8))
        let initContext = PluginInitContext(
            logger: logs.logger(label: "kit.plugin.\(factory.name)"), configuration: self.configuration,
            services: services.pluginServices(metrics: metrics))
        let sink = metrics.sink
        run = try await PluginMetrics.$current.withValue(sink) { try await factory.make(initContext) }
    }

    /// Runs one event through the handler and returns its batch response (an empty one: every record succeeded).
    public func invoke(_ event: KinesisEvent, deadline: Duration = .seconds(60)) async throws -> KinesisBatchResponse {
        try await invoke(json: event.json(), deadline: deadline)
    }

    /// Runs KIT records through the handler, as one event (``TestEvents/event(_:stream:firstSequenceNumber:)``).
    public func invoke(_ records: [KITRecord], deadline: Duration = .seconds(60)) async throws -> KinesisBatchResponse {
        try await invoke(TestEvents.event(records), deadline: deadline)
    }

    /// Runs an event given as JSON bytes (a Lambda test event, a dead letter's `event`).
    public func invoke(json: [UInt8], deadline: Duration = .seconds(60)) async throws -> KinesisBatchResponse {
        let invocation = nextInvocation.add(1, ordering: .relaxed).oldValue
        var logger = logs.logger(label: "kit.plugin.\(name)")
        logger[metadataKey: "invocation"] = "\(invocation)"
        let context = PluginContext(
            logger: logger, deadline: .now + deadline, invocationID: invocation, configuration: configuration,
            services: services.pluginServices(metrics: metrics))
        let run = self.run
        return try await PluginMetrics.$current.withValue(metrics.sink) { try await run(json, context) }
    }
}

public struct PluginHarnessError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
