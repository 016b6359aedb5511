import AWSCore
import Foundation

/// ECS / Fargate task roles and EKS Pod Identity: `GET` the URL in `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
/// (relative to `http://169.254.170.2`) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with an `Authorization` header
/// taken from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every call, it rotates) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// A full URI over plain HTTP must point at a loopback address or at the ECS/EKS agent addresses, as botocore
/// requires, so a credential request can never leave the host unencrypted.
public struct ContainerCredentialProvider: CredentialProvider {
    static let ecsHost = "http://169.254.170.2"
    static let allowedPlainHTTPHosts: Set<String> = [
        "localhost", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]", "::1",
        "[::1]",
    ]

    private let environment: [String: String]
    private let httpClient: any CredentialHTTPClient
    private let attempts: Int

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: any CredentialHTTPClient,
        attempts: Int = 3
    ) {
        self.environment = environment
        self.httpClient = httpClient
        self.attempts = max(1, attempts)
    }

    public func credentials() async throws -> Credentials {
        let url = try endpointURL()
        var headers: [SigV4Request.Header] = [.init("Accept", "application/json")]
        if let token = try authorizationToken() {
            headers.append(.init("Authorization", token))
        }
        let request = CredentialHTTPRequest(
            method: "GET", url: url, headers: headers, timeout: .seconds(2))
        var lastError: (any Error)?
        for _ in 0..<attempts {
            try Task.checkCancellation()
            do {
                let response = try await httpClient.send(request)
                if (500...599).contains(response.status) {
                    lastError = CredentialsError(
                        .httpStatus, provider: "container", "container credentials endpoint failed",
                        status: response.status)
                    continue
                }
                return try Self.parseResponse(response)
            } catch let error as CredentialsError {
                throw error
            } catch {
                lastError = CredentialsError(
                    .transportFailed, provider: "container", "\(request) failed", underlying: error)
            }
        }
        throw lastError
            ?? CredentialsError(
                .transportFailed, provider: "container", "container credentials endpoint failed")
    }

    func endpointURL() throws -> String {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            return Self.ecsHost + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty else {
            throw CredentialsError(
                .notConfigured, provider: "container",
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
            )
        }
        guard let url = URL(string: full), let scheme = url.scheme?.lowercased(),
            let host = url.host?.lowercased()
        else {
            throw CredentialsError(
                .invalidConfiguration, provider: "container",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
        }
        if scheme == "https" { return full }
        guard scheme == "http", Self.isAllowedPlainHTTPHost(host) else {
            throw CredentialsError(
                .invalidConfiguration, provider: "container",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, or http to a loopback or ECS/EKS agent address; "
                    + "got host \(host)")
        }
        return full
    }

    static func isAllowedPlainHTTPHost(_ host: String) -> Bool {
        if allowedPlainHTTPHosts.contains(host) { return true }
        // 127.0.0.0/8
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    func authorizationToken() throws -> String? {
        var token: String?
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            do {
                token = try String(contentsOfFile: file, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CredentialsError(
                    .fileUnreadable, provider: "container",
                    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)",
                    underlying: error)
            }
        } else if let value = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !value.isEmpty {
            token = value
        }
        if let token, token.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw CredentialsError(
                .invalidConfiguration, provider: "container",
                "the container authorization token contains a line break")
        }
        return token
    }

    struct Document: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var Token: String?
        var Expiration: String?
    }

    struct ErrorDocument: Decodable {
        var code: String?
        var message: String?
        var Code: String?
        var Message: String?
    }

    static func parseResponse(_ response: CredentialHTTPResponse, provider: String = "container")
        throws
        -> Credentials
    {
        guard response.status == 200 else {
            let document = try? JSONDecoder().decode(ErrorDocument.self, from: Data(response.body))
            let code = document?.code ?? document?.Code
            let message = (document?.message ?? document?.Message).map { String($0.prefix(300)) }
            throw CredentialsError(
                code == nil ? .httpStatus : .serviceError, provider: provider,
                "credentials endpoint refused" + (message.map { ": \($0)" } ?? ""), serviceCode: code,
                status: response.status)
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(response.body))
        } catch {
            throw CredentialsError(
                .invalidResponse, provider: provider,
                "credentials endpoint answer is not the expected JSON (\(JSONShape.describe(error)))")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = AWSTimestamp.parseISO8601(text) else {
                throw CredentialsError(
                    .invalidResponse, provider: provider, "Expiration is not ISO 8601: \(text)")
            }
            expiration = date
        }
        return Credentials(
            accessKeyId: document.AccessKeyId, secretAccessKey: document.SecretAccessKey,
            sessionToken: document.Token.flatMap { $0.isEmpty ? nil : $0 }, expiration: expiration)
    }
}
