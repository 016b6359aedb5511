import AWSCore
import Foundation

/// Tries providers in order and sticks with the first that answers, as the AWS SDKs do: a provider that throws
/// ``CredentialsError/Code/notConfigured`` is skipped, any other error ends the search (a broken configuration
/// should be fixed, not hidden by a fallback). If the remembered provider later reports `notConfigured` (its
/// variables or files went away) the search starts over.
public actor CredentialProviderChain: CredentialProvider {
    private let providers: [(name: String, provider: any CredentialProvider)]
    private var chosen: Int?

    public init(_ providers: [(name: String, provider: any CredentialProvider)]) {
        self.providers = providers
    }

    /// The standard order: environment → shared profile (static keys, `credential_process`, web identity) → web
    /// identity from the environment → container (ECS/EKS) → EC2 instance metadata.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: any CredentialHTTPClient,
        clock: any WallClock = SystemWallClock()
    ) -> CredentialProviderChain {
        CredentialProviderChain([
            ("environment", EnvironmentCredentialProvider(environment: environment)),
            (
                "profile",
                ProfileCredentialProvider(environment: environment, httpClient: httpClient, clock: clock)
            ),
            (
                "web-identity",
                WebIdentityCredentialProvider(
                    environment: environment, httpClient: httpClient, clock: clock)
            ),
            ("container", ContainerCredentialProvider(environment: environment, httpClient: httpClient)),
            (
                "imds", InstanceMetadataCredentialProvider(environment: environment, httpClient: httpClient)
            ),
        ])
    }

    /// The name of the provider that answered last, if any.
    public var chosenProviderName: String? {
        chosen.map { providers[$0].name }
    }

    public func credentials() async throws -> Credentials {
        if let chosen {
            do {
                return try await providers[chosen].provider.credentials()
            } catch let error as CredentialsError where error.code == .notConfigured {
                self.chosen = nil
            }
        }
        var skipped: [String] = []
        for (index, entry) in providers.enumerated() {
            do {
                let credentials = try await entry.provider.credentials()
                chosen = index
                return credentials
            } catch let error as CredentialsError where error.code == .notConfigured {
                skipped.append("\(entry.name): \(error.message)")
            }
        }
        throw CredentialsError(
            .notConfigured, provider: "chain", "no credentials found (\(skipped.joined(separator: "; ")))"
        )
    }
}
