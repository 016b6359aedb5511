import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

extension MotoIntegrationTests {
    @Suite("DynamoDB")
    struct DynamoDBTests {
        static func leaseTable(_ ddb: DynamoDBClient) async throws -> String {
            let name = Moto.uniqueName("leases")
            let created = try await ddb.createTable(
                .init(tableName: name, attributeDefinitions: [.string("leaseKey")], keySchema: [.hash("leaseKey")]))
            #expect(created.tableName == name)
            let active = try await ddb.waitUntilActive(name, interval: .milliseconds(200))
            #expect(active.keySchema == [.hash("leaseKey")])
            return name
        }

        @Test("Create table, put and get every attribute type with a consistent read")
        func putGet() async throws {
            try await withHTTPClient { http in
                let ddb = DynamoDBClient(client: try await Moto.client(.dynamoDB, transport: http))
                let table = try await Self.leaseTable(ddb)
                let item: DynamoDBItem = [
                    "leaseKey": "cam-1", "leaseCounter": 7,
                    "checkpoint": "91343852333754009371412493862204112772176002064",
                    "owner": .null, "blob": .b([0, 1, 254, 255]), "active": true, "parents": .ss(["a", "b"]),
                    "sizes": .ns(["1", "2.5"]), "chunks": .bs([[1], [2]]),
                    "meta": .m(["list": .l(["x", 1, .bool(false)])]),
                ]
                try await ddb.putItem(.init(tableName: table, item: item))
                let read = try await ddb.getItem(tableName: table, key: ["leaseKey": "cam-1"], consistentRead: true)
                #expect(read?["leaseKey"] == "cam-1")
                #expect(read?["leaseCounter"]?.int64Value == 7)
                #expect(read?["blob"] == .b([0, 1, 254, 255]))
                #expect(read?["meta"] == item["meta"])
                #expect(read?["owner"] == .null)
                if case .ss(let parents) = read?["parents"] {
                    #expect(Set(parents) == ["a", "b"])
                } else {
                    Issue.record("parents is not a string set: \(String(describing: read?["parents"]))")
                }
                #expect(try await ddb.getItem(tableName: table, key: ["leaseKey": "absent"]) == nil)
            }
        }

        @Test("Two writers create the same lease: exactly one wins, the other gets ConditionalCheckFailed")
        func conditionalCreateRace() async throws {
            try await withHTTPClient { http in
                let ddb = DynamoDBClient(client: try await Moto.client(.dynamoDB, transport: http))
                let table = try await Self.leaseTable(ddb)
                for round in 0..<5 {
                    let key = "stream-\(round)"
                    // moto's conditional check is not atomic across its request threads (two truly simultaneous
                    // writers can both win there, never on DynamoDB), so the writers go one after the other: the
                    // second must see the first's item and lose with ConditionalCheckFailedException.
                    var outcomes: [Result<String, AWSError>] = []
                    for worker in ["worker-a", "worker-b"] {
                        do throws(AWSError) {
                            try await ddb.putItem(
                                .init(
                                    tableName: table, item: ["leaseKey": .s(key), "owner": .s(worker)],
                                    conditionExpression: "attribute_not_exists(leaseKey)"))
                            outcomes.append(.success(worker))
                        } catch {
                            outcomes.append(.failure(error))
                        }
                    }
                    let winners = outcomes.compactMap { try? $0.get() }
                    let losers = outcomes.compactMap { outcome -> AWSError? in
                        guard case .failure(let error) = outcome else { return nil }
                        return error
                    }
                    #expect(winners.count == 1)
                    #expect(losers.count == 1)
                    #expect(losers.first?.isConditionalCheckFailed == true)
                    #expect(losers.first?.status == 400)
                    let stored = try await ddb.getItem(
                        tableName: table, key: ["leaseKey": .s(key)], consistentRead: true)
                    #expect(stored?["owner"]?.stringValue == winners.first)
                }
            }
        }

