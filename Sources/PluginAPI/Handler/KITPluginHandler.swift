/// A KIT plugin in the style of the Lambda runtime's handlers: made once per plugin load from its configuration,
/// then called with each batch. Throwing fails the batch: the host retries it with backoff, bisects it to isolate
/// the bad record, then dead-letters it with the error's description. Respond to task cancellation (the deadline
/// passed): the host has already given up on the invocation.
///
/// Expose it to the host with one line in the plugin's library (see ``KITPluginExport``):
/// ```swift
/// @_cdecl("kit_plugin_entry")
/// public func kitPluginEntry(_ abi: UInt32) -> UnsafeRawPointer? { KITPluginExport.entry(MyHandler.self, abi) }
/// ```
public protocol KITPluginHandler: Sendable {
    /// Unique among the host's plugins, `[A-Za-z0-9._-]`, 1–64 characters; names its config, logs and metrics.
    static var name: String { get }
    static var version: String { get }

    init(context: PluginInitContext) throws

    func handle(_ event: KinesisEvent, context: PluginContext) async throws
}

/// The bytes-level layer under ``KITPluginHandler``: receives the Lambda event JSON undecoded (for handlers that
/// forward it as is, or decode it their own way).
public protocol KITPluginByteHandler: Sendable {
    static var name: String { get }
    static var version: String { get }

    init(context: PluginInitContext) throws

    func handle(_ event: [UInt8], context: PluginContext) async throws
}

/// Adapts a typed handler to the bytes layer: decodes the event, then calls it.
struct TypedHandlerAdapter<Handler: KITPluginHandler>: KITPluginByteHandler {
    static var name: String { Handler.name }
    static var version: String { Handler.version }
    let handler: Handler

    init(context: PluginInitContext) throws { handler = try Handler(context: context) }

    func handle(_ event: [UInt8], context: PluginContext) async throws {
        try await handler.handle(KinesisEvent(json: event), context: context)
    }
}

/// A handler from a closure, for small plugins and tests.
public struct ClosurePluginHandler: Sendable {
    public let body: @Sendable (KinesisEvent, PluginContext) async throws -> Void
    public init(_ body: @escaping @Sendable (KinesisEvent, PluginContext) async throws -> Void) { self.body = body }
}
