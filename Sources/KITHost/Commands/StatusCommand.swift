import AWSClients
import AWSSigV4
import AWSSigning
import ArgumentParser
import Foundation
import HTTPTransport
import KITEngine
import KITLeases
import Logging

/// `kithost status --config FILE [--json]`: the lease table of the configured store (owner, counter, checkpoint,
/// checkpoint age, lag). Reads only: it never creates the store, the table or a lease.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print the lease table: who processes each stream and how far it got.")

    @Option(help: "The configuration file `kithost run` uses (JSON or YAML).")
    var config: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let configuration: HostConfiguration
        do {
            configuration = try HostConfiguration.load(file: config)
        } catch {
            printError("kithost status: \(error)")
            throw ExitCode(2)
        }
        let location = configuration.leaseStore.location
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            printError("kithost status: no lease store at \(path) (no worker has run with this configuration yet)")
            throw ExitCode(1)
        }
        let http: HTTPClient
        do {
            http = try HTTPClient()
        } catch {
            printError("kithost status: \(error)")
            throw ExitCode(1)
        }
        let listed: Result<[Lease], any Error>
        do {
            listed = .success(try await Self.store(configuration, transport: http).list())
        } catch let error as ConfigurationError {
            await http.shutdown()
            printError("kithost status: \(error)")
            throw ExitCode(2)
        } catch {
            listed = .failure(error)
        }
        await http.shutdown()
        guard case .success(let leases) = listed else {
            if case .failure(let error) = listed { printError("kithost status: \(error)") }
            throw ExitCode(1)
        }
        let report = LeaseTableReport(
            store: location.description, leases: leases, nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
        if json {
            print(try report.json())
        } else {
            print(report.table(), terminator: "")
        }
    }

    /// The configured store, read-only use: a SQLite file needs no AWS; a DynamoDB table is reached through the
    /// host's client factory (its region resolved as `kithost run` resolves it).
    static func store(_ configuration: HostConfiguration, transport: HTTPClient) throws -> any LeaseStore {
        if case .sqlite(let path) = configuration.leaseStore { return SQLiteLeaseStore(path: path) }
        let environment = ProcessInfo.processInfo.environment
        let aws = try AWSClientFactory(
            region: configuration.region, transport: transport,
            credentials: RefreshingCredentialProvider.standard(transport: transport, environment: environment),
            environment: environment, logger: Logger(label: "kithost.status"))
        return try aws.leaseStore(configuration.leaseStore)
    }
}
