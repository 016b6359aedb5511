import Logging
import ServiceLifecycle

extension PluginDispatcher {
    /// Runs the dispatcher for the duration of `body` — for tools, tests and benchmarks that have no
    /// `ServiceGroup` of their own — and shuts it down gracefully afterwards (queued batches finish within
    /// ``Configuration/shutdownTimeout``, instances are destroyed), whether `body` returns or throws.
    public func withRunning<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: self)], gracefulShutdownSignals: [], cancellationSignals: [],
                logger: services.logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Swift.Result<Result, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}
