import ArgumentParser
import Foundation
import HTTPTransport
import KITLeases
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `kithost lease-probe` (hidden, for tests): one lease coordinator in its own process, so the lease tests can show
/// several processes sharing one SQLite file. It checkpoints every held stream every 100 ms, writes each event to
/// stderr as a line, and on end of stdin releases its leases and exits 0 (SIGKILL is the crash).
struct LeaseProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease-probe", abstract: "Run one lease coordinator until stdin closes (for tests).",
        shouldDisplay: false)

    @Option(help: "sqlite:PATH or dynamodb:TABLE.")
    var store: String

    @Option(help: "This worker's id.")
    var workerId: String

    @Option(help: "Comma-separated stream names.")
    var streams: String

    @Option(help: "The failover time in milliseconds.")
    var failoverMillis = 10_000

    func run() async throws {
        let location = try LeaseStoreLocation(parsing: store)
        let http = try HTTPClient()
        let leaseStore = try LeaseStoreFactory.makeStore(location, transport: http)
        var logger = Logger(label: "kit.lease-probe")
        logger.logLevel = .warning
        let coordinator = LeaseCoordinator(
            store: leaseStore, workerId: workerId, failover: .milliseconds(failoverMillis), logger: logger)
        await coordinator.setStreams(Set(streams.split(separator: ",").map(String.init)))
        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await coordinator.run() }
                group.addTask {
                    for await event in coordinator.events { printError("\(event)") }
                }
                group.addTask {
                    var fragment = 0
                    while !Task.isCancelled {
                        for lease in await coordinator.snapshot().held {
                            fragment += 1
                            _ = try? await coordinator.checkpoint(
                                key: lease.key, Checkpoint(fragmentNumber: String(fragment)))
                        }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                group.addTask { await Self.endOfStandardInput() }
                // The first to finish is the end of stdin (or a failing run): then everything stops.
                try await group.next()
                group.cancelAll()
                try await group.waitForAll()
            }
            outcome = .success(())
        } catch is CancellationError {
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await http.shutdown()
        try outcome.get()
    }

    /// Returns when stdin reaches its end (read on a thread of its own: the read blocks).
    static func endOfStandardInput() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 256)
                while buffer.withUnsafeMutableBytes({ read(0, $0.baseAddress, $0.count) }) > 0 {}
                done.resume()
            }
        }
    }
}
