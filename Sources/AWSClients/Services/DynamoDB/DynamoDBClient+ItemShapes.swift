/// The expression members shared by conditional writes, queries and scans. Empty maps are not sent (DynamoDB
/// rejects them).
public struct DynamoDBExpressions: Sendable, Hashable {
    /// `#name` → attribute name.
    public var names: [String: String]
    /// `:value` → value.
    public var values: DynamoDBItem

    public init(names: [String: String] = [:], values: DynamoDBItem = [:]) {
        self.names = names
        self.values = values
    }
}

public struct PutItemInput: Sendable, Hashable {
    public var tableName: String
    public var item: DynamoDBItem
    /// E.g. `attribute_not_exists(leaseKey)` or `leaseCounter = :expected`.
    public var conditionExpression: String?
    public var expressions: DynamoDBExpressions
    /// `NONE` or `ALL_OLD`.
    public var returnValues: String?

    public init(
        tableName: String, item: DynamoDBItem, conditionExpression: String? = nil,
        expressions: DynamoDBExpressions = .init(), returnValues: String? = nil
    ) {
        self.tableName = tableName
        self.item = item
        self.conditionExpression = conditionExpression
        self.expressions = expressions
        self.returnValues = returnValues
    }
}

public struct UpdateItemInput: Sendable, Hashable {
    public var tableName: String
    public var key: DynamoDBItem
    /// E.g. `SET #owner = :owner, leaseCounter = leaseCounter + :one`.
    public var updateExpression: String
    public var conditionExpression: String?
    public var expressions: DynamoDBExpressions
    /// `NONE`, `ALL_OLD`, `UPDATED_OLD`, `ALL_NEW`, `UPDATED_NEW`.
    public var returnValues: String?

    public init(
        tableName: String, key: DynamoDBItem, updateExpression: String, conditionExpression: String? = nil,
        expressions: DynamoDBExpressions = .init(), returnValues: String? = nil
    ) {
        self.tableName = tableName
        self.key = key
        self.updateExpression = updateExpression
        self.conditionExpression = conditionExpression
        self.expressions = expressions
        self.returnValues = returnValues
    }
}

public struct DeleteItemInput: Sendable, Hashable {
    public var tableName: String
    public var key: DynamoDBItem
    public var conditionExpression: String?
    public var expressions: DynamoDBExpressions
    public var returnValues: String?

    public init(
        tableName: String, key: DynamoDBItem, conditionExpression: String? = nil,
        expressions: DynamoDBExpressions = .init(), returnValues: String? = nil
    ) {
        self.tableName = tableName
        self.key = key
        self.conditionExpression = conditionExpression
        self.expressions = expressions
        self.returnValues = returnValues
    }
}

/// `Query` (with ``keyConditionExpression``) or `Scan` (without).
public struct DynamoDBReadInput: Sendable, Hashable {
    public var tableName: String
    public var indexName: String?
    /// Query only, e.g. `pk = :pk AND begins_with(sk, :prefix)`.
    public var keyConditionExpression: String?
    public var filterExpression: String?
    public var projectionExpression: String?
    public var expressions: DynamoDBExpressions
    public var limit: Int?
    public var exclusiveStartKey: DynamoDBItem?
    public var consistentRead: Bool?
    /// Query only: `false` reads the range key descending.
    public var scanIndexForward: Bool?
    /// Scan only: parallel scan segment and segment count.
    public var segment: Int?
    public var totalSegments: Int?

    public init(
        tableName: String, indexName: String? = nil, keyConditionExpression: String? = nil,
        filterExpression: String? = nil, projectionExpression: String? = nil,
        expressions: DynamoDBExpressions = .init(), limit: Int? = nil, exclusiveStartKey: DynamoDBItem? = nil,
        consistentRead: Bool? = nil, scanIndexForward: Bool? = nil, segment: Int? = nil, totalSegments: Int? = nil
    ) {
        self.tableName = tableName
        self.indexName = indexName
        self.keyConditionExpression = keyConditionExpression
        self.filterExpression = filterExpression
        self.projectionExpression = projectionExpression
        self.expressions = expressions
        self.limit = limit
        self.exclusiveStartKey = exclusiveStartKey
        self.consistentRead = consistentRead
        self.scanIndexForward = scanIndexForward
        self.segment = segment
        self.totalSegments = totalSegments
    }
}

public struct DynamoDBReadOutput: Sendable, Hashable, Decodable {
    public var items: [DynamoDBItem]
    public var count: Int?
    public var scannedCount: Int?
    /// Present when more pages follow: pass it as the next ``DynamoDBReadInput/exclusiveStartKey``.
    public var lastEvaluatedKey: DynamoDBItem?

    enum CodingKeys: String, CodingKey {
        case items = "Items"
        case count = "Count"
        case scannedCount = "ScannedCount"
        case lastEvaluatedKey = "LastEvaluatedKey"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decodeIfPresent([DynamoDBItem].self, forKey: .items) ?? []
        count = try container.decodeIfPresent(Int.self, forKey: .count)
        scannedCount = try container.decodeIfPresent(Int.self, forKey: .scannedCount)
        lastEvaluatedKey = try container.decodeIfPresent(DynamoDBItem.self, forKey: .lastEvaluatedKey)
    }
}

/// The wire body of every item call: one flat structure whose members are sent when set.
struct DynamoDBRequestBody: Encodable {
    var tableName: String
    var item: DynamoDBItem?
    var key: DynamoDBItem?
    var consistentRead: Bool?
    var projectionExpression: String?
    var updateExpression: String?
    var conditionExpression: String?
    var keyConditionExpression: String?
    var filterExpression: String?
    var expressionAttributeNames: [String: String]?
    var expressionAttributeValues: DynamoDBItem?
    var returnValues: String?
    var indexName: String?
    var limit: Int?
    var exclusiveStartKey: DynamoDBItem?
    var scanIndexForward: Bool?
    var segment: Int?
    var totalSegments: Int?

    init(tableName: String, expressions: DynamoDBExpressions = .init()) {
        self.tableName = tableName
        expressionAttributeNames = expressions.names.isEmpty ? nil : expressions.names
        expressionAttributeValues = expressions.values.isEmpty ? nil : expressions.values
    }

    enum CodingKeys: String, CodingKey {
        case tableName = "TableName"
        case item = "Item"
        case key = "Key"
        case consistentRead = "ConsistentRead"
        case projectionExpression = "ProjectionExpression"
        case updateExpression = "UpdateExpression"
        case conditionExpression = "ConditionExpression"
        case keyConditionExpression = "KeyConditionExpression"
        case filterExpression = "FilterExpression"
        case expressionAttributeNames = "ExpressionAttributeNames"
        case expressionAttributeValues = "ExpressionAttributeValues"
        case returnValues = "ReturnValues"
        case indexName = "IndexName"
        case limit = "Limit"
        case exclusiveStartKey = "ExclusiveStartKey"
        case scanIndexForward = "ScanIndexForward"
        case segment = "Segment"
        case totalSegments = "TotalSegments"
    }
}

struct DynamoDBAttributesOutput: Decodable {
    var attributes: DynamoDBItem?
    enum CodingKeys: String, CodingKey { case attributes = "Attributes" }
}
