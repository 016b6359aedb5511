import AWSCore
import Foundation

/// The selected profile of the shared files (`AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`), read
/// afresh on every call:
/// 1. `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`),
/// 2. else `credential_process`,
/// 3. else `role_arn` + `web_identity_token_file` (web identity, STS endpoint per the profile's region),
/// 4. else ``CredentialsError/Code/notConfigured``, so the chain goes on to the container and instance providers.
///
/// Profiles that chain roles (`source_profile`, `credential_source`) or use SSO are reported as
/// ``CredentialsError/Code/unsupportedConfiguration`` rather than silently skipped. A profile named explicitly
/// that does not exist is ``CredentialsError/Code/invalidConfiguration``.
public struct ProfileCredentialProvider: CredentialProvider {
    private let environment: [String: String]
    private let profileName: String?
    private let httpClient: (any CredentialHTTPClient)?
    private let clock: any WallClock

    /// `httpClient` is needed only for web identity profiles.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, profileName: String? = nil,
        httpClient: (any CredentialHTTPClient)? = nil, clock: any WallClock = SystemWallClock()
    ) {
        self.environment = environment
        self.profileName = profileName
        self.httpClient = httpClient
        self.clock = clock
    }

    public func credentials() async throws -> Credentials {
        let files = try SharedConfigFiles.load(environment: environment)
        let explicitName =
            profileName ?? SharedConfigFiles.explicitProfileName(environment: environment)
        let name = explicitName ?? "default"
        guard let profile = files.profile(named: name) else {
            throw CredentialsError(
                explicitName == nil ? .notConfigured : .invalidConfiguration, provider: "profile",
                "profile \(name) is not in the shared config or credentials file")
        }

        if let accessKey = profile["aws_access_key_id"] {
            guard let secret = profile["aws_secret_access_key"] else {
                throw CredentialsError(
                    .invalidConfiguration, provider: "profile",
                    "profile \(name) has aws_access_key_id but no aws_secret_access_key")
            }
            return Credentials(
                accessKeyId: accessKey, secretAccessKey: secret,
                sessionToken: profile["aws_session_token"] ?? profile["aws_security_token"])
        }
        if let command = profile["credential_process"] {
            return try await ProcessCredentialProvider(command: command).credentials()
        }
        if let roleArn = profile["role_arn"] {
            guard let tokenFile = profile["web_identity_token_file"] else {
                throw CredentialsError(
                    .unsupportedConfiguration, provider: "profile",
                    "profile \(name) assumes a role from source_profile/credential_source, which is not supported"
                )
            }
            guard let httpClient else {
                throw CredentialsError(
                    .invalidConfiguration, provider: "profile",
                    "profile \(name) uses web identity but no HTTP client was given")
            }
            let region = RegionResolver.resolve(
                environment: environment, configFiles: files, profileName: name)
            let endpoint = EndpointResolver.resolve(
                service: .sts, region: region, environment: environment, configFiles: files,
                profileName: name)
            let configuration = WebIdentityCredentialProvider.Configuration(
                roleArn: roleArn, tokenFile: SharedConfigFiles.path(tokenFile, environment: environment),
                sessionName: profile["role_session_name"],
                stsEndpoint: endpoint?.url ?? "https://sts.amazonaws.com")
            return try await WebIdentityCredentialProvider(
                configuration: configuration, httpClient: httpClient, clock: clock
            ).credentials()
        }
        if profile["sso_session"] != nil || profile["sso_start_url"] != nil {
            throw CredentialsError(
                .unsupportedConfiguration, provider: "profile",
                "profile \(name) uses IAM Identity Center (SSO)")
        }
        throw CredentialsError(
            .notConfigured, provider: "profile", "profile \(name) holds no credentials")
    }
}
