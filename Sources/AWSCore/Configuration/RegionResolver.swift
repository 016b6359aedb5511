import Foundation

/// The region, as the SDKs find it: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the selected profile's `region`.
/// (Instance metadata is not consulted.)
public enum RegionResolver {
    /// `configFiles` `nil` reads the shared files named by `environment` (unreadable files count as empty).
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configFiles: SharedConfigFiles? = nil,
        profileName: String? = nil
    ) -> String? {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let region = environment[name]?.trimmingCharacters(in: .whitespaces), !region.isEmpty {
                return region
            }
        }
        let files = configFiles ?? (try? SharedConfigFiles.load(environment: environment))
        let profile = profileName ?? SharedConfigFiles.profileName(environment: environment)
        return files?.profile(named: profile)?["region"]
    }
}

/// Where requests for a service go: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the profile's
/// `services` section (`<service_key> =` / `  endpoint_url = …`), then the profile's `endpoint_url`, then
/// `https://{prefix}.{region}.{dnsSuffix}` — botocore's `ConfiguredEndpointProvider` order. Setting
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (or `ignore_configured_endpoint_urls = true` in the profile) skips
/// every configured URL. FIPS and dual-stack endpoints are not modelled.
public enum EndpointResolver {
    public struct Resolved: Sendable, Hashable, CustomStringConvertible {
        public struct Source: Sendable, Hashable, CustomStringConvertible {
            private let name: String
            public static let environmentService = Source(name: "service environment variable")
            public static let environmentGlobal = Source(name: "AWS_ENDPOINT_URL")
            public static let configService = Source(name: "services section")
            public static let configProfile = Source(name: "profile endpoint_url")
            public static let defaultPattern = Source(name: "default")
            public var description: String { name }
        }
        /// Without a trailing slash, e.g. `https://kinesisvideo.us-east-1.amazonaws.com`.
        public var url: String
        public var source: Source
        public var description: String { "\(url) (\(source))" }
    }

    /// `nil` only when nothing is configured and there is no region to build the default from (STS then uses its
    /// global endpoint).
    public static func resolve(
        service: AWSService, region: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configFiles: SharedConfigFiles? = nil, profileName: String? = nil
    ) -> Resolved? {
        let files = configFiles ?? (try? SharedConfigFiles.load(environment: environment))
        let profile = files?.profile(
            named: profileName ?? SharedConfigFiles.profileName(environment: environment))
        let ignoreConfigured =
            (environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
            ?? profile?["ignore_configured_endpoint_urls"])?
            .lowercased() == "true"
        if !ignoreConfigured {
            if let url = nonEmpty(environment["AWS_ENDPOINT_URL_\(service.environmentVariableSuffix)"]) {
                return Resolved(url: url, source: .environmentService)
            }
            if let url = nonEmpty(environment["AWS_ENDPOINT_URL"]) {
                return Resolved(url: url, source: .environmentGlobal)
            }
            if let sectionName = profile?["services"],
                let url = nonEmpty(
                    files?.services[sectionName]?.subsections[service.configKey]?["endpoint_url"])
            {
                return Resolved(url: url, source: .configService)
            }
            if let url = nonEmpty(profile?["endpoint_url"]) {
                return Resolved(url: url, source: .configProfile)
            }
        }
        return defaultURL(service: service, region: region).map {
            Resolved(url: $0, source: .defaultPattern)
        }
    }

    /// `https://{prefix}.{region}.{dnsSuffix}`; STS without a region is `https://sts.amazonaws.com`.
    public static func defaultURL(service: AWSService, region: String?) -> String? {
        guard let region, !region.isEmpty else {
            return service == .sts ? "https://sts.amazonaws.com" : nil
        }
        return "https://\(service.endpointPrefix).\(region).\(dnsSuffix(region: region))"
    }

    static func dnsSuffix(region: String) -> String {
        if region.hasPrefix("cn-") { return "amazonaws.com.cn" }
        if region.hasPrefix("us-isob-") { return "sc2s.sgov.gov" }
        if region.hasPrefix("us-iso-") { return "c2s.ic.gov" }
        return "amazonaws.com"
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        return value.trimmingSuffix("/")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while !suffix.isEmpty, text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
