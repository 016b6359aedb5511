import AWSSigV4
import CKITPlugin
import Foundation
import HTTPTransport
import KITPluginPairs
import Logging
import Metrics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The host side of one plugin's `kit_host_services` table: the C functions in the table find this object through
/// the table's `host` pointer and serve the plugin with the host's transport, credentials, logger, metrics and
/// frame images.
///
/// Lifetime: the table (and this object, retained by it) is never freed. Plugins are never unloaded, a plugin may
/// keep the table until `destroy`, and a plugin whose `create` failed may still hold it; a few hundred bytes per
/// loaded file is the price of never handing a plugin a dangling pointer.
final class PluginHostContext: @unchecked Sendable {
    // @unchecked: `table` and `regionString` are written once in `init` and only read afterwards (by C).
    let pluginName: String
    let services: HostServices
    let images: FrameImageStore
    let logger: Logger
    let table: UnsafeMutablePointer<kit_host_services>
    private let regionString: UnsafeMutablePointer<CChar>?
    private let metricCache = Mutex<[String: CachedMetric]>([:])

    /// Whether the plugin may have the raw credentials (`credentials`); otherwise only `aws_sign` serves it.
    let rawCredentials: Bool

    /// `abiVersion` is the plugin's descriptor version: the table says it back, so a version-1 SDK (which checks
    /// the table's version) keeps accepting it.
    init(pluginName: String, abiVersion: UInt32, services: HostServices, images: FrameImageStore, rawCredentials: Bool)
    {
        self.pluginName = pluginName
        self.services = services
        self.images = images
        self.rawCredentials = rawCredentials
        var logger = services.logger
        logger[metadataKey: "plugin"] = "\(pluginName)"
        self.logger = logger
        regionString = strdup(services.region)
        table = .allocate(capacity: 1)
        table.initialize(
            to: kit_host_services(
                abi_version: abiVersion, size: UInt32(MemoryLayout<kit_host_services>.size), host: nil,
                region: UnsafePointer(regionString), http_send: hostHTTPSend, credentials: hostCredentials,
                log: hostLog, metric: hostMetric, frame_image: hostFrameImage, aws_sign: hostAWSSign))
        // Retained for the life of the process (see the type's comment).
        table.pointee.host = Unmanaged.passRetained(self).toOpaque()
    }

    static func from(_ host: UnsafeMutableRawPointer?) -> PluginHostContext? {
        guard let host else { return nil }
        return Unmanaged<PluginHostContext>.fromOpaque(host).takeUnretainedValue()
    }

    func record(kind: Int32, name: String, value: Double, dimensions: [(String, String)]) {
        let key = "\(kind)|\(name)|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let services = self.services
        let metric = metricCache.withLock { cache -> CachedMetric in
            if let cached = cache[key] { return cached }
            let all = [("plugin", pluginName)] + dimensions
            let made: CachedMetric
            switch kind {
            case kitMetricTimer: made = .timer(Timer(label: name, dimensions: all, factory: services.metrics))
            case kitMetricGauge: made = .gauge(Gauge(label: name, dimensions: all, factory: services.metrics))
            default: made = .counter(Counter(label: name, dimensions: all, factory: services.metrics))
            }
            // Bounded: a plugin inventing dimension values without end must not grow the host without end.
            if cache.count < 4096 { cache[key] = made }
            return made
        }
        switch metric {
        case .counter(let counter): counter.increment(by: Int64(max(0, value)))
        case .timer(let timer): timer.recordNanoseconds(Int64(max(0, value)))
        case .gauge(let gauge): gauge.record(value)
        }
    }
}

enum CachedMetric: Sendable {
    case counter(Counter)
    case timer(Timer)
    case gauge(Gauge)
}

let kitMetricTimer = Int32(KIT_METRIC_TIMER_NANOSECONDS.rawValue)
let kitMetricGauge = Int32(KIT_METRIC_GAUGE.rawValue)

/// A C completion function with its context, carried into the task that calls it. The ABI (not Swift) governs
/// the context's lifetime: it stays valid until the completion is called.
struct CCallback<Function>: @unchecked Sendable {
    let function: Function
    let context: UnsafeMutableRawPointer?
}

private let logLevels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]

private let hostLog:
    @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<kit_pair>?, Int) -> Void = {
        host, level, message, metadata, count in
        guard let context = PluginHostContext.from(host) else { return }
        let level = logLevels[Int(min(max(level, 0), Int32(logLevels.count - 1)))]
        var fields: Logger.Metadata = [:]
        for (name, value) in copyPairs(metadata, count: count) { fields[name] = .string(value) }
        let text = message.map { String(cString: $0) } ?? ""
        context.logger.log(level: level, "\(text)", metadata: fields.isEmpty ? nil : fields)
    }

