import AWSCore
import CKITPlugin
import Foundation
import HTTPTransportCore
import KITPluginPairs
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The host's `kit_host_services` table as the SDK sees it. Valid from `create` until `destroy` (ABI rule 2),
/// which bounds every use here: only the plugin instance and the values it hands its handler hold it.
struct HostTable: @unchecked Sendable {
    // @unchecked: the table is immutable and its functions are thread-safe by the ABI's contract.
    let table: UnsafePointer<kit_host_services>

    /// The host's region; the ABI promises one (never NULL), so an empty string only means a broken host.
    var region: String { table.pointee.region.map { String(cString: $0) } ?? "" }

    func log(level: Logger.Level, message: String, metadata: [(String, String)]) {
        guard let log = table.pointee.log else { return }
        withCPairs(metadata) { pairs, count in
            message.withCString { log(table.pointee.host, level.kitLevel, $0, pairs, count) }
        }
    }

    func metric(kind: PluginMetricKind, name: String, value: Double, dimensions: [(String, String)]) {
        guard let metric = table.pointee.metric else { return }
        withCPairs(dimensions) { pairs, count in
            name.withCString { metric(table.pointee.host, kind.rawValue, $0, value, pairs, count) }
        }
    }

    func image(recordID: String) -> FrameImage? {
        guard let frameImage = table.pointee.frame_image else { return nil }
        let sink = ImageSink()
        withExtendedLifetime(sink) {
            recordID.withCString {
                frameImage(table.pointee.host, $0, receiveImage, Unmanaged.passUnretained(sink).toOpaque())
            }
        }
        return sink.image
    }

    /// The SDK's services on this table: AWS clients over the host transport and credentials, metrics, images.
    func services() -> PluginServices {
        let aws = PluginAWS(
            transport: HostTransport(host: self), signer: HostSigner(host: self), region: region,
            rawCredentials: { service, region in
                try await HostCredentials(host: self).credentials(service: service, region: region)
            })
        return PluginServices(
            aws: aws,
            metric: { kind, name, value, dimensions in
                self.metric(kind: kind, name: name, value: value, dimensions: dimensions)
            }, image: { self.image(recordID: $0) })
    }
}

/// Receives `frame_image`'s synchronous answer (used only during that call).
private final class ImageSink {
    var image: FrameImage?
}

private let receiveImage:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<CChar>?)
        -> Void = { context, bytes, length, contentType in
            guard let context, let bytes else { return }
            let sink = Unmanaged<ImageSink>.fromOpaque(context).takeUnretainedValue()
            sink.image = FrameImage(
                bytes: Array(UnsafeBufferPointer(start: bytes, count: length)),
                contentType: contentType.map { String(cString: $0) } ?? "application/octet-stream")
        }

extension Logger.Level {
    var kitLevel: Int32 {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }
}

/// Forwards swift-log records to the host's logger (which labels them with the plugin's name).
struct HostLogHandler: LogHandler {
    let host: HostTable
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        host.log(
            level: event.level, message: event.message.description,
            metadata: merged.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") })
    }
}
