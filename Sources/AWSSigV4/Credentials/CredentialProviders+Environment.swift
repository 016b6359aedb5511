import AWSCore
import Foundation

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (and `AWS_CREDENTIAL_EXPIRATION`, which
/// botocore also reads). Empty values count as unset, as in botocore.
public struct EnvironmentCredentialProvider: CredentialProvider {
    private let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func credentials() async throws -> Credentials {
        try resolve()
    }

    func resolve() throws -> Credentials {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        let accessKey = value("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
        let secret = value("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
        guard let accessKey else {
            if secret != nil {
                throw CredentialsError(
                    .invalidConfiguration, provider: "environment",
                    "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
            }
            throw CredentialsError(
                .notConfigured, provider: "environment", "AWS_ACCESS_KEY_ID is not set")
        }
        guard let secret else {
            throw CredentialsError(
                .invalidConfiguration, provider: "environment",
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        var expiration: Date?
        if let text = value("AWS_CREDENTIAL_EXPIRATION") {
            guard let date = AWSTimestamp.parseISO8601(text) else {
                throw CredentialsError(
                    .invalidConfiguration, provider: "environment",
                    "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: \(text)")
            }
            expiration = date
        }
        return Credentials(
            accessKeyId: accessKey, secretAccessKey: secret,
            sessionToken: value("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"), expiration: expiration)
    }
}
