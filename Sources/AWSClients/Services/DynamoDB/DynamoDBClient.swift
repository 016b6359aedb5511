import AWSCore
import Foundation
import HTTPTransportCore

/// DynamoDB over the JSON 1.0 protocol: the table and item calls a lease table needs. Conditional writes that lose
/// throw ``AWSError`` with ``AWSError/isConditionalCheckFailed`` set. Conditional writes are not repeated after a
/// 5xx or a lost connection (a repeat of a write that did succeed would fail its own condition); every call is
/// repeated after throttling, which DynamoDB answers before acting.
public struct DynamoDBClient: AWSServiceClient {
    public static let service = AWSService.dynamoDB
    public let client: AWSClient
    static let rpc = JSONRPCProtocol.dynamoDB

    public init(client: AWSClient) {
        self.client = client
    }

    public func createTable(_ input: CreateTableInput, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> DynamoDBTableDescription
    {
        struct Output: Decodable {
            var tableDescription: DynamoDBTableDescription
            enum CodingKeys: String, CodingKey { case tableDescription = "TableDescription" }
        }
        let output: Output = try await client.jsonRPC(
            Self.rpc, "CreateTable", input: input, isIdempotent: false, deadline: deadline)
        return output.tableDescription
    }

    public func describeTable(_ tableName: String, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> DynamoDBTableDescription
    {
        struct Output: Decodable {
            var table: DynamoDBTableDescription
            enum CodingKeys: String, CodingKey { case table = "Table" }
        }
        let output: Output = try await client.jsonRPC(
            Self.rpc, "DescribeTable", input: DynamoDBRequestBody(tableName: tableName), isIdempotent: true,
            deadline: deadline)
        return output.table
    }

    /// Polls `DescribeTable` until the table is `ACTIVE` (at most `attempts` times, `interval` apart).
    public func waitUntilActive(
        _ tableName: String, interval: Duration = .seconds(1), attempts: Int = 60
    ) async throws(AWSError) -> DynamoDBTableDescription {
        var last = try await describeTable(tableName)
        var polls = 1
        while last.tableStatus != "ACTIVE", polls < attempts {
            do {
                try await Task.sleep(for: interval)
            } catch {
                throw AWSError.cancelled("DynamoDB.DescribeTable")
            }
            last = try await describeTable(tableName)
            polls += 1
        }
        guard last.tableStatus == "ACTIVE" else {
            throw AWSError(
                .timedOut, operation: "DynamoDB.DescribeTable",
                "table \(tableName) is still \(last.tableStatus ?? "unknown") after \(attempts) polls")
        }
        return last
    }

    /// The item with `key`, or `nil` when there is none.
    public func getItem(
        tableName: String, key: DynamoDBItem, consistentRead: Bool = false, projectionExpression: String? = nil,
        expressionAttributeNames: [String: String] = [:], deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> DynamoDBItem? {
        struct Output: Decodable {
            var item: DynamoDBItem?
            enum CodingKeys: String, CodingKey { case item = "Item" }
        }
        var body = DynamoDBRequestBody(tableName: tableName, expressions: .init(names: expressionAttributeNames))
        body.key = key
        body.consistentRead = consistentRead
        body.projectionExpression = projectionExpression
        let output: Output = try await client.jsonRPC(
            Self.rpc, "GetItem", input: body, isIdempotent: true, deadline: deadline)
        return output.item
    }

    /// Writes an item; returns the old item when ``PutItemInput/returnValues`` is `ALL_OLD`.
    @discardableResult
    public func putItem(_ input: PutItemInput, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> DynamoDBItem?
    {
        var body = DynamoDBRequestBody(tableName: input.tableName, expressions: input.expressions)
        body.item = input.item
        body.conditionExpression = input.conditionExpression
        body.returnValues = input.returnValues
        let output: DynamoDBAttributesOutput = try await client.jsonRPC(
            Self.rpc, "PutItem", input: body, isIdempotent: input.conditionExpression == nil, deadline: deadline)
        return output.attributes
    }

    /// Applies an update expression; returns the attributes ``UpdateItemInput/returnValues`` asks for. Never
    /// repeated after a 5xx: an update expression (`ADD`, `x = x + :one`) need not be idempotent.
    @discardableResult
    public func updateItem(_ input: UpdateItemInput, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> DynamoDBItem?
    {
        var body = DynamoDBRequestBody(tableName: input.tableName, expressions: input.expressions)
        body.key = input.key
        body.updateExpression = input.updateExpression
        body.conditionExpression = input.conditionExpression
        body.returnValues = input.returnValues
        let output: DynamoDBAttributesOutput = try await client.jsonRPC(
            Self.rpc, "UpdateItem", input: body, isIdempotent: false, deadline: deadline)
        return output.attributes
    }

    @discardableResult
    public func deleteItem(_ input: DeleteItemInput, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> DynamoDBItem?
    {
        var body = DynamoDBRequestBody(tableName: input.tableName, expressions: input.expressions)
        body.key = input.key
        body.conditionExpression = input.conditionExpression
        body.returnValues = input.returnValues
        let output: DynamoDBAttributesOutput = try await client.jsonRPC(
            Self.rpc, "DeleteItem", input: body, isIdempotent: input.conditionExpression == nil, deadline: deadline)
        return output.attributes
    }

    /// One page of `Query`.
    public func query(_ input: DynamoDBReadInput, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> DynamoDBReadOutput
    {
        try await read("Query", input, deadline: deadline)
    }

    /// One page of `Scan`.
    public func scan(_ input: DynamoDBReadInput, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> DynamoDBReadOutput
    {
        try await read("Scan", input, deadline: deadline)
    }

    /// Every page of `Query`, following `LastEvaluatedKey`.
    public func queryPages(_ input: DynamoDBReadInput) -> AWSPaginator<DynamoDBReadOutput> {
        pages("Query", input)
    }

    /// Every page of `Scan`, following `LastEvaluatedKey`.
    public func scanPages(_ input: DynamoDBReadInput) -> AWSPaginator<DynamoDBReadOutput> {
        pages("Scan", input)
    }

    private func read(_ operation: String, _ input: DynamoDBReadInput, deadline: ContinuousClock.Instant?)
        async throws(AWSError) -> DynamoDBReadOutput
    {
        var body = DynamoDBRequestBody(tableName: input.tableName, expressions: input.expressions)
        body.indexName = input.indexName
        body.keyConditionExpression = input.keyConditionExpression
        body.filterExpression = input.filterExpression
        body.projectionExpression = input.projectionExpression
        body.limit = input.limit
        body.exclusiveStartKey = input.exclusiveStartKey
        body.consistentRead = input.consistentRead
        body.scanIndexForward = input.scanIndexForward
        body.segment = input.segment
        body.totalSegments = input.totalSegments
        return try await client.jsonRPC(Self.rpc, operation, input: body, isIdempotent: true, deadline: deadline)
    }

    /// DynamoDB pages by key, not by token: the key travels as its JSON text through the paginator.
    private func pages(_ operation: String, _ input: DynamoDBReadInput) -> AWSPaginator<DynamoDBReadOutput> {
        let client = self
        let label = "DynamoDB.\(operation)"
        return AWSPaginator(operation: label) { (token) async throws(AWSError) in
            var pageInput = input
            if let token {
                pageInput.exclusiveStartKey = try AWSJSON.decode(
                    DynamoDBItem.self, from: Array(token.utf8), operation: label)
            }
            let page = try await client.read(operation, pageInput, deadline: nil)
            let next = try page.lastEvaluatedKey.map { (key) throws(AWSError) in
                String(decoding: try AWSJSON.encode(key, operation: label), as: UTF8.self)
            }
            return (page, next)
        }
    }
}
