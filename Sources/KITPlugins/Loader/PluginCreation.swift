import CKITPlugin
import Synchronization

extension PluginEntryPoints {
    /// Makes an instance from `config` and the services table, within `timeout`. A version-2 `create` reports
    /// asynchronously; if it reports after the timeout, the late instance is destroyed at once. A version-1
    /// `create` runs synchronously on the calling thread.
    func create(config: [UInt8], services: UnsafePointer<kit_host_services>, timeout: Duration) async -> Result<
        InstancePointer, PluginRefusal
    > {
        switch self {
        case .v1(let descriptor):
            return createV1(descriptor, config: config, services: services)
        case .v2(let descriptor):
            guard let create = descriptor.pointee.create else {
                return .failure(PluginRefusal(.invalidDescriptor, "descriptor has no create"))
            }
            let box = CreationBox(entry: self)
            let context = Unmanaged.passRetained(box).toOpaque()
            config.withUnsafeBufferPointer { bytes in
                create(descriptor, bytes.baseAddress, bytes.count, services, creationCompletion, context)
            }
            return await box.result(timeout: timeout)
        }
    }

    private func createV1(
        _ descriptor: UnsafePointer<kit_plugin_descriptor_v1>, config: [UInt8],
        services: UnsafePointer<kit_host_services>
    ) -> Result<InstancePointer, PluginRefusal> {
        guard let create = descriptor.pointee.create else {
            return .failure(PluginRefusal(.invalidDescriptor, "descriptor has no create"))
        }
        var instance: UnsafeMutableRawPointer?
        var error = [CChar](repeating: 0, count: 1024)
        let status = config.withUnsafeBufferPointer { bytes in
            error.withUnsafeMutableBufferPointer { buffer in
                create(
                    descriptor, bytes.baseAddress, bytes.count, services, &instance, buffer.baseAddress,
                    buffer.count - 1)
            }
        }
        guard status == Int32(KIT_STATUS_OK.rawValue) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(PluginRefusal.createFailed(reason.isEmpty ? "status \(status), no reason given" : reason))
        }
        return .success(InstancePointer(raw: instance))
    }
}

/// A plugin instance pointer: the plugin's, passed back to it unchanged (ABI rule 3), never dereferenced here.
struct InstancePointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer?
}

extension PluginRefusal {
    static func createFailed(_ reason: String) -> PluginRefusal {
        PluginRefusal(.createFailed, "create failed: \(reason)")
    }
}

/// Resolved once: by the plugin's completion or by the timeout, whichever comes first.
final class CreationBox: @unchecked Sendable {
    // @unchecked: the entry points are immutable; the state is behind the mutex.
    typealias Outcome = Result<InstancePointer, PluginRefusal>
    private struct State {
        var outcome: Outcome?
        var timedOut = false
        var waiter: CheckedContinuation<Outcome, Never>?
    }
    private let state = Mutex(State())
    private let entry: PluginEntryPoints

    init(entry: PluginEntryPoints) { self.entry = entry }

    /// The plugin's report. After a timeout the instance is no one's: destroy it.
    func complete(instance: UnsafeMutableRawPointer?, error: String?) {
        let outcome: Outcome =
            instance != nil || error == nil
            ? .success(InstancePointer(raw: instance)) : .failure(.createFailed(error ?? "no reason given"))
        let (waiter, late) = state.withLock { state -> (CheckedContinuation<Outcome, Never>?, Bool) in
            if state.timedOut { return (nil, true) }
            guard state.outcome == nil else { return (nil, false) }
            state.outcome = outcome
            defer { state.waiter = nil }
            return (state.waiter, false)
        }
        if late, instance != nil { entry.destroy(instance) }
        waiter?.resume(returning: outcome)
    }

    func result(timeout: Duration) async -> Outcome {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    self.expire(timeout)
                } catch {
                    // Cancelled: the plugin answered first.
                }
            }
            let outcome = await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Outcome? in
                    if let outcome = state.outcome { return outcome }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
            group.cancelAll()
            return outcome
        }
    }

    private func expire(_ timeout: Duration) {
        let refusal = PluginRefusal(.createFailed, "create did not complete within \(timeout)")
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.timedOut = true
            state.outcome = .failure(refusal)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .failure(refusal))
    }
}

/// `context` is the retained ``CreationBox`` (released here, exactly once).
private let creationCompletion:
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafePointer<CChar>?)
        -> Void = { context, instance, error in
            guard let context else { return }
            let box = Unmanaged<CreationBox>.fromOpaque(context).takeRetainedValue()
            box.complete(instance: instance, error: error.map { String(cString: $0) })
        }
