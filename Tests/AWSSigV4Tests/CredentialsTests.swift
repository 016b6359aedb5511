import Foundation
import Testing

@testable import AWSSigV4

@Suite("Credentials and the local providers")
struct CredentialsTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"

    @Test("no textual form of credentials shows the secret or the token")
    func redaction() {
        let credentials = Credentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token,
            expiration: Date(timeIntervalSince1970: 1_700_000_000))
        var dumped = ""
        dump(credentials, to: &dumped)
        let forms = [
            credentials.description, credentials.debugDescription, "\(credentials)", String(reflecting: credentials),
            String(describing: [credentials]), dumped, String(describing: Optional(credentials)),
        ]
        for form in forms {
            #expect(!form.contains(Self.secret), "\(form)")
            #expect(!form.contains(Self.token), "\(form)")
            #expect(!form.contains("AKIAIOSFODNN7EXAMPLE"), "\(form)")
        }
        #expect(credentials.description.contains("****MPLE"))
        #expect(credentials.description.contains("2023-11-14T22:13:20Z"))
    }

    @Test("validity honours the margin; credentials without expiration never expire")
    func validity() {
        let now = Date(timeIntervalSince1970: 1_000)
        let credentials = Credentials(accessKeyId: "a", secretAccessKey: "s", expiration: now + 60)
        #expect(credentials.isValid(at: now))
        #expect(credentials.isValid(at: now, margin: 59))
        #expect(!credentials.isValid(at: now, margin: 60))
        #expect(!credentials.isValid(at: now + 60))
        #expect(Credentials(accessKeyId: "a", secretAccessKey: "s").isValid(at: .distantFuture))
    }

    @Test("environment: keys, token, expiration, and partial configurations")
    func environment() async throws {
        let full = try await EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token,
            "AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z",
        ]).credentials()
        #expect(full.accessKeyId == "AKID")
        #expect(full.secretAccessKey == Self.secret)
        #expect(full.sessionToken == Self.token)
        #expect(full.expiration == Date(timeIntervalSince1970: 1_893_553_445))

        let none = await #expect(throws: CredentialsError.self) {
            try await EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": ""]).credentials()
        }
        #expect(none?.code == .notConfigured)
        let partial = await #expect(throws: CredentialsError.self) {
            try await EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKID"]).credentials()
        }
        #expect(partial?.code == .invalidConfiguration)
    }

    @Test("ISO 8601 expirations in the forms providers emit")
    func expirationFormats() throws {
        let cases: [(String, TimeInterval)] = [
            ("2019-11-27T07:46:28Z", 1_574_840_788), ("2019-11-27T07:46:28.123Z", 1_574_840_788),
            ("2019-11-27T09:46:28+02:00", 1_574_840_788), ("2019-11-27T02:46:28-0500", 1_574_840_788),
            ("2024-02-29T00:00:00Z", 1_709_164_800), ("1970-01-01T00:00:00Z", 0),
        ]
        for (text, seconds) in cases {
            let environment = [
                "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "AWS_CREDENTIAL_EXPIRATION": text,
            ]
            let provider = EnvironmentCredentialProvider(environment: environment)
            #expect(throws: Never.self) {
                let credentials = try provider.resolve()
                #expect(credentials.expiration == Date(timeIntervalSince1970: seconds), "\(text)")
            }
        }
        let bad = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "AWS_CREDENTIAL_EXPIRATION": "tomorrow",
        ])
        #expect(throws: CredentialsError.self) { try bad.resolve() }
    }

    @Test("a credentials error never carries the secret it was built around")
    func errorDescriptions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let tokenFile = try directory.write("token", "eyJSECRET.WEB.IDENTITY")
        let client = FakeHTTPClient { _ in
            CredentialHTTPResponse(
                status: 400,
                body: Array(
                    """
                    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
                    <Code>InvalidIdentityToken</Code><Message>Couldn&apos;t retrieve verification key</Message>
                    </Error><RequestId>abc</RequestId></ErrorResponse>
                    """.utf8))
        }
        let provider = WebIdentityCredentialProvider(
            configuration: .init(
                roleArn: "arn:aws:iam::123456789012:role/kit", tokenFile: tokenFile,
                stsEndpoint: "https://sts.eu-west-1.amazonaws.com"), httpClient: client)
        let error = await #expect(throws: CredentialsError.self) { try await provider.credentials() }
        #expect(error?.code == .serviceError)
        #expect(error?.serviceCode == "InvalidIdentityToken")
        #expect(error?.status == 400)
        #expect(error?.message.contains("Couldn't retrieve verification key") == true)
        #expect(error.map { !"\($0)".contains("eyJSECRET") } == true)
        let sent = await client.requests
        #expect(sent.count == 1)
        #expect(sent.first.map { !"\($0)".contains("eyJSECRET") } == true)
        #expect(
            sent.first.map {
                String(decoding: $0.body, as: UTF8.self).contains("WebIdentityToken=eyJSECRET.WEB.IDENTITY")
            } == true)
    }
}
