import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport

/// Which lease store to use: the `leaseStore` configuration value, `sqlite:PATH` or `dynamodb:TABLE`.
public enum LeaseStoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case dynamoDB(table: String)

    /// Parses `sqlite:PATH` or `dynamodb:TABLE` (the scheme is case-insensitive; the rest must not be empty).
    public init(parsing text: String) throws(LeaseStoreError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let rest = parts.count == 2 ? String(parts[1]) : ""
        switch (parts.first?.lowercased(), rest.isEmpty) {
        case ("sqlite", false): self = .sqlite(path: rest)
        case ("dynamodb", false): self = .dynamoDB(table: rest)
        default:
            throw LeaseStoreError(
                .invalidLocation, store: text, "expected sqlite:PATH or dynamodb:TABLE, got \"\(text)\"")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .dynamoDB(let table): "dynamodb:\(table)"
        }
    }
}

/// Builds the configured store. The AWS pieces are parameters, so the host passes the transport and credentials it
/// shares with its other clients; they are only used for DynamoDB.
public enum LeaseStoreFactory {
    /// - Parameters:
    ///   - region: `nil` resolves it from `environment` like the AWS CLI.
    ///   - credentialProvider: `nil` builds the standard chain (environment, profile, container, instance).
    ///   - endpoint: an explicit DynamoDB URL; `nil` honours `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL`.
    public static func makeStore(
        _ location: LeaseStoreLocation, region: String? = nil, transport: any HTTPExecuting,
        credentialProvider: (any CredentialProvider)? = nil, endpoint: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LeaseStoreError) -> any LeaseStore {
        switch location {
        case .sqlite(let path):
            return SQLiteLeaseStore(path: path)
        case .dynamoDB(let table):
            let credentials =
                credentialProvider
                ?? RefreshingCredentialProvider.standard(transport: transport, environment: environment)
            do {
                let client = try DynamoDBClient(
                    region: region, endpoint: endpoint, credentialProvider: credentials, transport: transport,
                    environment: environment)
                return DynamoDBLeaseStore(client: client, table: table)
            } catch {
                throw LeaseStoreError(
                    .service, store: location.description, "cannot configure DynamoDB: \(error.message)",
                    underlying: error)
            }
        }
    }
}
