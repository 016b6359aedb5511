import ArgumentParser
import Foundation
import HTTPTransport
import KITEngine
import KITLeases

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
        let location: LeaseStoreLocation =
            switch configuration.leaseStore {
            case .sqlite(let path): .sqlite(path: path)
            case .dynamoDB(let table): .dynamoDB(table: table)
            }
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
            let store = try LeaseStoreFactory.makeStore(location, region: configuration.region, transport: http)
            listed = .success(try await store.list())
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
}
