import CKITPlugin
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What `kit_plugin_entry` returns: the plugin's descriptor, opaque to the author.
public typealias KITPluginEntry = UnsafeRawPointer?

/// The one export line of a plugin library, for each kind of handler:
/// ```swift
/// @c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry { PersonAlert.export(abi) }
/// ```
/// The descriptor is made once per handler and kept for the life of the process (ABI rule 2).
extension KITPluginHandler where Output == Void {
    public static func export(_ hostABI: UInt32) -> KITPluginEntry {
        HandlerFactory.descriptor(for: Self.self, name: name, version: version) {
            let handler = try await Self(context: $0)
            return { event, context in
                try await handler.handle(KinesisEvent(json: event), context: context)
                return .success
            }
        }
    }
}

extension KITPluginHandler where Output == KinesisBatchResponse {
    public static func export(_ hostABI: UInt32) -> KITPluginEntry {
        HandlerFactory.descriptor(for: Self.self, name: name, version: version) {
            let handler = try await Self(context: $0)
            return { event, context in try await handler.handle(KinesisEvent(json: event), context: context) }
        }
    }
}

extension KITPluginByteHandler {
    public static func export(_ hostABI: UInt32) -> KITPluginEntry {
        HandlerFactory.descriptor(for: Self.self, name: name, version: version) {
            let handler = try await Self(context: $0)
            return { event, context in try await handler.handle(event, context: context) }
        }
    }
}

extension KITRecordHandler {
    public static func export(_ hostABI: UInt32) -> KITPluginEntry {
        HandlerFactory.descriptor(for: Self.self, name: name, version: version) {
            let handler = try await Self(context: $0)
            return { event, context in
                let batch = try KITRecordBatch(KinesisEvent(json: event), logger: context.logger)
                for item in batch {
                    do {
                        try await handler.handle(item.record, context: context)
                    } catch {
                        if Task.isCancelled { throw error }
                        context.logger.warning(
                            "record failed; it and the records after it will be delivered again",
                            metadata: ["eventID": "\(item.event.eventID)", "error": "\(error)"])
                        return .failure(from: item.event)
                    }
                }
                return batch.succeeded
            }
        }
    }
}

extension KITRecordBatchHandler {
    public static func export(_ hostABI: UInt32) -> KITPluginEntry {
        HandlerFactory.descriptor(for: Self.self, name: name, version: version) {
            let handler = try await Self(context: $0)
            return { event, context in
                let batch = try KITRecordBatch(KinesisEvent(json: event), logger: context.logger)
                let response = try await handler.handle(batch, context: context)
                return response.isSuccess ? batch.succeeded : response
            }
        }
    }
}

extension KITRecordBatch {
    /// The records up to the first that does not decode (which is then reported as failed).
    init(_ event: KinesisEvent, logger: Logger) throws {
        var items: [Item] = []
        var undecodable: KinesisEvent.Record?
        for record in event.records {
            do {
                items.append(Item(record: try record.kitRecord(), event: record))
            } catch {
                logger.error(
                    "record is not a KIT record; reported as failed",
                    metadata: ["eventID": "\(record.eventID)", "error": "\(error)"])
                undecodable = record
                break
            }
        }
        self.init(items: items, undecodable: undecodable)
    }
}

/// The bytes-in, batch-response-out function every handler kind is reduced to, and how to make it.
package typealias EventFunction = @Sendable ([UInt8], PluginContext) async throws -> KinesisBatchResponse

/// Kept in the descriptor's `plugin_data`: how to make the handler, without the C side knowing its type.
package final class HandlerFactory: Sendable {
    package let name: String
    package let version: String
    package let make: @Sendable (PluginInitContext) async throws -> EventFunction

    init(name: String, version: String, make: @escaping @Sendable (PluginInitContext) async throws -> EventFunction) {
        self.name = name
        self.version = version
        self.make = make
    }

    /// The factory behind an exported descriptor (what `PluginTesting` runs in process, without the C boundary).
    package static func factory(of entry: KITPluginEntry) -> HandlerFactory? {
        guard let descriptor = entry?.assumingMemoryBound(to: kit_plugin_descriptor.self),
            let data = descriptor.pointee.plugin_data
        else { return nil }
        return Unmanaged<HandlerFactory>.fromOpaque(UnsafeMutableRawPointer(mutating: data)).takeUnretainedValue()
    }

    /// One descriptor per key for the life of the process (never freed: ABI rule 2).
    private static let descriptors = Mutex<[String: DescriptorPointer]>([:])

    static func descriptor(
        for type: Any.Type, name: String, version: String,
        make: @escaping @Sendable (PluginInitContext) async throws -> EventFunction
    ) -> KITPluginEntry {
        descriptor(key: String(reflecting: type), name: name, version: version, make: make)
    }

    static func descriptor(
        key: String, name: String, version: String,
        make: @escaping @Sendable (PluginInitContext) async throws -> EventFunction
    ) -> KITPluginEntry {
        descriptors.withLock { table -> KITPluginEntry in
            if let made = table[key] { return made.pointer }
            let factory = HandlerFactory(name: name, version: version, make: make)
            let descriptor = UnsafeMutablePointer<kit_plugin_descriptor>.allocate(capacity: 1)
            descriptor.initialize(
                to: kit_plugin_descriptor(
                    abi_version: UInt32(KIT_PLUGIN_ABI_VERSION), size: UInt32(MemoryLayout<kit_plugin_descriptor>.size),
                    name: UnsafePointer(strdup(name)), version: UnsafePointer(strdup(version)),
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
