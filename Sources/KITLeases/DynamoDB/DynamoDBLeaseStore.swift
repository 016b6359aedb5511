import AWSClients
import Foundation

/// Leases in a DynamoDB table keyed by `leaseKey` (S), shared by workers anywhere. Every change is one
/// `UpdateItem` whose `ConditionExpression` names the owner and counter it expects, so DynamoDB itself decides
/// which of two racing workers wins; the loser gets `ConditionalCheckFailedException`, reported as `nil`/`false`.
/// The table is created on demand (`PAY_PER_REQUEST`); an existing table with another key schema is refused.
///
/// Attribute names follow the Kinesis Client Library's lease table (`leaseOwner`, `leaseCounter`, `checkpoint`,
/// `ownerSwitchesSinceCheckpoint`), so the table reads familiarly in the console.
public struct DynamoDBLeaseStore: LeaseStore {
    public let client: DynamoDBClient
    public let table: String
    /// How long ``prepare()`` waits for a new table to become `ACTIVE`.
    public var activationPolls: Int
    private let wallClockMillis: @Sendable () -> Int64

    enum Attribute {
        static let key = "leaseKey"
        static let owner = "leaseOwner"
        static let counter = "leaseCounter"
        static let fragment = "checkpoint"
        static let token = "checkpointContinuationToken"
        static let serverTime = "checkpointServerTimestampMillis"
        static let producerTime = "checkpointProducerTimestampMillis"
        static let written = "checkpointWrittenMillis"
        static let switches = "ownerSwitchesSinceCheckpoint"
        static let updated = "lastUpdatedMillis"
    }

    /// `#key` → attribute name for every attribute, so no expression trips over a DynamoDB reserved word.
    private static let names: [String: String] = [
        "#key": Attribute.key, "#owner": Attribute.owner, "#counter": Attribute.counter,
        "#fragment": Attribute.fragment, "#token": Attribute.token, "#serverTime": Attribute.serverTime,
        "#producerTime": Attribute.producerTime, "#written": Attribute.written, "#switches": Attribute.switches,
        "#updated": Attribute.updated,
    ]

    public init(
        client: DynamoDBClient, table: String, activationPolls: Int = 120,
        wallClockMillis: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.client = client
        self.table = table
        self.activationPolls = activationPolls
        self.wallClockMillis = wallClockMillis
    }

    private var label: String { "dynamodb:\(table)" }

    public func prepare() async throws {
        let description: DynamoDBTableDescription
        do {
            do {
                description = try await client.describeTable(table)
            } catch  where error.isNotFound {
                do {
                    _ = try await client.createTable(
                        CreateTableInput(
                            tableName: table, attributeDefinitions: [.string(Attribute.key)],
                            keySchema: [.hash(Attribute.key)]))
                } catch  where error.hasServiceCode("ResourceInUseException") {
                    // Another worker created it first.
                }
                description = try await client.waitUntilActive(
                    table, interval: .milliseconds(500), attempts: activationPolls)
            }
            if description.tableStatus != "ACTIVE" {
                _ = try await client.waitUntilActive(table, interval: .milliseconds(500), attempts: activationPolls)
            }
        } catch {
            throw failure(error, "cannot prepare the lease table")
        }
        let keyType = description.attributeDefinitions?.first { $0.attributeName == Attribute.key }?.attributeType
        guard description.keySchema == [.hash(Attribute.key)], keyType == "S" else {
            let schema = (description.keySchema ?? []).map { "\($0.attributeName) \($0.keyType)" }
            throw LeaseStoreError(
                .schemaMismatch, store: label,
                "table \(table) is keyed by \(schema), expected \(Attribute.key) HASH of type S")
        }
    }

    public func list() async throws -> [Lease] {
        let items: [DynamoDBItem]
        do {
            items = try await client.scanPages(DynamoDBReadInput(tableName: table, consistentRead: true))
                .collect { $0.items }
        } catch {
            throw failure(error, "cannot list the leases")
        }
        return try items.map(lease).sorted { $0.key < $1.key }
    }

    public func createIfAbsent(key: String) async throws {
        let item: DynamoDBItem = [
            Attribute.key: .s(key), Attribute.counter: 0, Attribute.switches: 0,
            Attribute.updated: .number(wallClockMillis()),
        ]
        do {
            try await client.putItem(
                PutItemInput(
                    tableName: table, item: item, conditionExpression: "attribute_not_exists(#key)",
                    expressions: DynamoDBExpressions(names: ["#key": Attribute.key])))
        } catch  where error.isConditionalCheckFailed {
            // It exists: nothing to do.
        } catch {
            throw failure(error, "cannot create lease \(key)")
        }
    }

    public func take(key: String, expectedCounter: Int64, expectedOwner: String?, newOwner: String) async throws
        -> Lease?
    {
        var values: DynamoDBItem = [
            ":new": .s(newOwner), ":one": 1, ":counter": .number(expectedCounter),
            ":switch": expectedOwner == newOwner ? 0 : 1, ":now": .number(wallClockMillis()),
        ]
        var condition = "#counter = :counter AND "
        if let expectedOwner {
            condition += "#owner = :owner"
            values[":owner"] = .s(expectedOwner)
        } else {
            condition += "attribute_not_exists(#owner)"
        }
        return try await update(
            key, "take",
            "SET #owner = :new, #counter = #counter + :one, #switches = #switches + :switch, #updated = :now",
            condition: condition, values: values)
    }

