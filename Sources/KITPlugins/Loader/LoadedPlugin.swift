import CKITPlugin
import Dispatch
import Foundation
import Synchronization

/// One created plugin instance behind its C descriptor. ``invoke(event:deadline:)`` turns the ABI's
/// callback-style `handle` into an `async` call bounded by a deadline: when the deadline passes first, the plugin
/// is told to `cancel` and the call returns ``Outcome/timedOut`` without waiting any longer (a late completion is
/// ignored).
final class LoadedPlugin: @unchecked Sendable {
    // @unchecked: the C pointers are set once in `init`; the plugin's functions are thread-safe by contract.
    let name: String
    let version: String
    let path: String
    let sha256: String
    private let descriptor: UnsafePointer<kit_plugin_descriptor>
    private let instance: UnsafeMutableRawPointer?
    let host: PluginHostContext
    private let nextInvocation = Atomic<UInt64>(1)
    /// Invocations whose completion has not arrived yet (including abandoned ones).
    let outstanding = Atomic<Int>(0)
    private let destroyed = Atomic<Bool>(false)

    enum Outcome: Sendable, Equatable {
        case succeeded
        case failed(String)
        case timedOut
        /// The calling task was cancelled (host shutdown) before the plugin finished.
        case abandoned
    }

    init(
        name: String, version: String, path: String, sha256: String,
        descriptor: UnsafePointer<kit_plugin_descriptor>, instance: UnsafeMutableRawPointer?,
        host: PluginHostContext
    ) {
        self.name = name
        self.version = version
        self.path = path
        self.sha256 = sha256
        self.descriptor = descriptor
        self.instance = instance
        self.host = host
    }

    func invoke(event: [UInt8], deadline: Duration) async -> Outcome {
        guard let handle = descriptor.pointee.handle else { return .failed("plugin has no handle function") }
        let invocation = nextInvocation.add(1, ordering: .relaxed).oldValue
        let box = CompletionBox(owner: self)
        let context = Unmanaged.passRetained(box).toOpaque()
        let deadlineEpochMs = Int64((Date().timeIntervalSince1970 + deadline.seconds) * 1000)
        outstanding.add(1, ordering: .relaxed)
        event.withUnsafeBufferPointer { bytes in
            handle(instance, invocation, bytes.baseAddress, bytes.count, deadlineEpochMs, pluginCompletion, context)
        }
        // The deadline is a Dispatch timer source rather than a sleeping child task: a task group with a sleeping
        // child per invocation costs far more per call. Cancelling the source when the completion wins releases
        // it at once (an `asyncAfter` work item would stay queued, holding the box, until the deadline).
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler { box.resolve(.timedOut) }
        timer.schedule(deadline: .now() + deadline.seconds)
        timer.activate()
        let outcome = await withTaskCancellationHandler {
            await box.outcome()
        } onCancel: {
            box.resolve(.abandoned)
        }
        timer.cancel()
        if outcome == .timedOut || outcome == .abandoned, let cancel = descriptor.pointee.cancel {
            cancel(instance, invocation)
        }
        return outcome
    }

    /// Calls `destroy` once, and only when no invocation is outstanding: destroying an instance under a hung
    /// handler would pull memory from under it, so such an instance is deliberately left alone.
    func destroyIfIdle() -> Bool {
        guard outstanding.load(ordering: .relaxed) == 0 else { return false }
        guard !destroyed.exchange(true, ordering: .relaxed) else { return true }
        descriptor.pointee.destroy?(instance)
        return true
    }
}

/// Resolved once, by the plugin's completion or by the deadline, whichever comes first.
final class CompletionBox: Sendable {
    private struct State {
        var outcome: LoadedPlugin.Outcome?
        var waiter: CheckedContinuation<LoadedPlugin.Outcome, Never>?
    }
    private let state = Mutex(State())
    /// Whose `outstanding` count the plugin's completion decrements.
    let owner: LoadedPlugin

    init(owner: LoadedPlugin) { self.owner = owner }

    func resolve(_ outcome: LoadedPlugin.Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<LoadedPlugin.Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    func outcome() async -> LoadedPlugin.Outcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> LoadedPlugin.Outcome? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// The completion handed to `handle`: `context` is the retained ``CompletionBox`` (released here, exactly once).
private let pluginCompletion: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void = {
    context, status, error in
    guard let context else { return }
    let box = Unmanaged<CompletionBox>.fromOpaque(context).takeRetainedValue()
    box.owner.outstanding.subtract(1, ordering: .relaxed)
    if status == kitStatusOK {
        box.resolve(.succeeded)
    } else if status == kitStatusCancelled {
        box.resolve(.failed(error.map { String(cString: $0) } ?? "cancelled"))
    } else {
        box.resolve(.failed(error.map { String(cString: $0) } ?? "plugin reported an error without a message"))
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
