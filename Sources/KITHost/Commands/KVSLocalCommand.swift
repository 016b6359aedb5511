import ArgumentParser
import KVSLocal
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `kithost kvs-local`: a local Kinesis Video Streams on one port, serving a data directory. The first line on
/// standard output is the bound URL (so `--port 0` can be used without racing for ports); logs go to standard error.
/// SIGTERM and SIGINT shut it down gracefully (live GetMedia sessions end cleanly).
struct KVSLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvs-local",
        abstract: "Run a local Kinesis Video Streams server (control plane, PutMedia, GetMedia, archived media).")

    @Option(help: "Port to listen on; 0 picks a free one (the URL is printed on the first line).")
    var port: Int

    @Option(help: "Data directory: streams, fragments and their index (created if missing).")
    var data: String

    @Option(help: "Interface to listen on.")
    var host = "127.0.0.1"

    @Option(help: "URL GetDataEndpoint answers (default: the bound URL).")
    var advertisedUrl: String?

    @Flag(help: "Accept unsigned requests too (handy for curl).")
    var allowUnsigned = false

    @Flag(help: "No per-stream call-rate, connection or GetMedia bandwidth limits (load tests, benchmarks).")
    var noLimits = false

    @Flag(help: "Do not fsync fragments before acknowledging them PERSISTED (faster, not crash-safe).")
    var noSync = false

    @Option(help: "Seconds a GetMedia session that has sent everything waits for a new fragment before it ends.")
    var getMediaIdleTimeout = 30.0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, not \(port)") }
        guard !data.isEmpty else { throw ValidationError("--data must name a directory") }
        guard getMediaIdleTimeout > 0, getMediaIdleTimeout <= 86_400 else {
            throw ValidationError("--get-media-idle-timeout must be between 0 and 86400 seconds")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        var logger = Logger(label: "kit.kvs-local") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var configuration = KVSLocalServer.Configuration(
            dataDirectory: data, host: host, port: port, advertisedURL: advertisedUrl)
        if allowUnsigned { configuration.authorization = .allowUnsigned }
        if noLimits { configuration.limits = .unlimited }
        configuration.syncWrites = !noSync
        configuration.limits.getMediaIdleTimeout = .milliseconds(Int64(getMediaIdleTimeout * 1000))
        let server = KVSLocalServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let url = try await server.listeningURL()
                writeLine(url, to: 1)
                try await tasks.next()
            }
        } catch {
            printError("kithost kvs-local: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Writes one line straight to a file descriptor (unbuffered: a reader of a pipe sees it at once).
func writeLine(_ text: String, to descriptor: Int32) {
    var line = text + "\n"
    line.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}
