import Foundation
import KVSLocal
import Logging

/// Runs a local KVS server in-process on 127.0.0.1, port 0, for the duration of `body`, which gets the server and
/// its URL; the server's task is cancelled (and awaited) when `body` ends, whatever way it ends. Defaults suit
/// tests: GetMedia sessions idle out after a second, writes are not synced, and the server is quiet unless
/// `KVS_LOCAL_TEST_LOG` names a level (cancellation at the end of a test logs an error in Hummingbird).
public func withKVSServer<T: Sendable>(
    dataDirectory: URL, configure: (inout KVSLocalServer.Configuration) -> Void = { _ in },
    _ body: @Sendable (KVSLocalServer, String) async throws -> T
) async throws -> T {
    var configuration = KVSLocalServer.Configuration(dataDirectory: dataDirectory.path)
    configuration.limits.getMediaIdleTimeout = .seconds(1)
    configuration.syncWrites = false
    configure(&configuration)
    var logger = Logger(label: "kvs-local-test")
    logger.logLevel =
        ProcessInfo.processInfo.environment["KVS_LOCAL_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
    let server = KVSLocalServer(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await server.run()
            return nil
        }
        do {
            let url = try await server.listeningURL()
            let result = try await body(server, url)
            group.cancelAll()
            while (try? await group.next()) != nil {}
            return result
        } catch {
            group.cancelAll()
            while (try? await group.next()) != nil {}
            throw error
        }
    }
}
