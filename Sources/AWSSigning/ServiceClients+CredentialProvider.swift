import AWSClients
import AWSCore
import Foundation
import HTTPTransportCore

// Each service client's resolving initialiser with a credential provider (SigV4) instead of a signer.

extension S3Client {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, addressingStyle: S3AddressingStyle = .automatic,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            addressingStyle: addressingStyle, environment: environment)
    }
}

extension KinesisVideoClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}

extension KinesisClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}

extension DynamoDBClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}

extension CloudWatchClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}

extension SageMakerRuntimeClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}

extension ResourceGroupsTaggingClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}
