import Foundation
import KVSLocal
import Logging

/// Runs a KVS server in-process on 127.0.0.1, port 0, for the duration of `body`.
func withKVSServer<T: Sendable>(dataDirectory: URL, _ body: @Sendable (String) async throws -> T) async throws -> T {
    var configuration = KVSLocalServer.Configuration(dataDirectory: dataDirectory.path)
    configuration.limits.getMediaIdleTimeout = .seconds(1)
    configuration.syncWrites = false
    var logger = Logger(label: "kvs-local-test")
    logger.logLevel = .critical
    let server = KVSLocalServer(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await server.run()
            return nil
        }
        do {
            let url = try await server.listeningURL()
            let result = try await body(url)
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
