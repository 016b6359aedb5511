import AWSClients
import AWSSigV4
import Foundation
import HTTPTransport
import KITLeases
import Testing

/// Every store test that may touch moto lives under this suite, so the shared moto server stops when it ends.
@Suite("lease stores")
struct LeaseStoreTests {}

extension LeaseStoreTests {
    @Suite("contract")
    struct Contract {
        @Test(
            "Create, take, renew, checkpoint, steal, release, delete: each write checks owner and counter",
            arguments: StoreKind.allCases)
        func lifecycle(kind: StoreKind) async throws {
            try await kind.withStore { store in
                try await store.prepare()  // a second prepare finds the schema and accepts it
                try await store.createIfAbsent(key: "cam-1")
                try await store.createIfAbsent(key: "cam-1")
                let fresh = try await store.list()
                #expect(fresh.map(\.key) == ["cam-1"])
                #expect(fresh.first?.owner == nil && fresh.first?.counter == 0 && fresh.first?.checkpoint == nil)

                // Take a free lease; the stale or wrong expectations lose.
                #expect(
                    try await store.take(key: "cam-1", expectedCounter: 0, expectedOwner: "x", newOwner: "a") == nil)
                let taken = try #require(
                    try await store.take(key: "cam-1", expectedCounter: 0, expectedOwner: nil, newOwner: "a"))
                #expect(taken.owner == "a" && taken.counter == 1 && taken.ownerSwitchesSinceCheckpoint == 1)
                #expect(
                    try await store.take(key: "cam-1", expectedCounter: 0, expectedOwner: nil, newOwner: "b") == nil)

                // Renew: only the owner, only at the current counter.
                #expect(try await store.renew(key: "cam-1", owner: "b", expectedCounter: 1) == nil)
                #expect(try await store.renew(key: "cam-1", owner: "a", expectedCounter: 0) == nil)
                let renewed = try #require(try await store.renew(key: "cam-1", owner: "a", expectedCounter: 1))
                #expect(renewed.counter == 2 && renewed.owner == "a")

                // Checkpoint: leaves the counter, zeroes the switches, keeps every field.
                let checkpoint = Checkpoint(
                    fragmentNumber: "91343852333181432392682062607743920146264440341", continuationToken: "tok-1",
                    serverTimestampMillis: 1_700_000_000_123, producerTimestampMillis: 1_700_000_000_001)
                #expect(try await !store.checkpoint(key: "cam-1", owner: "a", expectedCounter: 1, checkpoint))
                #expect(try await !store.checkpoint(key: "cam-1", owner: "b", expectedCounter: 2, checkpoint))
                #expect(try await store.checkpoint(key: "cam-1", owner: "a", expectedCounter: 2, checkpoint))
                var read = try #require(try await store.list().first)
                #expect(read.checkpoint == checkpoint && read.counter == 2 && read.ownerSwitchesSinceCheckpoint == 0)
                #expect(read.checkpointWrittenMillis != nil && read.lastUpdatedMillis > 0)

                // Steal: b takes a's lease at its current counter; a's writes are refused from now on.
                let stolen = try #require(
                    try await store.take(key: "cam-1", expectedCounter: 2, expectedOwner: "a", newOwner: "b"))
                #expect(stolen.owner == "b" && stolen.counter == 3 && stolen.ownerSwitchesSinceCheckpoint == 1)
                #expect(stolen.checkpoint == checkpoint)
                #expect(try await !store.checkpoint(key: "cam-1", owner: "a", expectedCounter: 2, checkpoint))
                #expect(try await store.renew(key: "cam-1", owner: "a", expectedCounter: 2) == nil)
                #expect(try await !store.release(key: "cam-1", owner: "a", expectedCounter: 3))

                // Release keeps the checkpoint; the lease is free for anyone at the new counter.
                #expect(try await store.release(key: "cam-1", owner: "b", expectedCounter: 3))
                read = try #require(try await store.list().first)
                #expect(read.owner == nil && read.counter == 4 && read.checkpoint == checkpoint)
                let retaken = try #require(
                    try await store.take(key: "cam-1", expectedCounter: 4, expectedOwner: nil, newOwner: "a"))
                #expect(retaken.ownerSwitchesSinceCheckpoint == 2)

                // A checkpoint without the optional fields clears them.
                let bare = Checkpoint(fragmentNumber: "2")
                #expect(try await store.checkpoint(key: "cam-1", owner: "a", expectedCounter: 5, bare))
                #expect(try await store.list().first?.checkpoint == bare)

                // Delete, and every write on a missing lease is a lost condition, not an error.
                try await store.createIfAbsent(key: "cam-2")
                try await store.delete(key: "cam-1")
                #expect(try await store.list().map(\.key) == ["cam-2"])
                #expect(
                    try await store.take(key: "cam-1", expectedCounter: 5, expectedOwner: "a", newOwner: "a") == nil)
                #expect(try await store.renew(key: "cam-1", owner: "a", expectedCounter: 5) == nil)
                #expect(try await !store.checkpoint(key: "cam-1", owner: "a", expectedCounter: 5, bare))
                #expect(try await !store.release(key: "cam-1", owner: "a", expectedCounter: 5))
            }
        }

        @Test(
            "List returns every lease by key; an owner re-taking its own lease is no owner switch",
            arguments: StoreKind.allCases)
        func sharedTable(kind: StoreKind) async throws {
            try await kind.withStore { store in
                for index in 0..<5 { try await store.createIfAbsent(key: "s\(index)") }
                let first = try #require(
                    try await store.take(key: "s3", expectedCounter: 0, expectedOwner: nil, newOwner: "w"))
                let again = try #require(
                    try await store.take(key: "s3", expectedCounter: 1, expectedOwner: "w", newOwner: "w"))
                #expect(first.ownerSwitchesSinceCheckpoint == 1 && again.ownerSwitchesSinceCheckpoint == 1)
                let leases = try await store.list()
                #expect(leases.map(\.key) == ["s0", "s1", "s2", "s3", "s4"])
                #expect(leases.filter { $0.owner == "w" }.map(\.key) == ["s3"])
            }
        }
    }
}
