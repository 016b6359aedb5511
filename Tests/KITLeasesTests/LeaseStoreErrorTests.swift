import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITLeases
import KITTestSupport
import Testing

extension LeaseStoreTests {
    @Suite("SQLite")
    struct SQLite {
        @Test("Eight connections race to take the same lease: exactly one wins each round")
        func racingTakes() async throws {
            let directory = try LeaseTestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("race.sqlite").path
            let stores = (0..<8).map { _ in SQLiteLeaseStore(path: path) }
            try await stores[0].prepare()
            for round in 0..<5 {
                let key = "s\(round)"
                try await stores[0].createIfAbsent(key: key)
                let winners = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, store) in stores.enumerated() {
                        group.addTask {
                            try await store.take(
                                key: key, expectedCounter: 0, expectedOwner: nil, newOwner: "w\(index)")
                                == nil ? 0 : 1
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(winners == 1)
                #expect(try await stores[0].list().first { $0.key == key }?.counter == 1)
            }
        }

        @Test("A file that is not a database fails with .corrupt")
        func corruptFile() async throws {
            let directory = try LeaseTestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("garbage.sqlite").path
            try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: path))
            let store = SQLiteLeaseStore(path: path, maxLockWait: .milliseconds(200))
            let error = try await #require(throws: LeaseStoreError.self) { try await store.prepare() }
            #expect(error.code == .corrupt)
            #expect(error.sqliteCode == 26)  // SQLITE_NOTADB
            #expect(error.description.contains(path))
            await #expect(throws: LeaseStoreError.self) { _ = try await store.list() }
        }

        @Test("A table of the same name with other columns fails with .schemaMismatch and is left alone")
        func wrongSchema() async throws {
            let directory = try LeaseTestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("other.sqlite").path
            // Made by another program (Python's sqlite3), as a foreign file would be.
            let python = try TestProcess(
                TestPaths.venv.appendingPathComponent("bin/python"),
                [
                    "-c",
                    "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                        + "c.execute('CREATE TABLE kit_leases (id INTEGER PRIMARY KEY, payload TEXT)'); "
                        + "c.execute(\"INSERT INTO kit_leases VALUES (1, 'x')\"); c.commit()",
                    path,
                ], outputFile: directory.appendingPathComponent("python.log"))
            #expect(await python.closeInputAndWait() == 0, "\(python.output)")
            let store = SQLiteLeaseStore(path: path)
            let error = try await #require(throws: LeaseStoreError.self) { try await store.prepare() }
            #expect(error.code == .schemaMismatch)
            #expect(error.message.contains("payload"))
        }

