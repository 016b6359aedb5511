import AWSCore
import Foundation

/// EC2 instance profile credentials over IMDSv2: `PUT /latest/api/token`, then
/// `GET /latest/meta-data/iam/security-credentials/` for the role name and `GET …/<role>` for the credentials,
/// both with `X-aws-ec2-metadata-token`.
///
/// Off EC2 the token request cannot connect; that (and `AWS_EC2_METADATA_DISABLED=true`) is reported as
/// ``CredentialsError/Code/notConfigured``, because this is the last stop of the default chain. An IMDS that does
/// not know the token API (404/405) is asked without a token, as botocore does, unless
/// `AWS_EC2_METADATA_V1_DISABLED=true`. `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or `…_ENDPOINT_MODE=IPv6`) moves it.
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    private let environment: [String: String]
    private let httpClient: any CredentialHTTPClient
    private let timeout: Duration

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: any CredentialHTTPClient,
        timeout: Duration = .seconds(1)
    ) {
        self.environment = environment
        self.httpClient = httpClient
        self.timeout = timeout
    }

    var endpoint: String {
        if let configured = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"], !configured.isEmpty {
            return configured.trimmingSuffix("/")
        }
        if environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6" {
            return "http://[fd00:ec2::254]"
        }
        return "http://169.254.169.254"
    }

    public func credentials() async throws -> Credentials {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            throw CredentialsError(.notConfigured, provider: "imds", "AWS_EC2_METADATA_DISABLED is true")
        }
        let token = try await fetchToken()
        var headers: [SigV4Request.Header] = []
        if let token { headers.append(.init("X-aws-ec2-metadata-token", token)) }

        let listURL = endpoint + "/latest/meta-data/iam/security-credentials/"
        let list = try await send(
            CredentialHTTPRequest(method: "GET", url: listURL, headers: headers, timeout: timeout))
        guard list.status == 200 else {
            throw CredentialsError(
                list.status == 404 ? .notConfigured : .httpStatus, provider: "imds",
                list.status == 404
                    ? "this instance has no instance profile" : "listing the instance role failed",
                status: list.status)
        }
        guard
            let role = list.bodyText.split(whereSeparator: \.isNewline).first
                .map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty
        else {
            throw CredentialsError(.invalidResponse, provider: "imds", "the instance role list is empty")
        }
        let roleURL = listURL + URIEncoding.encodePathSegment(role)
        let response = try await send(
            CredentialHTTPRequest(method: "GET", url: roleURL, headers: headers, timeout: timeout))
        if response.status == 200,
            let status = try? JSONDecoder().decode(StatusDocument.self, from: Data(response.body)),
            let code = status.Code, code != "Success"
        {
            throw CredentialsError(
                .serviceError, provider: "imds",
                "instance metadata reports the credentials are not available",
                serviceCode: code)
        }
        return try ContainerCredentialProvider.parseResponse(response, provider: "imds")
    }

    struct StatusDocument: Decodable {
        var Code: String?
    }

    /// The IMDSv2 session token, or `nil` to fall back to IMDSv1.
    private func fetchToken() async throws -> String? {
        let request = CredentialHTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token",
            headers: [.init("X-aws-ec2-metadata-token-ttl-seconds", "21600")], timeout: timeout)
        let response: CredentialHTTPResponse
        do {
            response = try await httpClient.send(request)
        } catch {
            throw CredentialsError(
                .notConfigured, provider: "imds",
                "the instance metadata service is unreachable (\(request))",
                underlying: error)
        }
        switch response.status {
        case 200:
            let token = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw CredentialsError(.invalidResponse, provider: "imds", "empty IMDSv2 token")
            }
            return token
        case 404, 405:
            guard environment["AWS_EC2_METADATA_V1_DISABLED"]?.lowercased() != "true" else {
                throw CredentialsError(
                    .httpStatus, provider: "imds", "IMDSv2 is unavailable and IMDSv1 is disabled",
                    status: response.status)
            }
            return nil
        default:
            throw CredentialsError(
                .httpStatus, provider: "imds", "the IMDSv2 token request was refused",
                status: response.status)
        }
    }

    private func send(_ request: CredentialHTTPRequest) async throws -> CredentialHTTPResponse {
        do {
            return try await httpClient.send(request)
        } catch {
            throw CredentialsError(
                .transportFailed, provider: "imds", "\(request) failed", underlying: error)
        }
    }
}
