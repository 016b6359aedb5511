import CKITPlugin
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a handler type into the C entry point the host looks for. In the plugin's library, one line:
/// ```swift
/// @_cdecl("kit_plugin_entry")
/// public func kitPluginEntry(_ abi: UInt32) -> UnsafeRawPointer? { KITPluginExport.entry(MyHandler.self, abi) }
/// ```
/// The returned pointer is the plugin's `kit_plugin_descriptor` (see `kit_plugin.h`), made once per handler type
/// and kept for the life of the process.
public enum KITPluginExport {
    public static func entry<Handler: KITPluginHandler>(_ handler: Handler.Type, _ hostABI: UInt32) -> UnsafeRawPointer?
    {
        descriptor(for: TypedHandlerAdapter<Handler>.self)
    }

    public static func entry<Handler: KITPluginByteHandler>(_ handler: Handler.Type, _ hostABI: UInt32)
        -> UnsafeRawPointer?
    {
        descriptor(for: Handler.self)
    }

    private static func descriptor<Handler: KITPluginByteHandler>(for type: Handler.Type) -> UnsafeRawPointer? {
        descriptors.withLock { table -> UnsafeRawPointer? in
            let key = ObjectIdentifier(type)
            if let made = table[key] { return made.pointer }
            let factory = HandlerFactory(name: Handler.name) { try Handler(context: $0) }
            let descriptor = UnsafeMutablePointer<kit_plugin_descriptor>.allocate(capacity: 1)
            descriptor.initialize(
                to: kit_plugin_descriptor(
                    abi_version: UInt32(KIT_PLUGIN_ABI_VERSION), size: UInt32(MemoryLayout<kit_plugin_descriptor>.size),
                    name: UnsafePointer(strdup(Handler.name)), version: UnsafePointer(strdup(Handler.version)),
                    plugin_data: UnsafeRawPointer(Unmanaged.passRetained(factory).toOpaque()), create: pluginCreate,
                    handle: pluginHandle, cancel: pluginCancel, destroy: pluginDestroy))
            let pointer = UnsafeRawPointer(descriptor)
            table[key] = DescriptorPointer(pointer: pointer)
            return pointer
        }
    }
}

/// Descriptors are immutable once made and never freed (ABI rule 2).
private struct DescriptorPointer: @unchecked Sendable {
    let pointer: UnsafeRawPointer
}

private let descriptors = Mutex<[ObjectIdentifier: DescriptorPointer]>([:])

/// Kept in the descriptor's `plugin_data`: how to make the handler, without the C side knowing its type.
private final class HandlerFactory: Sendable {
    let name: String
    let make: @Sendable (PluginInitContext) throws -> any KITPluginByteHandler

    init(name: String, make: @escaping @Sendable (PluginInitContext) throws -> any KITPluginByteHandler) {
        self.name = name
        self.make = make
    }
}

/// One created instance: the handler, the host's services, and the running invocations (for `cancel`).
private final class PluginInstance: Sendable {
    let handler: any KITPluginByteHandler
    let logger: Logger
    let configuration: PluginConfiguration
    let services: PluginServices
    private let running = Mutex<[UInt64: Task<Void, Never>]>([:])

    init(
        handler: any KITPluginByteHandler, logger: Logger, configuration: PluginConfiguration,
        services: PluginServices
    ) {
        self.handler = handler
        self.logger = logger
        self.configuration = configuration
        self.services = services
    }

    /// The ABI's `handle` returns at once, so the invocation runs in its own task; the task is registered under
    /// its invocation id before it can finish, so `cancel` and `destroy` always find it.
    func start(_ invocation: UInt64, event: [UInt8], deadlineEpochMs: Int64, completion: Completion) {
        let remainingMs = deadlineEpochMs - Int64(Date().timeIntervalSince1970 * 1000)
        let deadline = ContinuousClock.now + .milliseconds(max(0, remainingMs))
        var logger = self.logger
        logger[metadataKey: "invocation"] = "\(invocation)"
        let context = PluginContext(
            logger: logger, deadline: deadline, invocationID: invocation, configuration: configuration,
            services: services)
        let handler = self.handler
        running.withLock { running in
            running[invocation] = Task {
                var status = Int32(KIT_STATUS_OK.rawValue)
                var message: String?
                do {
                    try await handler.handle(event, context: context)
                } catch {
                    status = Int32((Task.isCancelled ? KIT_STATUS_CANCELLED : KIT_STATUS_ERROR).rawValue)
                    message = String(describing: error)
                }
                _ = self.running.withLock { $0.removeValue(forKey: invocation) }
                if let message {
                    message.withCString { completion.function(completion.context, status, $0) }
                } else {
                    completion.function(completion.context, status, nil)
                }
            }
        }
    }

