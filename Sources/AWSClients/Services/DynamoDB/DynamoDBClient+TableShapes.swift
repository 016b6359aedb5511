import Foundation

public struct DynamoDBKeySchemaElement: Sendable, Hashable, Codable {
    public var attributeName: String
    /// `HASH` or `RANGE`.
    public var keyType: String

    public init(attributeName: String, keyType: String) {
        self.attributeName = attributeName
        self.keyType = keyType
    }

    public static func hash(_ name: String) -> Self { Self(attributeName: name, keyType: "HASH") }
    public static func range(_ name: String) -> Self { Self(attributeName: name, keyType: "RANGE") }

    enum CodingKeys: String, CodingKey {
        case attributeName = "AttributeName"
        case keyType = "KeyType"
    }
}

public struct DynamoDBAttributeDefinition: Sendable, Hashable, Codable {
    public var attributeName: String
    /// `S`, `N` or `B`.
    public var attributeType: String

    public init(attributeName: String, attributeType: String) {
        self.attributeName = attributeName
        self.attributeType = attributeType
    }

    public static func string(_ name: String) -> Self { Self(attributeName: name, attributeType: "S") }
    public static func number(_ name: String) -> Self { Self(attributeName: name, attributeType: "N") }
    public static func binary(_ name: String) -> Self { Self(attributeName: name, attributeType: "B") }

    enum CodingKeys: String, CodingKey {
        case attributeName = "AttributeName"
        case attributeType = "AttributeType"
    }
}

public struct DynamoDBProvisionedThroughput: Sendable, Hashable, Codable {
    public var readCapacityUnits: Int64
    public var writeCapacityUnits: Int64

    public init(readCapacityUnits: Int64, writeCapacityUnits: Int64) {
        self.readCapacityUnits = readCapacityUnits
        self.writeCapacityUnits = writeCapacityUnits
    }

    enum CodingKeys: String, CodingKey {
        case readCapacityUnits = "ReadCapacityUnits"
        case writeCapacityUnits = "WriteCapacityUnits"
    }
}

public struct CreateTableInput: Sendable, Hashable, Encodable {
    public var tableName: String
    public var attributeDefinitions: [DynamoDBAttributeDefinition]
    public var keySchema: [DynamoDBKeySchemaElement]
    /// `PAY_PER_REQUEST` (default) or `PROVISIONED` (then give ``provisionedThroughput``).
    public var billingMode: String?
    public var provisionedThroughput: DynamoDBProvisionedThroughput?

    public init(
        tableName: String, attributeDefinitions: [DynamoDBAttributeDefinition],
        keySchema: [DynamoDBKeySchemaElement], billingMode: String? = "PAY_PER_REQUEST",
        provisionedThroughput: DynamoDBProvisionedThroughput? = nil
    ) {
        self.tableName = tableName
        self.attributeDefinitions = attributeDefinitions
        self.keySchema = keySchema
        self.billingMode = billingMode
        self.provisionedThroughput = provisionedThroughput
    }

    enum CodingKeys: String, CodingKey {
        case tableName = "TableName"
        case attributeDefinitions = "AttributeDefinitions"
        case keySchema = "KeySchema"
        case billingMode = "BillingMode"
        case provisionedThroughput = "ProvisionedThroughput"
    }
}

/// `TableDescription` (the members KIT uses).
public struct DynamoDBTableDescription: Sendable, Hashable, Decodable {
    public var tableName: String?
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`, …
    public var tableStatus: String?
    public var tableArn: String?
    public var keySchema: [DynamoDBKeySchemaElement]?
    public var attributeDefinitions: [DynamoDBAttributeDefinition]?
    public var itemCount: Int64?
    public var creationDateTime: Date?

    enum CodingKeys: String, CodingKey {
        case tableName = "TableName"
        case tableStatus = "TableStatus"
        case tableArn = "TableArn"
        case keySchema = "KeySchema"
        case attributeDefinitions = "AttributeDefinitions"
        case itemCount = "ItemCount"
        case creationDateTime = "CreationDateTime"
    }
}
