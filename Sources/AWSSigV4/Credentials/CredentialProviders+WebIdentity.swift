import AWSCore
import Foundation

/// Web identity federation (EKS IRSA and friends): reads the OIDC token file afresh on every call (the kubelet
/// rotates it) and exchanges it for temporary credentials with STS `AssumeRoleWithWebIdentity`, an unsigned
/// query-protocol call that answers in XML.
///
/// Configured from `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`), or from a profile's
/// `web_identity_token_file` / `role_arn` / `role_session_name`. The STS endpoint follows ``EndpointResolver``
/// (`AWS_ENDPOINT_URL_STS`, …, then `https://sts.{region}.amazonaws.com`, or the global endpoint without a region).
public struct WebIdentityCredentialProvider: CredentialProvider {
    public struct Configuration: Sendable, Hashable {
        public var roleArn: String
        public var tokenFile: String
        public var sessionName: String?
        /// e.g. `https://sts.eu-west-1.amazonaws.com`
        public var stsEndpoint: String

        public init(roleArn: String, tokenFile: String, sessionName: String? = nil, stsEndpoint: String) {
            self.roleArn = roleArn
            self.tokenFile = tokenFile
            self.sessionName = sessionName
            self.stsEndpoint = stsEndpoint
        }
    }

    private enum Source: Sendable {
        case environment([String: String])
        case explicit(Configuration)
    }
    private let source: Source
    private let httpClient: any CredentialHTTPClient
    private let clock: any WallClock

    /// Reads the environment variables on each call; ``CredentialsError/Code/notConfigured`` when they are unset.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: any CredentialHTTPClient,
        clock: any WallClock = SystemWallClock()
    ) {
        source = .environment(environment)
        self.httpClient = httpClient
        self.clock = clock
    }

    public init(
        configuration: Configuration, httpClient: any CredentialHTTPClient,
        clock: any WallClock = SystemWallClock()
    ) {
        source = .explicit(configuration)
        self.httpClient = httpClient
        self.clock = clock
    }

    public func credentials() async throws -> Credentials {
        let configuration = try resolveConfiguration()
        let token: String
        do {
            token = try String(contentsOfFile: configuration.tokenFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CredentialsError(
                .fileUnreadable, provider: "web-identity",
                "cannot read the web identity token file \(configuration.tokenFile)", underlying: error)
        }
        let sessionName =
            configuration.sessionName
            ?? "kit-swift-\(Int(clock.now().timeIntervalSince1970.rounded(.down)))"
        let form: [(String, String)] = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"),
            ("RoleArn", configuration.roleArn),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ]
        let body = form.map {
            URIEncoding.encodeQueryComponent($0.0) + "=" + URIEncoding.encodeQueryComponent($0.1)
        }
        .joined(separator: "&")
        let request = CredentialHTTPRequest(
            method: "POST", url: configuration.stsEndpoint.trimmingSuffix("/") + "/",
            headers: [
                .init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                .init("Accept", "text/xml"),
            ],
            body: Array(body.utf8), timeout: .seconds(10))
        let response: CredentialHTTPResponse
        do {
            response = try await httpClient.send(request)
        } catch {
            throw CredentialsError(
                .transportFailed, provider: "web-identity", "STS \(request) failed", underlying: error)
        }
        return try Self.parseResponse(response)
    }

    func resolveConfiguration() throws -> Configuration {
        switch source {
        case .explicit(let configuration):
            return configuration
        case .environment(let environment):
            let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            let roleArn = environment["AWS_ROLE_ARN"].flatMap { $0.isEmpty ? nil : $0 }
            guard let tokenFile, let roleArn else {
                if tokenFile != nil {
                    throw CredentialsError(
                        .invalidConfiguration, provider: "web-identity",
                        "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
                }
                throw CredentialsError(
                    .notConfigured, provider: "web-identity", "AWS_WEB_IDENTITY_TOKEN_FILE is not set")
            }
            let files = try? SharedConfigFiles.load(environment: environment)
            let region = RegionResolver.resolve(environment: environment, configFiles: files)
            let endpoint = EndpointResolver.resolve(
                service: .sts, region: region, environment: environment, configFiles: files)
            return Configuration(
                roleArn: roleArn, tokenFile: tokenFile,
                sessionName: environment["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 },
                stsEndpoint: endpoint?.url ?? "https://sts.amazonaws.com")
        }
    }

    static func parseResponse(_ response: CredentialHTTPResponse) throws -> Credentials {
        let xml = response.bodyText
        guard response.status == 200 else {
            let code = XMLText.firstElement("Code", in: xml)
            let message = XMLText.firstElement("Message", in: xml).map { String($0.prefix(300)) }
            throw CredentialsError(
                code == nil ? .httpStatus : .serviceError, provider: "web-identity",
                "STS AssumeRoleWithWebIdentity failed" + (message.map { ": \($0)" } ?? ""),
                serviceCode: code,
                status: response.status)
        }
        guard let block = XMLText.firstElement("Credentials", in: xml),
            let accessKey = XMLText.firstElement("AccessKeyId", in: block),
            let secret = XMLText.firstElement("SecretAccessKey", in: block),
            let token = XMLText.firstElement("SessionToken", in: block),
            let expirationText = XMLText.firstElement("Expiration", in: block)
        else {
            throw CredentialsError(
                .invalidResponse, provider: "web-identity",
                "STS AssumeRoleWithWebIdentity answer has no complete Credentials element")
        }
        guard let expiration = AWSTimestamp.parseISO8601(expirationText) else {
            throw CredentialsError(
                .invalidResponse, provider: "web-identity",
                "STS Expiration is not ISO 8601: \(expirationText)")
        }
        return Credentials(
            accessKeyId: accessKey, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}

/// Just enough XML for STS answers: the text of the first `<name>…</name>` (namespace prefixes and attributes
/// allowed), with the five predefined entities and numeric character references decoded.
enum XMLText {
    static func firstElement(_ name: String, in xml: String) -> String? {
        var searchStart = xml.startIndex
        while let open = xml.range(of: "<", range: searchStart..<xml.endIndex) {
            searchStart = open.upperBound
            guard let close = xml.range(of: ">", range: open.upperBound..<xml.endIndex) else {
                return nil
            }
            let tag = xml[open.upperBound..<close.lowerBound]
            let tagName = tag.prefix { !$0.isWhitespace && $0 != "/" }
            let localName = tagName.split(separator: ":").last.map(String.init) ?? String(tagName)
            guard localName == name, !tag.hasPrefix("/"), !tag.hasPrefix("?"), !tag.hasPrefix("!") else {
                continue
            }
            if tag.hasSuffix("/") { return "" }
            let endTag = "</" + tagName + ">"
            guard let end = xml.range(of: endTag, range: close.upperBound..<xml.endIndex) else {
                return nil
            }
            return decodeEntities(String(xml[close.upperBound..<end.lowerBound]))
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"),
                rest.distance(from: amp, to: semicolon) <= 10
            else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            let replacement: String? =
                switch entity {
                case "amp": "&"
                case "lt": "<"
                case "gt": ">"
                case "quot": "\""
                case "apos": "'"
                default:
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                        UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                    } else if entity.hasPrefix("#") {
                        UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                    } else {
                        nil
                    }
                }
            if let replacement {
                out += replacement
                rest = rest[rest.index(after: semicolon)...]
            } else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while !suffix.isEmpty, text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
