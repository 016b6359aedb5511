import Foundation

/// The shared AWS configuration: `~/.aws/config` (sections `[default]`, `[profile name]`, `[services name]`) and
/// `~/.aws/credentials` (sections `[name]`), merged per profile with the credentials file winning, exactly as
/// botocore's `Session.full_config` does. Paths come from `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, `~`
/// from the injected `HOME`.
public struct SharedConfigFiles: Sendable, Hashable {
    /// Profiles by name, config and credentials file merged.
    public var profiles: [String: ConfigSection]
    /// `[services name]` sections by name.
    public var services: [String: ConfigSection]

    public init(configFile: String? = nil, credentialsFile: String? = nil) {
        profiles = [:]
        services = [:]
        for (name, section) in INIParser.parse(configFile ?? "") {
            if name == "default" {
                profiles["default", default: ConfigSection()].merge(section)
                continue
            }
            // botocore splits the section name with `shlex.split`, so `[profile "my name"]` is profile `my name`.
            guard let words = Self.shellWords(name), words.count == 2 else { continue }
            switch words[0] {
            case "profile": profiles[words[1], default: ConfigSection()].merge(section)
            case "services": services[words[1], default: ConfigSection()].merge(section)
            default: continue  // sso-session and unknown sections are not used here
            }
        }
        for (name, section) in INIParser.parse(credentialsFile ?? "") {
            profiles[name, default: ConfigSection()].merge(section)
        }
    }

    /// Reads both files; a missing file is simply empty, an unreadable one is an error.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws
        -> SharedConfigFiles
    {
        let config = try read(
            path(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config", environment: environment))
        let credentials = try read(
            path(
                environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials", environment: environment
            ))
        return SharedConfigFiles(configFile: config, credentialsFile: credentials)
    }

    /// `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`.
    public static func profileName(environment: [String: String]) -> String {
        explicitProfileName(environment: environment) ?? "default"
    }

    package static func explicitProfileName(environment: [String: String]) -> String? {
        [environment["AWS_PROFILE"], environment["AWS_DEFAULT_PROFILE"]].lazy.compactMap { $0 }.first {
            !$0.isEmpty
        }
    }

    public func profile(named name: String) -> ConfigSection? {
        profiles[name]
    }

    package static func path(_ raw: String, environment: [String: String]) -> String {
        guard raw == "~" || raw.hasPrefix("~/") else { return raw }
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return home + raw.dropFirst()
    }

    private static func read(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialsError(.fileUnreadable, provider: "config", "cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// POSIX-shell word splitting with single quotes, double quotes and backslashes (Python's `shlex.split`);
    /// `nil` for an unterminated quote.
    package static func shellWords(_ text: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch quote {
            case "'":
                if character == "'" { quote = nil } else { current.append(character) }
            case "\"":
                if character == "\"" {
                    quote = nil
                } else if character == "\\" {
                    escaped = true
                } else {
                    current.append(character)
                }
            default:
                if character.isWhitespace {
                    if inWord { words.append(current) }
                    current = ""
                    inWord = false
                } else {
                    inWord = true
                    if character == "'" || character == "\"" {
                        quote = character
                    } else if character == "\\" {
                        escaped = true
                    } else {
                        current.append(character)
                    }
                }
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }
}

/// One INI section: `key = value` properties (keys lower-cased, as configparser does) and indented sub-sections
/// (`s3 =` followed by indented `key = value` lines).
public struct ConfigSection: Sendable, Hashable {
    public var properties: [String: String] = [:]
    public var subsections: [String: [String: String]] = [:]

    public init(properties: [String: String] = [:], subsections: [String: [String: String]] = [:]) {
        self.properties = properties
        self.subsections = subsections
    }

    public subscript(key: String) -> String? {
        properties[key.lowercased()].flatMap { $0.isEmpty ? nil : $0 }
    }

    mutating func merge(_ other: ConfigSection) {
        properties.merge(other.properties) { _, new in new }
        subsections.merge(other.subsections) { _, new in new }
    }
}

/// The subset of Python's `configparser.RawConfigParser` the AWS files use: `#`/`;` full-line comments, `=` or `:`
/// delimiters, lower-cased keys, stripped values, indented continuation lines. A repeated section or key is
/// merged, later values winning (configparser would refuse the file).
enum INIParser {
    static func parse(_ text: String) -> [(name: String, section: ConfigSection)] {
        var result: [(name: String, section: ConfigSection)] = []
        var current: (name: String, section: ConfigSection)?
        var lastKey: String?
        var continuation: [String] = []

        func flushContinuation() {
            guard let key = lastKey, current != nil, !continuation.isEmpty else {
                continuation = []
                return
            }
            if current?.section.properties[key]?.isEmpty ?? true {
                var nested: [String: String] = [:]
                for line in continuation {
                    guard let split = splitKeyValue(line) else { continue }
                    nested[split.key] = split.value
                }
                current?.section.subsections[key] = nested
            } else {
                current?.section.properties[key]? += "\n" + continuation.joined(separator: "\n")
            }
            continuation = []
        }
        func flushSection() {
            flushContinuation()
            if let current { result.append(current) }
            current = nil
            lastKey = nil
        }

        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if let first = line.first, first == " " || first == "\t", lastKey != nil {
                continuation.append(trimmed)
                continue
            }
            if trimmed.hasPrefix("["), let close = trimmed.lastIndex(of: "]") {
                flushSection()
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
                current = (name.trimmingCharacters(in: .whitespaces), ConfigSection())
                continue
            }
            flushContinuation()
            guard current != nil, let split = splitKeyValue(trimmed) else {
                lastKey = nil
                continue
            }
            current?.section.properties[split.key] = split.value
            lastKey = split.key
        }
        flushSection()
        return result
    }

    private static func splitKeyValue(_ line: String) -> (key: String, value: String)? {
        guard let delimiter = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
        let key = line[..<delimiter].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: delimiter)...].trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : (key, value)
    }
}
