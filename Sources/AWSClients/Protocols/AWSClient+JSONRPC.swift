import HTTPTransportCore

/// The AWS JSON 1.0/1.1 protocol (DynamoDB, Kinesis, Resource Groups Tagging): every call is `POST /` with the
/// operation in `X-Amz-Target: {targetPrefix}.{Operation}` and the input as a JSON document.
public struct JSONRPCProtocol: Sendable, Hashable {
    /// `DynamoDB_20120810`, `Kinesis_20131202`, `ResourceGroupsTaggingAPI_20170126`.
    public var targetPrefix: String
    /// `1.0` or `1.1` (the model's `jsonVersion`), giving `application/x-amz-json-1.x`.
    public var jsonVersion: String
    /// The name used in operation labels (`DynamoDB.PutItem`).
    public var serviceName: String

    public init(targetPrefix: String, jsonVersion: String, serviceName: String) {
        self.targetPrefix = targetPrefix
        self.jsonVersion = jsonVersion
        self.serviceName = serviceName
    }

    public static let dynamoDB = JSONRPCProtocol(
        targetPrefix: "DynamoDB_20120810", jsonVersion: "1.0", serviceName: "DynamoDB")
    public static let kinesis = JSONRPCProtocol(
        targetPrefix: "Kinesis_20131202", jsonVersion: "1.1", serviceName: "Kinesis")
    public static let resourceGroupsTagging = JSONRPCProtocol(
        targetPrefix: "ResourceGroupsTaggingAPI_20170126", jsonVersion: "1.1", serviceName: "ResourceGroupsTagging")

    func request(_ operation: String, body: [UInt8], isIdempotent: Bool) -> AWSRequest {
        AWSRequest(
            operation: "\(serviceName).\(operation)", method: .post, path: "/",
            headers: [
                "X-Amz-Target": "\(targetPrefix).\(operation)",
                "Content-Type": "application/x-amz-json-\(jsonVersion)",
            ],
            body: .bytes(body), isIdempotent: isIdempotent)
    }
}

extension AWSClient {
    /// Sends one JSON-protocol call and decodes its output.
    public func jsonRPC<Output: Decodable>(
        _ rpc: JSONRPCProtocol, _ operation: String, input: some Encodable, output: Output.Type = Output.self,
        isIdempotent: Bool, deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> Output {
        let label = "\(rpc.serviceName).\(operation)"
        let body = try AWSJSON.encode(input, operation: label)
        let response = try await send(
            rpc.request(operation, body: body, isIdempotent: isIdempotent), deadline: deadline)
        return try AWSJSON.decode(Output.self, from: response.body, operation: label)
    }
}