        @Test("Update with a condition: the expected counter wins once, a stale counter loses")
        func conditionalUpdate() async throws {
            try await withHTTPClient { http in
                let ddb = DynamoDBClient(client: try await Moto.client(.dynamoDB, transport: http))
                let table = try await Self.leaseTable(ddb)
                try await ddb.putItem(
                    .init(tableName: table, item: ["leaseKey": "cam-1", "leaseCounter": 1, "owner": "a"]))
                let take = { (worker: String) in
                    UpdateItemInput(
                        tableName: table, key: ["leaseKey": "cam-1"],
                        updateExpression: "SET #owner = :worker, leaseCounter = leaseCounter + :one",
                        conditionExpression: "leaseCounter = :expected",
                        expressions: DynamoDBExpressions(
                            names: ["#owner": "owner"], values: [":worker": .s(worker), ":one": 1, ":expected": 1]),
                        returnValues: "ALL_NEW")
                }
                let updated = try await ddb.updateItem(take("b"))
                #expect(updated?["owner"] == "b")
                #expect(updated?["leaseCounter"]?.int64Value == 2)
                let stale = await #expect(throws: AWSError.self) { try await ddb.updateItem(take("c")) }
                #expect(stale?.isConditionalCheckFailed == true)
                #expect(stale?.serviceCode == "ConditionalCheckFailedException")

                let wrongOwner = await #expect(throws: AWSError.self) {
                    try await ddb.deleteItem(
                        .init(
                            tableName: table, key: ["leaseKey": "cam-1"], conditionExpression: "#owner = :me",
                            expressions: .init(names: ["#owner": "owner"], values: [":me": "a"])))
                }
                #expect(wrongOwner?.isConditionalCheckFailed == true)
                let old = try await ddb.deleteItem(
                    .init(
                        tableName: table, key: ["leaseKey": "cam-1"], conditionExpression: "#owner = :me",
                        expressions: .init(names: ["#owner": "owner"], values: [":me": "b"]), returnValues: "ALL_OLD"))
                #expect(old?["leaseCounter"]?.int64Value == 2)
            }
        }

        @Test("Query and scan pages follow LastEvaluatedKey to the end")
        func pagination() async throws {
            try await withHTTPClient { http in
                let ddb = DynamoDBClient(client: try await Moto.client(.dynamoDB, transport: http))
                let table = Moto.uniqueName("events")
                _ = try await ddb.createTable(
                    .init(
                        tableName: table, attributeDefinitions: [.string("pk"), .number("sk")],
                        keySchema: [.hash("pk"), .range("sk")]))
                _ = try await ddb.waitUntilActive(table, interval: .milliseconds(200))
                for sk in 0..<23 {
                    try await ddb.putItem(.init(tableName: table, item: ["pk": "cam-1", "sk": .number(sk)]))
                }
                for sk in 0..<6 {
                    try await ddb.putItem(.init(tableName: table, item: ["pk": "cam-2", "sk": .number(sk)]))
                }

                let query = DynamoDBReadInput(
                    tableName: table, keyConditionExpression: "pk = :pk", expressions: .init(values: [":pk": "cam-1"]),
                    limit: 4)
                var pages = 0
                var keys: [Int64] = []
                for try await page in ddb.queryPages(query) {
                    pages += 1
                    keys += page.items.compactMap { $0["sk"]?.int64Value }
                }
                #expect(keys == Array(0..<23))
                #expect(pages >= 6)

                var descending = query
                descending.scanIndexForward = false
                descending.limit = nil
                let firstPage = try await ddb.query(descending)
                #expect(firstPage.items.first?["sk"]?.int64Value == 22)

                let scanned = try await ddb.scanPages(DynamoDBReadInput(tableName: table, limit: 7)).collect(\.items)
                #expect(scanned.count == 29)
                #expect(Set(scanned.compactMap { $0["pk"]?.stringValue }) == ["cam-1", "cam-2"])
            }
        }
    }
}
