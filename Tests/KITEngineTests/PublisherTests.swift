import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITTestSupport
import Logging
import Testing

@testable import KITEngine

/// The Kinesis publisher against moto behind a proxy that throttles every third PutRecords: every record lands
/// exactly once, fragments in order, and the throttling shows in RecordsFailed.
@Suite struct PublisherTests {
    @Test func kinesisThrottlingIsRiddenWithoutLossOrDuplicates() async throws {
        _ = TestMetrics.shared
        let moto = try await MotoServer.shared.endpoint()
        let proxy = ThrottlingProxy(upstream: moto, throttleEvery: 3)
        let name = "kit-pub-\(UUID().uuidString.prefix(8))"
        let env = MotoServer.clientEnvironment(moto: moto)
        let setup = try await Subprocess.run(
            TestPaths.python,
            [
                "-c",
                #"""
                import boto3, sys
                k = boto3.client("kinesis")
                k.create_stream(StreamName=sys.argv[1], ShardCount=1)
                k.get_waiter("stream_exists").wait(StreamName=sys.argv[1])
                """#, name,
            ], environment: env)
        try #require(setup.status == 0, "\(setup.stderrText)")
        try await proxy.serve { proxyURL in
            let transport = try HTTPClient()
            let kinesis = KinesisClient(
                client: try AWSClient(
                    service: .kinesis, region: "us-east-1", endpoint: proxyURL,
                    credentialProvider: EnvironmentCredentialProvider(environment: env), transport: transport,
                    environment: env,
                    configuration: .init(retry: AWSRetryPolicy(maxAttempts: 1), timeout: .seconds(30))))
            let publisher = KinesisResultPublisher(
                streamName: name, streamARN: "arn:aws:kinesis:us-east-1:123456789012:stream/\(name)", client: kinesis,
                workerId: "pub-test", logger: Logger(label: "test"))
            var sent: [String] = []
            for fragment in 0..<6 {
                let records = (0..<4).map { #"{"fragment":\#(fragment),"frame":\#($0)}"# }
                sent += records
                let published = try await publisher.publish(
                    stream: "cam-\(name)", records: records.map { Array($0.utf8) })
                #expect(published.count == 4 && published.allSatisfy { !$0.sequenceNumber.isEmpty })
            }
            #expect(proxy.throttled > 0)
            #expect(TestMetrics.shared.total("RecordsFailed", matching: [("worker", "pub-test")]) > 0)
            let read = try await Subprocess.run(
                TestPaths.python,
                [
                    "-c",
                    #"""
                    import boto3, sys, json
                    k = boto3.client("kinesis")
                    shard = k.list_shards(StreamName=sys.argv[1])["Shards"][0]["ShardId"]
                    it = k.get_shard_iterator(StreamName=sys.argv[1], ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                    print(json.dumps([r["Data"].decode() for r in k.get_records(ShardIterator=it, Limit=1000)["Records"]]))
                    """#, name,
                ], environment: env)
            try #require(read.status == 0, "\(read.stderrText)")
            let stored = try JSONSerialization.jsonObject(with: read.stdout) as? [String] ?? []
            #expect(stored == sent)
            await transport.shutdown()
        }
    }
}
