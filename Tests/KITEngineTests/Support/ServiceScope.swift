import Logging
import ServiceLifecycle

/// Runs `service` (an in-process test server) for the duration of `body`, then shuts it down gracefully, and cancels
/// it only if it has not stopped within `grace`.
///
/// Why not just cancel: a Hummingbird server cancelled while a connection is accepted but not yet served drops that
/// connection's `NIOAsyncChannel` unclosed, and NIO traps ("Deinited NIOAsyncWriter without calling finish()",
/// swift-nio#2637) — which kills the whole test process. That happens when a test ends right after aborting
/// requests in flight (a pipeline cancelled on a lost lease). A graceful shutdown first closes the listener and
/// serves every connection already accepted, so nothing is left to drop.
func withService<T: Sendable>(
    _ service: any Service, grace: Duration = .seconds(5), _ body: () async throws -> T
) async throws -> T {
    var logger = Logger(label: "test-service")
    logger.logLevel = .critical
    let services = ServiceGroup(
        configuration: .init(
            services: [.init(service: service)], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await services.triggerGracefulShutdown()
        group.addTask { try? await Task.sleep(for: grace) }
        // Whichever ends first: the service (shut down) or the grace period; the other is cancelled.
        _ = try? await group.next()
        group.cancelAll()
        return try result.get()
    }
}
