import Foundation

/// A source of AWS credentials: environment, shared profile files, `credential_process`, web identity, container
/// or instance metadata. Providers that cannot apply here (no variables set, no metadata service) throw
/// ``CredentialsError`` with code ``CredentialsError/Code/notConfigured`` so a ``CredentialProviderChain`` moves on;
/// any other error stops the chain, because a half-configured source should be fixed rather than skipped.
public protocol CredentialProvider: Sendable {
    func credentials() async throws -> Credentials
}

/// Fixed credentials, for tests and for callers that already hold a key pair.
public struct StaticCredentialProvider: CredentialProvider {
    private let value: Credentials
    public init(_ credentials: Credentials) { value = credentials }
    public func credentials() async throws -> Credentials { value }
}

/// The wall clock credential expiry is measured against, injected so refresh logic is testable.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// `Date()`.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
