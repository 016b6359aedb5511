import AWSClients
import AWSCore
import Foundation
import HTTPTransportCore
import Logging

/// The initialisers the host uses: a credential provider instead of a signer, signed with SigV4 (AWSClients itself
/// knows only ``AWSRequestSigner``). `nil` sends every request unsigned.
extension AWSClient {
    public init(
        service: AWSService, region: String? = nil, endpoint: String? = nil,
        credentialProvider: (any CredentialProvider)?, transport: any HTTPExecuting,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "kit.aws")
    ) throws(AWSError) {
        try self.init(
            service: service, region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer,
            transport: transport, environment: environment, configuration: configuration, logger: logger)
    }

    public init(
        service: AWSService, region: String, endpoint: AWSEndpoint, credentialProvider: (any CredentialProvider)?,
        transport: any HTTPExecuting, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "kit.aws")
    ) {
        self.init(
            service: service, region: region, endpoint: endpoint, signer: credentialProvider.sigV4Signer,
            transport: transport, configuration: configuration, logger: logger)
    }
}

extension Optional where Wrapped == any CredentialProvider {
    /// SigV4 over the provider, or no signer at all.
    var sigV4Signer: (any AWSRequestSigner)? {
        map { SigV4RequestSigner(credentialProvider: $0) }
    }
}
