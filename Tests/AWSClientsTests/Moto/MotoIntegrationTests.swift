import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITTestSupport
import Testing

@testable import AWSClients

/// Round trips against moto (DynamoDB, Kinesis, S3, CloudWatch): KITTestSupport's one server for the whole test
/// process, started on first use; every test uses its own table, stream, bucket or namespace.
@Suite("moto integration")
struct MotoIntegrationTests {}

enum Moto {
    static let credentials = StaticCredentialProvider(
        Credentials(accessKeyId: "testing", secretAccessKey: "testing", sessionToken: "testing"))

    static func client(_ service: AWSService, transport: any HTTPExecuting) async throws -> AWSClient {
        AWSClient(
            service: service, region: "us-east-1",
            endpoint: try AWSEndpoint(url: try await MotoServer.shared.endpoint()),
            credentialProvider: credentials, transport: transport,
            configuration: AWSClient.Configuration(timeout: .seconds(120)))
    }

    /// A name unique to this test run and call site.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