private let hostMetric:
    @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, Double, UnsafePointer<kit_pair>?, Int) ->
        Void = { host, kind, name, value, dimensions, count in
            guard let context = PluginHostContext.from(host), let name, value.isFinite else { return }
            context.record(
                kind: kind, name: String(cString: name), value: value, dimensions: copyPairs(dimensions, count: count))
        }

private let hostFrameImage:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, kit_image_receiver?, UnsafeMutableRawPointer?) ->
        Void = { host, recordID, receive, receiverContext in
            guard let receive else { return }
            guard let context = PluginHostContext.from(host), let recordID,
                let image = context.images.image(for: String(cString: recordID))
            else {
                receive(receiverContext, nil, 0, nil)
                return
            }
            image.bytes.withUnsafeBufferPointer { bytes in
                image.contentType.withCString { type in receive(receiverContext, bytes.baseAddress, bytes.count, type) }
            }
        }

private let hostHTTPSend:
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<kit_http_request>?, kit_http_completion?, UnsafeMutableRawPointer?
    ) -> Void = { host, request, completion, completionContext in
        guard let completion else { return }
        guard let context = PluginHostContext.from(host), let request, let url = request.pointee.url else {
            completion(completionContext, nil, "invalidRequest", "http_send: NULL host, request or URL")
            return
        }
        let fields = request.pointee
        let method = fields.method.map { String(cString: $0) } ?? "GET"
        let body = copyBytes(fields.body, count: fields.body_length)
        let httpRequest = HTTPRequest(
            method: HTTPMethod(rawValue: method), url: String(cString: url),
            headers: HTTPHeaders(copyPairs(fields.headers, count: fields.header_count)),
            body: body.isEmpty ? .none : .bytes(body), isIdempotent: fields.idempotent != 0)
        let deadline = fields.timeout_ms > 0 ? ContinuousClock.now + .milliseconds(fields.timeout_ms) : nil
        let callback = CCallback(function: completion, context: completionContext)
        let transport = context.services.transport
        // The ABI's send is asynchronous and returns at once: the exchange runs in its own task, which ends by
        // calling the plugin's completion (always exactly once). There is nothing structured to attach it to —
        // the caller is C.
        Task {
            let result: Result<HTTPResponse, HTTPError>
            do {
                result = .success(try await transport.execute(httpRequest, deadline: deadline))
            } catch let error as HTTPError {
                result = .failure(error)
            } catch {
                result = .failure(HTTPError(code: .internalError, message: "\(error)"))
            }
            switch result {
            case .success(let response):
                let headers = response.head.headers.map { ($0.name, $0.value) }
                withCPairs(headers) { pairs, count in
                    response.body.withUnsafeBufferPointer { bytes in
                        var answer = kit_http_response(
                            status: Int32(response.head.status), headers: pairs, header_count: count,
                            body: bytes.baseAddress, body_length: bytes.count)
                        callback.function(callback.context, &answer, nil, nil)
                    }
                }
            case .failure(let error):
                callback.function(callback.context, nil, error.code.description, error.message)
            }
        }
    }

private let hostCredentials:
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, kit_credentials_completion?,
        UnsafeMutableRawPointer?
    ) -> Void = { host, service, region, completion, completionContext in
        guard let completion else { return }
        guard let context = PluginHostContext.from(host) else {
            completion(completionContext, nil, "credentials: NULL host")
            return
        }
        let serviceName = service.map { String(cString: $0) } ?? ""
        let regionName = region.map { String(cString: $0) } ?? context.services.region
        guard context.rawCredentials else {
            context.logger.warning(
                "plugin asked for raw credentials without being granted them",
                metadata: ["service": "\(serviceName)"])
            completion(
                completionContext, nil,
                "raw credentials are not granted to plugin \(context.pluginName): sign through aws_sign, or set "
                    + "\"rawCredentials\": true in its entry under plugins")
            return
        }
        guard let provider = context.services.credentials(serviceName, regionName) else {
            completion(completionContext, nil, "the host has no AWS credentials for \(serviceName) in \(regionName)")
            return
        }
        let callback = CCallback(function: completion, context: completionContext)
        // As for http_send: asynchronous by contract, so the lookup runs in its own task that ends in the callback.
        Task {
            do {
                let credentials = try await provider.credentials()
                credentials.accessKeyId.withCString { keyID in
                    credentials.secretAccessKey.withCString { secret in
                        withOptionalCString(credentials.sessionToken) { token in
                            var value = kit_credentials(
                                access_key_id: keyID, secret_access_key: secret, session_token: token,
                                expiration_epoch_seconds: credentials.expiration?.timeIntervalSince1970 ?? 0)
                            callback.function(callback.context, &value, nil)
                        }
                    }
                }
            } catch {
                callback.function(callback.context, nil, "credentials for \(serviceName): \(error)")
            }
        }
    }

func withOptionalCString<Result>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
