import CKITPlugin

/// The C functions of one plugin's descriptor, read according to the ABI version the descriptor declares: version 2
/// (`kit_plugin_descriptor`: asynchronous `create`, partial batch failures) or version 1
/// (`kit_plugin_descriptor_v1`: synchronous `create`, whole-batch outcomes). Both layouts have the same fields at
/// the same offsets; only the function types differ.
enum PluginEntryPoints: @unchecked Sendable {
    // @unchecked: descriptors are immutable and live for the process (ABI rule 2).
    case v1(UnsafePointer<kit_plugin_descriptor_v1>)
    case v2(UnsafePointer<kit_plugin_descriptor>)

    /// Validates the descriptor's common prefix and picks its layout, or says why it cannot be used.
    static func read(_ raw: UnsafeRawPointer) -> Result<PluginEntryPoints, PluginRefusal> {
        let version = raw.assumingMemoryBound(to: kit_plugin_descriptor.self).pointee.abi_version
        switch version {
        case 2:
            let descriptor = raw.assumingMemoryBound(to: kit_plugin_descriptor.self)
            let fields = descriptor.pointee
            guard Int(fields.size) >= MemoryLayout<kit_plugin_descriptor>.size else {
                return .failure(short(fields.size))
            }
            guard fields.create != nil, fields.handle != nil, fields.cancel != nil, fields.destroy != nil else {
                return .failure(incomplete)
            }
            return .success(.v2(descriptor))
        case 1:
            let descriptor = raw.assumingMemoryBound(to: kit_plugin_descriptor_v1.self)
            let fields = descriptor.pointee
            guard Int(fields.size) >= MemoryLayout<kit_plugin_descriptor_v1>.size else {
                return .failure(short(fields.size))
            }
            guard fields.create != nil, fields.handle != nil, fields.cancel != nil, fields.destroy != nil else {
                return .failure(incomplete)
            }
            return .success(.v1(descriptor))
        default:
            return .failure(
                PluginRefusal(
                    .unsupportedABI,
                    "plugin ABI version \(version) is not supported (this host speaks "
                        + "\(KIT_PLUGIN_ABI_VERSION_MIN)–\(KIT_PLUGIN_ABI_VERSION)); rebuild the plugin against this "
                        + "host's PluginAPI"))
        }
    }

    private static func short(_ size: UInt32) -> PluginRefusal {
        PluginRefusal(.invalidDescriptor, "descriptor is \(size) bytes, shorter than its ABI version's layout")
    }

    private static let incomplete = PluginRefusal(
        .invalidDescriptor, "descriptor lacks create, handle, cancel or destroy")

    var abiVersion: UInt32 {
        switch self {
        case .v1: 1
        case .v2: 2
        }
    }

    var name: String {
        switch self {
        case .v1(let d): d.pointee.name.map { String(cString: $0) } ?? ""
        case .v2(let d): d.pointee.name.map { String(cString: $0) } ?? ""
        }
    }

    var version: String {
        switch self {
        case .v1(let d): d.pointee.version.map { String(cString: $0) } ?? ""
        case .v2(let d): d.pointee.version.map { String(cString: $0) } ?? ""
        }
    }

    /// Starts one invocation; the plugin reports through `completion` (a v1 or v2 function chosen here).
    func handle(
        _ instance: UnsafeMutableRawPointer?, invocation: UInt64, event: [UInt8], deadlineEpochMs: Int64,
        context: UnsafeMutableRawPointer
    ) {
        event.withUnsafeBufferPointer { bytes in
            switch self {
            case .v1(let d):
                d.pointee.handle?(
                    instance, invocation, bytes.baseAddress, bytes.count, deadlineEpochMs, invocationCompletionV1,
                    context)
            case .v2(let d):
                d.pointee.handle?(
                    instance, invocation, bytes.baseAddress, bytes.count, deadlineEpochMs, invocationCompletion,
                    context)
            }
        }
    }

    func cancel(_ instance: UnsafeMutableRawPointer?, invocation: UInt64) {
        switch self {
        case .v1(let d): d.pointee.cancel?(instance, invocation)
        case .v2(let d): d.pointee.cancel?(instance, invocation)
        }
    }

    func destroy(_ instance: UnsafeMutableRawPointer?) {
        switch self {
        case .v1(let d): d.pointee.destroy?(instance)
        case .v2(let d): d.pointee.destroy?(instance)
        }
    }
}