        @Test("A path in a missing directory fails with .storage (SQLite's CANTOPEN)")
        func unopenable() async throws {
            let store = SQLiteLeaseStore(path: "/nonexistent-\(UUID().uuidString)/leases.sqlite")
            let error = try await #require(throws: LeaseStoreError.self) { try await store.prepare() }
            #expect(error.code == .storage)
            #expect(error.sqliteCode.map { $0 & 0xff } == 14)  // SQLITE_CANTOPEN
        }
    }

    @Suite("DynamoDB")
    struct DynamoDB {
        @Test("An existing table keyed otherwise fails with .schemaMismatch")
        func wrongKeySchema() async throws {
            try await withHTTP { http in
                let client = try await Moto.dynamoDB(transport: http)
                let table = Moto.uniqueTable()
                _ = try await client.createTable(
                    CreateTableInput(tableName: table, attributeDefinitions: [.string("id")], keySchema: [.hash("id")]))
                let error = try await #require(throws: LeaseStoreError.self) {
                    try await DynamoDBLeaseStore(client: client, table: table).prepare()
                }
                #expect(error.code == .schemaMismatch)
                #expect(error.message.contains("id HASH"))
            }
        }

        @Test("A lease item without a numeric counter fails listing with .invalidRecord")
        func invalidItem() async throws {
            try await withHTTP { http in
                let client = try await Moto.dynamoDB(transport: http)
                let store = DynamoDBLeaseStore(client: client, table: Moto.uniqueTable())
                try await store.prepare()
                try await client.putItem(
                    PutItemInput(tableName: store.table, item: ["leaseKey": "cam", "leaseCounter": "seven"]))
                let error = try await #require(throws: LeaseStoreError.self) { _ = try await store.list() }
                #expect(error.code == .invalidRecord)
                #expect(error.message.contains("cam"))
            }
        }

        @Test("An unreachable endpoint fails with .service carrying the transport's AWSError")
        func unreachable() async throws {
            try await withHTTP { http in
                // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
                let client = DynamoDBClient(
                    client: AWSClient(
                        service: .dynamoDB, region: "us-east-1", endpoint: try AWSEndpoint(url: "http://127.0.0.1:9"),
                        credentialProvider: Moto.credentials, transport: http,
                        configuration: AWSClient.Configuration(retry: .never, timeout: .seconds(10))))
                let store = DynamoDBLeaseStore(client: client, table: "leases")
                let error = try await #require(throws: LeaseStoreError.self) { try await store.prepare() }
                #expect(error.code == .service)
                #expect((error.underlying as? AWSError)?.code == .transport)
                let listError = try await #require(throws: LeaseStoreError.self) { _ = try await store.list() }
                #expect(listError.code == .service && listError.store == "dynamodb:leases")
            }
        }

        @Test("A lease table that does not exist is reported by list as .service with ResourceNotFoundException")
        func missingTable() async throws {
            try await withHTTP { http in
                let store = DynamoDBLeaseStore(client: try await Moto.dynamoDB(transport: http), table: "absent-table")
                let error = try await #require(throws: LeaseStoreError.self) { _ = try await store.list() }
                #expect((error.underlying as? AWSError)?.isNotFound == true)
            }
        }
    }

    @Test("leaseStore values parse to a location; anything else is .invalidLocation")
    func locations() throws {
        #expect(
            try LeaseStoreLocation(parsing: "sqlite:/var/lib/kit/leases.sqlite")
                == .sqlite(path: "/var/lib/kit/leases.sqlite"))
        #expect(try LeaseStoreLocation(parsing: "dynamodb:kit-leases") == .dynamoDB(table: "kit-leases"))
        #expect(try LeaseStoreLocation(parsing: "DynamoDB:t").description == "dynamodb:t")
        for bad in ["", "sqlite:", "dynamodb", "redis:x", "leases.sqlite"] {
            #expect(throws: LeaseStoreError.self, "\(bad)") { try LeaseStoreLocation(parsing: bad) }
        }
    }
}

extension LeaseStoreTests {
    @Test("Coordinators on DynamoDB: two workers split four leases; when one shuts down the other takes them all")
    func coordinatorsOnDynamoDB() async throws {
        try await StoreKind.dynamoDB.withStore { store in
            let log = EventLog()
            let streams: Set<String> = ["s0", "s1", "s2", "s3"]
            let failover = Duration.milliseconds(1500)
            let a = await TestWorker.start("a", store: store, streams: streams, failover: failover, log: log)
            try await waitUntil("a holds all four") { await a.held.count == 4 }
            let b = await TestWorker.start("b", store: store, streams: streams, failover: failover, log: log)
            try await waitUntil("2/2") { await (a.held.count, b.held.count) == (2, 2) }
            // b's two were stolen: they are announced one failover time after the take.
            try await waitUntil("b announced its two") { await log.acquired(by: "b").count == 2 }
            let first = try #require(await log.acquired(by: "b").min())
            #expect(try await b.coordinator.checkpoint(key: first, Checkpoint(fragmentNumber: "5")))
            try await a.stop()
            try await waitUntil("b holds all four") { await b.held.count == 4 }
            try await b.stop()
            let leases = try await store.list()
            #expect(leases.allSatisfy { $0.owner == nil } && leases.contains { $0.checkpoint?.fragmentNumber == "5" })
            #expect(await log.overlaps().isEmpty)
        }
    }
}
