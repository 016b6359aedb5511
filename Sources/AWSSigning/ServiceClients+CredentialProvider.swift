import AWSClients
import AWSCore
import Foundation
import HTTPTransportCore

// The service clients' resolving initialisers with a credential provider (SigV4) instead of a signer.

extension AWSServiceClient {
    public init(
        region: String? = nil, endpoint: String? = nil, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        try self.init(
            region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer, transport: transport,
            environment: environment)
    }
}

/// S3 is not an ``AWSServiceClient``: its initialisers also take the addressing style.
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
