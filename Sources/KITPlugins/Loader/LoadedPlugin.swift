import CKITPlugin
import Dispatch
import Foundation
import Synchronization

/// One created plugin instance behind its C descriptor. ``invoke(event:deadline:)`` turns the ABI's
/// callback-style `handle` into an `async` call bounded by a deadline: when the deadline passes first, the plugin
/// is told to `cancel` and the call returns ``InvocationOutcome/timedOut`` without waiting any longer (a late
/// completion is ignored).
final class LoadedPlugin: @unchecked Sendable {
    // @unchecked: the C pointers are set once in `init`; the plugin's functions are thread-safe by contract.
    let name: String
    let version: String
    let path: String
    let sha256: String
    let entry: PluginEntryPoints
    private let instance: UnsafeMutableRawPointer?
    let host: PluginHostContext
    private let nextInvocation = Atomic<UInt64>(1)
    /// Invocations whose completion has not arrived yet (including abandoned ones).
    let outstanding = Atomic<Int>(0)
    private let destroyed = Atomic<Bool>(false)

    init(
        path: String, sha256: String, entry: PluginEntryPoints, instance: UnsafeMutableRawPointer?,
        host: PluginHostContext
    ) {
        name = entry.name
        version = entry.version
        self.path = path
        self.sha256 = sha256
        self.entry = entry
        self.instance = instance
        self.host = host
    }

    /// Whether the plugin can report partial batch failures (ABI 2).
    var reportsItemFailures: Bool { entry.abiVersion >= 2 }

    func invoke(event: [UInt8], deadline: Duration) async -> InvocationOutcome {
        let invocation = nextInvocation.add(1, ordering: .relaxed).oldValue
        let box = InvocationBox(owner: self)
        let context = Unmanaged.passRetained(box).toOpaque()
        let deadlineEpochMs = Int64((Date().timeIntervalSince1970 + deadline.seconds) * 1000)
        outstanding.add(1, ordering: .relaxed)
        entry.handle(instance, invocation: invocation, event: event, deadlineEpochMs: deadlineEpochMs, context: context)
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
        if outcome == .timedOut || outcome == .abandoned { entry.cancel(instance, invocation: invocation) }
        return outcome
    }

    /// Calls `destroy` once, and only when no invocation is outstanding: destroying an instance under a hung
    /// handler would pull memory from under it, so such an instance is deliberately left alone.
    func destroyIfIdle() -> Bool {
        guard outstanding.load(ordering: .relaxed) == 0 else { return false }
        guard !destroyed.exchange(true, ordering: .relaxed) else { return true }
        entry.destroy(instance)
        return true
    }
}

/// How one invocation ended.
enum InvocationOutcome: Sendable, Equatable {
    case succeeded
    /// The plugin completed but reported these records (`kinesis.sequenceNumber`s, never empty) as failed.
    case partial(failedItems: [String])
    case failed(String)
    case timedOut
    /// The calling task was cancelled (host shutdown) before the plugin finished.
    case abandoned
}

/// Resolved once, by the plugin's completion or by the deadline, whichever comes first.
final class InvocationBox: Sendable {
    private struct State {
        var outcome: InvocationOutcome?
        var waiter: CheckedContinuation<InvocationOutcome, Never>?
    }
    private let state = Mutex(State())
    /// Whose `outstanding` count the plugin's completion decrements.
    let owner: LoadedPlugin

    init(owner: LoadedPlugin) { self.owner = owner }

    func resolve(_ outcome: InvocationOutcome) {
        let waiter = state.withLock { state -> CheckedContinuation<InvocationOutcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    func outcome() async -> InvocationOutcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> InvocationOutcome? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The plugin's report, whatever its ABI version.
    func completed(status: Int32, error: UnsafePointer<CChar>?, failedItems: [String]) {
        owner.outstanding.subtract(1, ordering: .relaxed)
        if status == Int32(KIT_STATUS_OK.rawValue) {
            resolve(failedItems.isEmpty ? .succeeded : .partial(failedItems: failedItems))
        } else if status == Int32(KIT_STATUS_CANCELLED.rawValue) {
            resolve(.failed(error.map { String(cString: $0) } ?? "cancelled"))
        } else {
            resolve(.failed(error.map { String(cString: $0) } ?? "plugin reported an error without a message"))
        }
    }
}

/// The version-2 completion handed to `handle`: `context` is the retained ``InvocationBox`` (released here,
/// exactly once).
let invocationCompletion:
    @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<kit_batch_item_failures>?)
        -> Void = { context, status, error, failures in
            guard let context else { return }
            var items: [String] = []
            if let failures, let identifiers = failures.pointee.item_identifiers {
                for index in 0..<failures.pointee.count {
                    // A NULL identifier is kept as "" so the dispatcher fails the batch, as Lambda does.
                    items.append(identifiers[index].map { String(cString: $0) } ?? "")
                }
            }
            Unmanaged<InvocationBox>.fromOpaque(context).takeRetainedValue()
                .completed(status: status, error: error, failedItems: items)
        }

/// The version-1 completion: no batch item failures.
let invocationCompletionV1: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void = {
    context, status, error in
    guard let context else { return }
    Unmanaged<InvocationBox>.fromOpaque(context).takeRetainedValue()
        .completed(status: status, error: error, failedItems: [])
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
