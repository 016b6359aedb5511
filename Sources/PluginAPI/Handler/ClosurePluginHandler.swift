/// A plugin from a closure, for small plugins and tests — exportable like any handler:
/// ```swift
/// @c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry {
///     ClosurePluginHandler(name: "Echo", version: "1.0") { event, context in
///         context.logger.info("\(event.records.count) records")
///     }.export(abi)
/// }
/// ```
/// The closure has no initialisation step; the first exported closure of a name is the one the host runs.
public struct ClosurePluginHandler: Sendable {
    public let name: String
    public let version: String
    let body: EventFunction

    /// A handler that succeeds or throws for the whole batch.
    public init(
        name: String, version: String, _ body: @escaping @Sendable (KinesisEvent, PluginContext) async throws -> Void
    ) {
        self.name = name
        self.version = version
        self.body = { event, context in
            try await body(KinesisEvent(json: event), context)
            return .success
        }
    }

    /// A handler that reports partial batch failures.
    public init(
        name: String, version: String,
        _ body: @escaping @Sendable (KinesisEvent, PluginContext) async throws -> KinesisBatchResponse
    ) {
        self.name = name
        self.version = version
        self.body = { event, context in try await body(KinesisEvent(json: event), context) }
    }

    public func export(_ hostABI: UInt32) -> KITPluginEntry {
        let body = self.body
        return HandlerFactory.descriptor(key: "closure:\(name)", name: name, version: version) { _ in body }
    }
}
