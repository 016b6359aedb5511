import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

extension MotoIntegrationTests {
    @Suite("Kinesis")
    struct KinesisTests {
        @Test("PutRecords of 1200 records goes in three batches and every record reads back")
        func putAndReadBack() async throws {
            try await withHTTPClient { http in
                let kinesis = KinesisClient(client: try await Moto.client(.kinesis, transport: http))
                let stream = Moto.uniqueName("results")
                try await kinesis.createStream(stream, shardCount: 2)
                let summary = try await kinesis.waitUntilActive(stream, interval: .milliseconds(200))
                #expect(summary.openShardCount == 2)

                let records = (0..<1200).map { index in
                    PutRecordsEntry(
                        data: Array(#"{"streamName":"cam-\#(index % 7)","n":\#(index)}"#.utf8),
                        partitionKey: "cam-\(index % 7)")
                }
                let outcome = try await kinesis.putRecords(streamName: stream, records: records)
                #expect(outcome.requestCount == 3)
                #expect(outcome.failedRecordCount == 0)
                #expect(outcome.results.allSatisfy { $0.sequenceNumber != nil && $0.shardId != nil })

                let shards = try await kinesis.listShards(stream)
                #expect(shards.count == 2)
                var read: [[UInt8]] = []
                for shard in shards {
                    var iterator: String? = try await kinesis.getShardIterator(
                        streamName: stream, shardId: shard.shardId, position: .trimHorizon)
                    var emptyReads = 0
                    // Bounded: 1200 records at 500 per read need a handful of reads per shard.
                    for _ in 0..<50 {
                        guard let current = iterator else { break }
                        let output = try await kinesis.getRecords(shardIterator: current, limit: 500)
                        read += output.records.map(\.data)
                        emptyReads = output.records.isEmpty ? emptyReads + 1 : 0
                        if emptyReads >= 2 { break }
                        iterator = output.nextShardIterator
                    }
                    #expect(emptyReads >= 1 || iterator == nil, "shard \(shard.shardId) not drained")
                }
                #expect(read.count == 1200)
                #expect(
                    Set(read.map { String(decoding: $0, as: UTF8.self) })
                        == Set(records.map { String(decoding: $0.data, as: UTF8.self) }))

                // Records of one partition key land on one shard, in order.
                let sequenceByKey = Dictionary(grouping: zip(records, outcome.results), by: { $0.0.partitionKey })
                for (_, entries) in sequenceByKey {
                    #expect(Set(entries.compactMap { $0.1.shardId }).count == 1)
                }
            }
        }

        @Test("GetShardIterator after a sequence number resumes after that record")
        func resumeAfterSequenceNumber() async throws {
            try await withHTTPClient { http in
                let kinesis = KinesisClient(client: try await Moto.client(.kinesis, transport: http))
                let stream = Moto.uniqueName("resume")
                try await kinesis.createStream(stream, shardCount: 1)
                _ = try await kinesis.waitUntilActive(stream, interval: .milliseconds(200))
                let outcome = try await kinesis.putRecords(
                    streamName: stream, records: (0..<5).map { PutRecordsEntry(data: [UInt8($0)], partitionKey: "k") })
                let shard = try #require(outcome.results[1].shardId)
                let sequence = try #require(outcome.results[1].sequenceNumber)
                let iterator = try await kinesis.getShardIterator(
                    streamName: stream, shardId: shard, position: .afterSequenceNumber(sequence))
                let output = try await kinesis.getRecords(shardIterator: iterator)
                #expect(output.records.map(\.data) == [[2], [3], [4]])
                #expect(output.records.first?.partitionKey == "k")
            }
        }

        @Test("An unknown stream fails with ResourceNotFoundException")
        func unknownStream() async throws {
            try await withHTTPClient { http in
                let kinesis = KinesisClient(client: try await Moto.client(.kinesis, transport: http))
                let error = await #expect(throws: AWSError.self) {
                    try await kinesis.describeStreamSummary("no-such-stream")
                }
                #expect(error?.serviceCode == "ResourceNotFoundException")
                #expect(error?.isNotFound == true)
            }
        }
    }
}