    public func renew(key: String, owner: String, expectedCounter: Int64) async throws -> Lease? {
        try await update(
            key, "renew", "SET #counter = #counter + :one, #updated = :now",
            condition: "#owner = :owner AND #counter = :counter",
            values: [
                ":owner": .s(owner), ":counter": .number(expectedCounter), ":one": 1,
                ":now": .number(wallClockMillis()),
            ])
    }

    public func checkpoint(key: String, owner: String, expectedCounter: Int64, _ checkpoint: Checkpoint) async throws
        -> Bool
    {
        var values: DynamoDBItem = [
            ":owner": .s(owner), ":counter": .number(expectedCounter), ":fragment": .s(checkpoint.fragmentNumber),
            ":zero": 0, ":now": .number(wallClockMillis()),
        ]
        var sets = ["#fragment = :fragment", "#switches = :zero", "#updated = :now", "#written = :now"]
        var removes: [String] = []
        func optional(_ name: String, _ value: AttributeValue?) {
            if let value {
                sets.append("\(name) = :\(name.dropFirst())")
                values[":\(name.dropFirst())"] = value
            } else {
                removes.append(name)
            }
        }
        optional("#token", checkpoint.continuationToken.map { .s($0) })
        optional("#serverTime", checkpoint.serverTimestampMillis.map { .number($0) })
        optional("#producerTime", checkpoint.producerTimestampMillis.map { .number($0) })
        var expression = "SET " + sets.joined(separator: ", ")
        if !removes.isEmpty { expression += " REMOVE " + removes.joined(separator: ", ") }
        return try await update(
            key, "checkpoint", expression, condition: "#owner = :owner AND #counter = :counter", values: values)
            != nil
    }

    public func release(key: String, owner: String, expectedCounter: Int64) async throws -> Bool {
        try await update(
            key, "release", "SET #counter = #counter + :one, #updated = :now REMOVE #owner",
            condition: "#owner = :owner AND #counter = :counter",
            values: [
                ":owner": .s(owner), ":counter": .number(expectedCounter), ":one": 1,
                ":now": .number(wallClockMillis()),
            ]) != nil
    }

    public func delete(key: String) async throws {
        do {
            try await client.deleteItem(DeleteItemInput(tableName: table, key: [Attribute.key: .s(key)]))
        } catch {
            throw failure(error, "cannot delete lease \(key)")
        }
    }

    // MARK: - Plumbing

    /// One conditional `UpdateItem` returning the new item; `nil` when the condition failed.
    private func update(
        _ key: String, _ action: String, _ expression: String, condition: String, values: DynamoDBItem
    ) async throws -> Lease? {
        let used = Self.names.filter { expression.contains($0.key) || condition.contains($0.key) }
        let item: DynamoDBItem?
        do {
            item = try await client.updateItem(
                UpdateItemInput(
                    tableName: table, key: [Attribute.key: .s(key)], updateExpression: expression,
                    conditionExpression: condition, expressions: DynamoDBExpressions(names: used, values: values),
                    returnValues: "ALL_NEW"))
        } catch  where error.isConditionalCheckFailed {
            return nil
        } catch {
            throw failure(error, "cannot \(action) lease \(key)")
        }
        guard let item else {
            throw LeaseStoreError(.invalidRecord, store: label, "\(action) of \(key) returned no attributes")
        }
        return try lease(item)
    }

    private func failure(_ error: AWSError, _ message: String) -> LeaseStoreError {
        LeaseStoreError(.service, store: label, "\(message): \(error.message)", underlying: error)
    }

    private func lease(_ item: DynamoDBItem) throws(LeaseStoreError) -> Lease {
        guard let key = item[Attribute.key]?.stringValue else {
            throw LeaseStoreError(.invalidRecord, store: label, "an item has no string \(Attribute.key)")
        }
        guard let counter = item[Attribute.counter]?.int64Value else {
            throw LeaseStoreError(.invalidRecord, store: label, "lease \(key) has no numeric \(Attribute.counter)")
        }
        let checkpoint = item[Attribute.fragment]?.stringValue.map {
            Checkpoint(
                fragmentNumber: $0, continuationToken: item[Attribute.token]?.stringValue,
                serverTimestampMillis: item[Attribute.serverTime]?.int64Value,
                producerTimestampMillis: item[Attribute.producerTime]?.int64Value)
        }
        return Lease(
            key: key, owner: item[Attribute.owner]?.stringValue, counter: counter, checkpoint: checkpoint,
            ownerSwitchesSinceCheckpoint: item[Attribute.switches]?.int64Value ?? 0,
            lastUpdatedMillis: item[Attribute.updated]?.int64Value ?? 0,
            checkpointWrittenMillis: item[Attribute.written]?.int64Value)
    }
}
