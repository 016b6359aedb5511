import Foundation
import Testing

@testable import AWSSigV4

@Suite("Profile, process and chain providers")
struct ProviderTests {
    @Test("profile: static keys from the selected profile; explicit missing profile is an error")
    func profileStaticKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try directory.write(
            ".aws/credentials",
            "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = sdef\n\n[kit]\n"
                + "aws_access_key_id = AKIDKIT\naws_secret_access_key = skit\naws_session_token = tkit\n")
        try directory.write(".aws/config", "[profile regiononly]\nregion = eu-west-1\n")
        let home = ["HOME": directory.url.path]

        let byDefault = try await ProfileCredentialProvider(environment: home).credentials()
        #expect(byDefault.accessKeyId == "AKIDDEF")
        let kit = try await ProfileCredentialProvider(environment: home.merging(["AWS_PROFILE": "kit"]) { $1 })
            .credentials()
        #expect(kit == Credentials(accessKeyId: "AKIDKIT", secretAccessKey: "skit", sessionToken: "tkit"))

        let missing = await #expect(throws: CredentialsError.self) {
            try await ProfileCredentialProvider(environment: home.merging(["AWS_PROFILE": "nobody"]) { $1 })
                .credentials()
        }
        #expect(missing?.code == .invalidConfiguration)
        let regionOnly = await #expect(throws: CredentialsError.self) {
            try await ProfileCredentialProvider(environment: home, profileName: "regiononly").credentials()
        }
        #expect(regionOnly?.code == .notConfigured)
        let noFiles = await #expect(throws: CredentialsError.self) {
            try await ProfileCredentialProvider(environment: ["HOME": directory.url.appendingPathComponent("x").path])
                .credentials()
        }
        #expect(noFiles?.code == .notConfigured)
    }

    @Test("profile: role chaining and SSO are reported, not skipped")
    func profileUnsupported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try directory.write(
            ".aws/config",
            "[profile chained]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n"
                + "[profile sso]\nsso_session = corp\n")
        for name in ["chained", "sso"] {
            let error = await #expect(throws: CredentialsError.self) {
                try await ProfileCredentialProvider(environment: ["HOME": directory.url.path], profileName: name)
                    .credentials()
            }
            #expect(error?.code == .unsupportedConfiguration)
        }
    }

    @Test("credential_process: runs the command, parses Version 1 JSON with Expiration")
    func credentialProcess() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let json =
            #"{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "sproc", "SessionToken": "tproc", "Expiration": "2030-05-06T07:08:09Z"}"#
        let script = try directory.write(
            "helper.sh", "#!/bin/sh\necho 'diagnostics go to stderr' >&2\ncat <<'EOF'\n\(json)\nEOF\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try directory.write(
            ".aws/config", "[profile proc]\ncredential_process = \"\(script)\" --profile proc\n")

        let credentials = try await ProfileCredentialProvider(
            environment: ["HOME": directory.url.path, "AWS_PROFILE": "proc"]
        ).credentials()
        #expect(credentials.accessKeyId == "ASIAPROC")
        #expect(credentials.secretAccessKey == "sproc")
        #expect(credentials.sessionToken == "tproc")
        #expect(credentials.expiration == AWSTimestamp.parseISO8601("2030-05-06T07:08:09Z"))
    }

    @Test("credential_process failures: exit status, wrong version, bad JSON, timeout — stderr never quoted")
    func credentialProcessFailures() async throws {
        let cases: [(String, CredentialsError.Code)] = [
            ("echo 'SECRET-IN-STDERR' >&2; exit 3", .processFailed),
            (#"echo '{"Version": 2, "AccessKeyId": "a", "SecretAccessKey": "s"}'"#, .invalidResponse),
            ("echo 'not json SECRET-IN-STDOUT'", .invalidResponse),
            (#"echo '{"Version": 1, "AccessKeyId": "a"}'"#, .invalidResponse),
        ]
        for (command, code) in cases {
            let error = await #expect(throws: CredentialsError.self) {
                try await ProcessCredentialProvider(command: command).credentials()
            }
            #expect(error?.code == code, "\(command)")
            #expect(error.map { !"\($0)".contains("SECRET") } == true)
        }
        let start = ContinuousClock.now
        let timedOut = await #expect(throws: CredentialsError.self) {
            try await ProcessCredentialProvider(command: "sleep 30", timeout: .milliseconds(300)).credentials()
        }
        #expect(timedOut?.code == .processFailed)
        #expect(timedOut?.message.contains("timed out") == true)
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("chain: first provider that answers wins; notConfigured moves on; other errors stop the search")
    func chainOrder() async throws {
        let clock = ManualClock()
        let notHere = ScriptedProvider(clock: clock) { _, _ in
            throw CredentialsError(.notConfigured, provider: "a", "not here")
        }
        let second = ScriptedProvider(clock: clock) { call, _ in
            Credentials(accessKeyId: "SECOND\(call)", secretAccessKey: "s")
        }
        let third = ScriptedProvider(clock: clock) { _, _ in Credentials(accessKeyId: "THIRD", secretAccessKey: "s") }
        let chain = CredentialProviderChain([("a", notHere), ("b", second), ("c", third)])
        #expect(try await chain.credentials().accessKeyId == "SECOND1")
        #expect(await chain.chosenProviderName == "b")
        #expect(try await chain.credentials().accessKeyId == "SECOND2")
        #expect(await notHere.calls == 1, "the chain sticks with the provider that answered")
        #expect(await third.calls == 0)

        let broken = ScriptedProvider(clock: clock) { _, _ in
            throw CredentialsError(.invalidConfiguration, provider: "x", "half configured")
        }
        let stopping = CredentialProviderChain([("x", broken), ("c", third)])
        let error = await #expect(throws: CredentialsError.self) { try await stopping.credentials() }
        #expect(error?.code == .invalidConfiguration)
        #expect(await third.calls == 0)

        let empty = CredentialProviderChain([("a", notHere)])
        let none = await #expect(throws: CredentialsError.self) { try await empty.credentials() }
        #expect(none?.code == .notConfigured)
        #expect(none?.message.contains("a: not here") == true)
    }

    @Test("standard chain: environment beats the profile; the profile beats the container")
    func standardChainOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try directory.write(
            ".aws/credentials", "[default]\naws_access_key_id = FROMPROFILE\naws_secret_access_key = s\n")
        let client = FakeHTTPClient { request in
            #expect(Bool(false), "no HTTP call expected, got \(request)")
            return CredentialHTTPResponse(status: 500, body: [])
        }
        let base: [String: String] = [
            "HOME": directory.url.path, "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let fromEnvironment = try await CredentialProviderChain.standard(
            environment: base.merging(["AWS_ACCESS_KEY_ID": "FROMENV", "AWS_SECRET_ACCESS_KEY": "s"]) { $1 },
            httpClient: client
        ).credentials()
        #expect(fromEnvironment.accessKeyId == "FROMENV")
        let fromProfile = try await CredentialProviderChain.standard(environment: base, httpClient: client)
            .credentials()
        #expect(fromProfile.accessKeyId == "FROMPROFILE")
    }

    @Test("container: full URI validation and authorization token sources")
    func containerConfiguration() throws {
        func provider(_ environment: [String: String]) -> ContainerCredentialProvider {
            ContainerCredentialProvider(
                environment: environment, httpClient: FakeHTTPClient { _ in .init(status: 500, body: []) })
        }
        #expect(
            try provider(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"]).endpointURL()
                == "http://169.254.170.2/v2/credentials/abc")
        for allowed in [
            "http://127.0.0.1:8080/creds", "http://127.1.2.3/x", "http://localhost/x", "https://creds.example.com/x",
            "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        ] {
            #expect(throws: Never.self, "\(allowed)") {
                _ = try provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed]).endpointURL()
            }
        }
        for refused in ["http://example.com/creds", "http://10.0.0.1/creds", "ftp://127.0.0.1/x"] {
            let error = #expect(throws: CredentialsError.self, "\(refused)") {
                _ = try provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": refused]).endpointURL()
            }
            #expect(error?.code == .invalidConfiguration)
        }
        let none = #expect(throws: CredentialsError.self) { _ = try provider([:]).endpointURL() }
        #expect(none?.code == .notConfigured)
        let injected = #expect(throws: CredentialsError.self) {
            _ = try provider(["AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1"]).authorizationToken()
        }
        #expect(injected?.code == .invalidConfiguration)
    }
}
