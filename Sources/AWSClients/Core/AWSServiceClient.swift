import AWSCore
import Foundation
import HTTPTransportCore

/// A service client: a typed façade over one ``AWSClient`` bound to one ``AWSService``. Conforming gives the
/// resolving initialiser every such client has (region and endpoint looked up as ``AWSClient`` does, for
/// ``service``), so each client declares only its service and its calls.
public protocol AWSServiceClient: Sendable {
    /// The service every client of this type talks to.
    static var service: AWSService { get }
    var client: AWSClient { get }
    init(client: AWSClient)
}

extension AWSServiceClient {
    /// - Parameters:
    ///   - region: `nil` resolves `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region` from
    ///     `environment`.
    ///   - endpoint: an explicit URL; `nil` resolves the configured endpoint for ``service``, else the default.
    ///   - signer: `nil` sends every request unsigned.
    public init(
        region: String? = nil, endpoint: String? = nil, signer: (any AWSRequestSigner)?,
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AWSError) {
        self.init(
            client: try AWSClient(
                service: Self.service, region: region, endpoint: endpoint, signer: signer, transport: transport,
                environment: environment))
    }
}