    func cancel(_ invocation: UInt64) {
        running.withLock { $0[invocation] }?.cancel()
    }

    func cancelAll() {
        for task in running.withLock({ Array($0.values) }) { task.cancel() }
    }
}

private struct Completion: @unchecked Sendable {
    // @unchecked: the context belongs to the host until the completion is called (ABI).
    let function: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void
    let context: UnsafeMutableRawPointer?
}

private struct CommonConfiguration: Decodable {
    var logLevel: String?
}

private let pluginCreate:
    @convention(c) (
        UnsafePointer<kit_plugin_descriptor>?, UnsafePointer<UInt8>?, Int, UnsafePointer<kit_host_services>?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<CChar>?, Int
    ) -> Int32 = { descriptor, config, configLength, services, instance, error, errorCapacity in
        func fail(_ message: String) -> Int32 {
            if let error, errorCapacity > 0 {
                let bytes = Array(message.utf8.prefix(errorCapacity - 1))
                for (index, byte) in bytes.enumerated() { error[index] = CChar(bitPattern: byte) }
                error[bytes.count] = 0
            }
            return Int32(KIT_STATUS_ERROR.rawValue)
        }
        guard let descriptor, let data = descriptor.pointee.plugin_data, let services, let instance else {
            return fail("create called with a NULL descriptor, services table or instance slot")
        }
        guard services.pointee.abi_version == UInt32(KIT_PLUGIN_ABI_VERSION),
            Int(services.pointee.size) >= MemoryLayout<kit_host_services>.size
        else {
            return fail(
                "host services table is ABI \(services.pointee.abi_version) (\(services.pointee.size) bytes); "
                    + "this plugin needs ABI \(KIT_PLUGIN_ABI_VERSION)")
        }
        let factory = Unmanaged<HandlerFactory>.fromOpaque(UnsafeMutableRawPointer(mutating: data))
            .takeUnretainedValue()
        let host = HostTable(table: services)
        var json = Array("{}".utf8)
        if let config, configLength > 0 { json = Array(UnsafeBufferPointer(start: config, count: configLength)) }
        let configuration = PluginConfiguration(json: json)
        var logger = Logger(label: "kit.plugin.\(factory.name)") { _ in HostLogHandler(host: host) }
        if let level = (try? configuration.decode(CommonConfiguration.self))?.logLevel.flatMap({
            Logger.Level(rawValue: $0)
        }) {
            logger.logLevel = level
        }
        let pluginServices = host.services()
        do {
            let handler = try factory.make(
                PluginInitContext(logger: logger, configuration: configuration, services: pluginServices))
            let made = PluginInstance(
                handler: handler, logger: logger, configuration: configuration, services: pluginServices)
            instance.pointee = Unmanaged.passRetained(made).toOpaque()
            return Int32(KIT_STATUS_OK.rawValue)
        } catch {
            return fail(String(describing: error))
        }
    }

private let pluginHandle:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, UnsafePointer<UInt8>?, Int, Int64, kit_handle_completion?,
        UnsafeMutableRawPointer?
    ) -> Void = { instance, invocation, event, length, deadline, completion, context in
        guard let completion else { return }
        guard let instance else {
            completion(context, Int32(KIT_STATUS_ERROR.rawValue), "handle called with a NULL instance")
            return
        }
        var bytes: [UInt8] = []
        if let event, length > 0 { bytes = Array(UnsafeBufferPointer(start: event, count: length)) }
        Unmanaged<PluginInstance>.fromOpaque(instance).takeUnretainedValue().start(
            invocation, event: bytes, deadlineEpochMs: deadline,
            completion: Completion(function: completion, context: context))
    }

private let pluginCancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { instance, invocation in
    guard let instance else { return }
    Unmanaged<PluginInstance>.fromOpaque(instance).takeUnretainedValue().cancel(invocation)
}

private let pluginDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
    guard let instance else { return }
    let plugin = Unmanaged<PluginInstance>.fromOpaque(instance).takeRetainedValue()
    plugin.cancelAll()
}
