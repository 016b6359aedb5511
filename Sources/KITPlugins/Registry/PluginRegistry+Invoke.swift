import KITAsync
import Foundation

/// What one direct invocation came to (`kithost plugins invoke`): Lambda's `sam local invoke` for a plugin.
public struct PluginInvocationResult: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Every record succeeded.
        case ok
        /// The plugin reported some records as failed (Lambda's `batchItemFailures`).
        case partial
        /// The handler failed as a whole.
        case failed
        /// No completion within the deadline; the invocation was cancelled.
        case timedOut
    }

    public struct ItemFailure: Sendable, Codable, Equatable {
        public var itemIdentifier: String
    }

    public var plugin: String
    public var version: String
    public var abiVersion: Int
    public var outcome: Outcome
    public var records: Int
    public var batchItemFailures: [ItemFailure]
    public var error: String?
    public var durationMillis: Double

    public var succeeded: Bool { outcome == .ok }
}

extension PluginRegistry {
    /// Loads one plugin file with every check a directory load applies (permissions, digest, ABI, `create`).
    public func load(file path: String) async -> PluginLoadReport {
        do { try await loads.acquire() } catch { return PluginLoadReport(path: path, refusal: Self.cancelled) }
        defer { loads.release() }
        return await loadFile(path)
    }

    /// Invokes the running plugin `name` once with `event` (a Lambda Kinesis event's JSON), outside any lane.
    public func invoke(plugin name: String, event: [UInt8], deadline: Duration) async -> PluginInvocationResult? {
        guard let plugin = plugins.first(where: { $0.name == name }) else { return nil }
        let records =
            ((try? JSONSerialization.jsonObject(with: Data(event))) as? [String: Any])?["Records"] as? [Any]
        let start = ContinuousClock.now
        let outcome = await plugin.invoke(event: event, deadline: deadline)
        let elapsed = ContinuousClock.now - start
        var result = PluginInvocationResult(
            plugin: plugin.name, version: plugin.version, abiVersion: Int(plugin.entry.abiVersion), outcome: .ok,
            records: records?.count ?? 0, batchItemFailures: [], error: nil,
            durationMillis: (elapsed.seconds * 1000 * 1000).rounded() / 1000)
        switch outcome {
        case .succeeded: break
        case .partial(let items):
            result.outcome = .partial
            result.batchItemFailures = items.map { .init(itemIdentifier: $0) }
        case .failed(let message):
            result.outcome = .failed
            result.error = message
        case .timedOut:
            result.outcome = .timedOut
            result.error = "no completion within \(deadline); invocation cancelled"
        case .abandoned:
            result.outcome = .failed
            result.error = "abandoned: the host is shutting down"
        }
        return result
    }
}
