import CKITPlugin
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One created instance: the handler's event function, the host's services, and the running invocations (for
/// `cancel`).
final class PluginInstance: Sendable {
    let run: EventFunction
    let logger: Logger
    let configuration: PluginConfiguration
    let services: PluginServices
    let metrics: PluginMetricsSink
    private let running = Mutex<[UInt64: Task<Void, Never>]>([:])

    init(
        run: @escaping EventFunction, logger: Logger, configuration: PluginConfiguration, services: PluginServices,
        metrics: PluginMetricsSink
    ) {
        self.run = run
        self.logger = logger
        self.configuration = configuration
        self.services = services
        self.metrics = metrics
    }

    /// The ABI's `handle` returns at once, so the invocation runs in its own task — the caller is C, there is
    /// nothing structured to attach it to. The task is registered under its invocation id before it can finish,
    /// so `cancel` and `destroy` always find it.
    func start(_ invocation: UInt64, event: [UInt8], deadlineEpochMs: Int64, completion: HandleCompletion) {
        let remainingMs = deadlineEpochMs - Int64(Date().timeIntervalSince1970 * 1000)
        let deadline = ContinuousClock.now + .milliseconds(max(0, remainingMs))
        var logger = self.logger
        logger[metadataKey: "invocation"] = "\(invocation)"
        let context = PluginContext(
            logger: logger, deadline: deadline, invocationID: invocation, configuration: configuration,
            services: services)
        let run = self.run
        let metrics = self.metrics
        // The task inherits the plugin's metrics sink as a task-local (binding it inside the task, with the async
        // `withValue`, cost ~10 µs per invocation; measured in bench-plugins.sh).
        PluginMetrics.$current.withValue(metrics) {
            running.withLock { running in
                running[invocation] = Task {
                    let result: Result<KinesisBatchResponse, any Error>
                    do {
                        result = .success(try await run(event, context))
                    } catch {
                        result = .failure(error)
                    }
                    _ = self.running.withLock { $0.removeValue(forKey: invocation) }
                    completion.report(result, cancelled: Task.isCancelled)
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

/// The host's completion for one invocation. `@unchecked`: the context belongs to the host until the completion
/// is called (ABI).
struct HandleCompletion: @unchecked Sendable {
    let function: kit_handle_completion
    let context: UnsafeMutableRawPointer?

    func report(_ result: Result<KinesisBatchResponse, any Error>, cancelled: Bool) {
        switch result {
        case .success(let response) where response.isSuccess:
            function(context, Int32(KIT_STATUS_OK.rawValue), nil, nil)
        case .success(let response):
            let identifiers = response.batchItemFailures.map { strdup($0.itemIdentifier) }
            defer { identifiers.forEach { free($0) } }
            identifiers.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
                var failures = kit_batch_item_failures(item_identifiers: buffer.baseAddress, count: buffer.count)
                function(context, Int32(KIT_STATUS_OK.rawValue), nil, &failures)
            }
        case .failure(let error):
            let status = cancelled ? KIT_STATUS_CANCELLED : KIT_STATUS_ERROR
            String(describing: error).withCString { function(context, Int32(status.rawValue), $0, nil) }
        }
    }
}

/// The host's completion for `create`.
private struct CreateCompletion: @unchecked Sendable {
    let function: kit_create_completion
    let context: UnsafeMutableRawPointer?

    func fail(_ message: String) { message.withCString { function(context, nil, $0) } }
    func succeed(_ instance: PluginInstance) { function(context, Unmanaged.passRetained(instance).toOpaque(), nil) }
}

private struct CommonConfiguration: Decodable {
    var logLevel: String?
}

/// The table pointer travels into the creating task; it stays valid until `destroy` (ABI rule 2).
private struct TablePointer: @unchecked Sendable {
    let table: UnsafePointer<kit_host_services>
}

let pluginCreate:
    @convention(c) (
        UnsafePointer<kit_plugin_descriptor>?, UnsafePointer<UInt8>?, Int, UnsafePointer<kit_host_services>?,
        kit_create_completion?, UnsafeMutableRawPointer?
    ) -> Void = { descriptor, config, configLength, services, completion, completionContext in
        guard let completion else { return }
        let done = CreateCompletion(function: completion, context: completionContext)
        guard let descriptor, let data = descriptor.pointee.plugin_data, let services else {
            return done.fail("create called with a NULL descriptor or services table")
        }
        guard services.pointee.abi_version >= 2, Int(services.pointee.size) >= MemoryLayout<kit_host_services>.size
        else {
            return done.fail(
                "host services table is ABI \(services.pointee.abi_version) (\(services.pointee.size) bytes); "
                    + "this plugin needs ABI \(KIT_PLUGIN_ABI_VERSION): update the host")
        }
        let factory = Unmanaged<HandlerFactory>.fromOpaque(UnsafeMutableRawPointer(mutating: data))
            .takeUnretainedValue()
        var json = Array("{}".utf8)
        if let config, configLength > 0 { json = Array(UnsafeBufferPointer(start: config, count: configLength)) }
        let table = TablePointer(table: services)
        // `create` returns at once and reports through its completion, so the handler's `async` init runs in its
        // own task (the caller is C: nothing structured to attach it to).
        Task {
            let host = HostTable(table: table.table)
            let configuration = PluginConfiguration(json: json)
            var logger = Logger(label: "kit.plugin.\(factory.name)") { _ in HostLogHandler(host: host) }
            if let level = (try? configuration.decode(CommonConfiguration.self))?.logLevel.flatMap({
                Logger.Level(rawValue: $0)
            }) {
                logger.logLevel = level
            }
            let services = host.services()
            let metrics = PluginMetricsSink { kind, name, value, dimensions in
                host.metric(kind: kind, name: name, value: value, dimensions: dimensions)
            }
            PluginMetrics.installIfPrivateImage(fallback: metrics)
            do {
                let run = try await PluginMetrics.$current.withValue(metrics) {
                    try await factory.make(
                        PluginInitContext(logger: logger, configuration: configuration, services: services))
                }
                done.succeed(
                    PluginInstance(
                        run: run, logger: logger, configuration: configuration, services: services, metrics: metrics))
            } catch {
                done.fail(String(describing: error))
            }
        }
    }

let pluginHandle:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, UnsafePointer<UInt8>?, Int, Int64, kit_handle_completion?,
        UnsafeMutableRawPointer?
    ) -> Void = { instance, invocation, event, length, deadline, completion, context in
        guard let completion else { return }
        guard let instance else {
            completion(context, Int32(KIT_STATUS_ERROR.rawValue), "handle called with a NULL instance", nil)
            return
        }
        var bytes: [UInt8] = []
        if let event, length > 0 { bytes = Array(UnsafeBufferPointer(start: event, count: length)) }
        Unmanaged<PluginInstance>.fromOpaque(instance).takeUnretainedValue().start(
            invocation, event: bytes, deadlineEpochMs: deadline,
            completion: HandleCompletion(function: completion, context: context))
    }

let pluginCancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { instance, invocation in
    guard let instance else { return }
    Unmanaged<PluginInstance>.fromOpaque(instance).takeUnretainedValue().cancel(invocation)
}

let pluginDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
    guard let instance else { return }
    let plugin = Unmanaged<PluginInstance>.fromOpaque(instance).takeRetainedValue()
    plugin.cancelAll()
}
