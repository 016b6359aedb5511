import AWSSigV4
import Foundation
import Testing

/// The HTTP-based providers against a real server on 127.0.0.1 (Python's `http.server`, port 0, stopped by PID),
/// through a real HTTP client: what goes over the wire is what the services expect.
@Suite("HTTP credential providers against a loopback server", .serialized)
struct LoopbackProviderTests {
    static let credentialsJSON = """
        {"AccessKeyId": "ASIALOOP", "SecretAccessKey": "secret-loop", "Token": "token-loop",
         "Expiration": "2031-01-01T00:00:00Z", "Code": "Success", "Type": "AWS-HMAC"}
        """

    @Test("container: FULL_URI with a rotating authorization token file")
    func container() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let tokenFile = try directory.write("token", "eks-pod-identity-token\n")
        try await withLoopbackServer([
            .init(
                method: "GET", path: "/v1/credentials", status: 200, body: Self.credentialsJSON,
                requireHeaders: ["Authorization": "eks-pod-identity-token"])
        ]) { server in
            let provider = ContainerCredentialProvider(
                environment: [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-the-file-is-set",
                ], httpClient: URLSessionHTTPClient())
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyId == "ASIALOOP")
            #expect(credentials.sessionToken == "token-loop")
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_924_992_000))

            try "rotated-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let refused = await #expect(throws: CredentialsError.self) { try await provider.credentials() }
            #expect(refused?.status == 401)
            let logged = try await server.requests()
            #expect(logged.map { $0.headers["authorization"] } == ["eks-pod-identity-token", "rotated-token"])
        }
    }

    @Test("IMDSv2: token PUT with TTL, then role list and role credentials with the token")
    func instanceMetadata() async throws {
        let token = "AQAEAImdsToken=="
        try await withLoopbackServer([
            .init(method: "PUT", path: "/latest/api/token", status: 200, body: token),
            .init(
                method: "GET", path: "/latest/meta-data/iam/security-credentials/", status: 200, body: "kit-role\n",
                requireHeaders: ["X-aws-ec2-metadata-token": token]),
            .init(
                method: "GET", path: "/latest/meta-data/iam/security-credentials/kit-role", status: 200,
                body: Self.credentialsJSON, requireHeaders: ["X-aws-ec2-metadata-token": token]),
        ]) { server in
            let provider = InstanceMetadataCredentialProvider(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL + "/"],
                httpClient: URLSessionHTTPClient())
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyId == "ASIALOOP")
            #expect(credentials.secretAccessKey == "secret-loop")
            let logged = try await server.requests()
            #expect(
                logged.map { "\($0.method) \($0.path)" } == [
                    "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                    "GET /latest/meta-data/iam/security-credentials/kit-role",
                ])
            #expect(logged.first?.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600")
        }
    }

    @Test("IMDS: unreachable or disabled is notConfigured; no instance profile is notConfigured")
    func instanceMetadataAbsent() async throws {
        let unreachable = InstanceMetadataCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"], httpClient: URLSessionHTTPClient()
        )
        let refused = await #expect(throws: CredentialsError.self) { try await unreachable.credentials() }
        #expect(refused?.code == .notConfigured)
        let disabled = InstanceMetadataCredentialProvider(
            environment: ["AWS_EC2_METADATA_DISABLED": "TRUE"], httpClient: URLSessionHTTPClient())
        let off = await #expect(throws: CredentialsError.self) { try await disabled.credentials() }
        #expect(off?.code == .notConfigured)

        try await withLoopbackServer([.init(method: "PUT", path: "/latest/api/token", status: 200, body: "t")]) {
            server in
            let provider = InstanceMetadataCredentialProvider(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL], httpClient: URLSessionHTTPClient())
            let noRole = await #expect(throws: CredentialsError.self) { try await provider.credentials() }
            #expect(noRole?.code == .notConfigured)
            #expect(noRole?.status == 404)
        }
    }

    @Test("web identity: AssumeRoleWithWebIdentity form POST to the configured STS endpoint, XML answer")
    func webIdentity() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let tokenFile = try directory.write("token", "eyJhbGciOi.payload.sig\n")
        let answer = """
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <SubjectFromWebIdentityToken>system:serviceaccount:kit:host</SubjectFromWebIdentityToken>
                <Credentials>
                  <SessionToken>FwoGZXIvYXdz&amp;token</SessionToken>
                  <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>
                  <Expiration>2031-01-01T00:00:00Z</Expiration>
                  <AccessKeyId>ASIAWEBID</AccessKeyId>
                </Credentials>
              </AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """
        try await withLoopbackServer([.init(method: "POST", path: "/", status: 200, body: answer)]) { server in
            let clock = ManualClock()
            let chain = CredentialProviderChain.standard(
                environment: [
                    "HOME": directory.url.path, "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/kit host", "AWS_REGION": "eu-west-1",
                    "AWS_ENDPOINT_URL_STS": server.baseURL, "AWS_EC2_METADATA_DISABLED": "true",
                ], httpClient: URLSessionHTTPClient(), clock: clock)
            let credentials = try await chain.credentials()
            #expect(await chain.chosenProviderName == "web-identity")
            #expect(credentials.accessKeyId == "ASIAWEBID")
            #expect(credentials.sessionToken == "FwoGZXIvYXdz&token")
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_924_992_000))

            let logged = try await server.requests()
            #expect(logged.count == 1)
            #expect(logged.first?.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
            #expect(
                logged.first?.body
                    == "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                    + "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fkit%20host"
                    + "&RoleSessionName=kit-swift-1700000000&WebIdentityToken=eyJhbGciOi.payload.sig")
        }
    }

    @Test("standard chain falls through to the container, wrapped in the refreshing cache")
    func standardChainToContainer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try await withLoopbackServer([.init(method: "GET", path: "/creds", status: 200, body: Self.credentialsJSON)]) {
            server in
            let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
            let provider = RefreshingCredentialProvider.standard(
                environment: [
                    "HOME": directory.url.path, "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/creds",
                    "AWS_EC2_METADATA_DISABLED": "true",
                ], httpClient: URLSessionHTTPClient(), clock: clock)
            for _ in 0..<5 {
                let credentials = try await provider.credentials()
                #expect(credentials.accessKeyId == "ASIALOOP")
            }
            let logged = try await server.requests()
            #expect(logged.count == 1, "cached until the refresh window")
        }
    }
}
