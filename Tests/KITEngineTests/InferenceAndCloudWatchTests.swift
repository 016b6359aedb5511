import AWSClients
import AWSSigV4
import AWSSigning
import CoreMetrics
import Foundation
import HTTPTransport
import KITTestSupport
import Logging
import Testing

@testable import KITEngine

@Suite struct InferenceAndCloudWatchTests {
    static func scheduler(
        _ url: String, transport: HTTPClient, queue: Int = 10, attempts: Int = 4, timeout: Duration = .seconds(5)
    )
        throws -> InferenceScheduler
    {
        let client = try ContainerModelClient(
            baseURL: url, transport: transport, configuration: AWSClient.Configuration(retry: .never, timeout: nil))
        return InferenceScheduler(
            target: ContainerEndpointTarget(url: url, client: client),
            configuration: .init(
                queueSize: queue, concurrency: 2, timeout: timeout, maxAttempts: attempts, baseDelay: .milliseconds(10),
                maxDelay: .milliseconds(50), contentType: "image/png"),
            logger: Logger(label: "test"))
    }

    /// 503 and 429 are retried until an answer comes; the slot is given back either way.
    @Test func transientErrorsAreRetried() async throws {
        let server = EchoModelServer(.init(failEvery: 2, failStatus: 503))
        try await server.serve { url in
            let transport = try HTTPClient()
            let scheduler = try Self.scheduler(url, transport: transport)
            var outcomes: [InferenceOutcome] = []
            for i in 0..<6 {
                #expect(scheduler.tryReserve())
                outcomes.append(await scheduler.infer(Array("image \(i)".utf8), dimensions: []))
            }
            #expect(outcomes.allSatisfy { $0.response != nil && $0.error == nil })
            #expect(outcomes.contains { $0.attempts == 2 })
            #expect(scheduler.backlog == 0)
            #expect(server.contentTypes == ["image/png"])
            await transport.shutdown()
        }
    }

    /// A 400 is final at once: the outcome carries the error (the record will say so).
    @Test func clientErrorsAreFinal() async throws {
        let server = EchoModelServer(.init(failEvery: 1, failStatus: 400))
        try await server.serve { url in
            let transport = try HTTPClient()
            let scheduler = try Self.scheduler(url, transport: transport)
            #expect(scheduler.tryReserve())
            let outcome = await scheduler.infer([1, 2, 3], dimensions: [])
            // Final at the 400 (an earlier attempt may have timed out on a loaded machine and been retried).
            #expect(outcome.response == nil && outcome.attempts >= 1 && !outcome.cancelled)
            #expect(outcome.error?.contains("400") == true)
            await transport.shutdown()
        }
    }

    /// A call that outlives the per-call timeout is abandoned and retried.
    @Test func timeoutsAreRetried() async throws {
        let server = EchoModelServer(.init(failEvery: 2, failStatus: 0))
        try await server.serve { url in
            let transport = try HTTPClient()
            let scheduler = try Self.scheduler(url, transport: transport, timeout: .milliseconds(700))
            #expect(scheduler.tryReserve())
            _ = await scheduler.infer([1], dimensions: [])
            #expect(scheduler.tryReserve())
            let outcome = await scheduler.infer([2], dimensions: [])  // call 2 hangs, call 3 answers
            #expect(outcome.response != nil && outcome.attempts >= 2)
            await transport.shutdown()
        }
    }

    /// The queue bound: a full queue refuses `tryReserve` (the skip path) until a slot is freed.
    @Test func queueBound() async throws {
        let transport = try HTTPClient()
        let scheduler = try Self.scheduler("http://127.0.0.1:9", transport: transport, queue: 2)
        #expect(scheduler.tryReserve() && scheduler.tryReserve())
        #expect(!scheduler.tryReserve())
        scheduler.unreserve()
        #expect(scheduler.tryReserve())
        await transport.shutdown()
    }

    /// The CloudWatch backend's data reach moto's CloudWatch: counters as sums, timers as statistic sets in ms,
    /// dimensions renamed; a failed flush keeps its data for the next one.
    @Test func cloudWatchBackendPublishes() async throws {
        let moto = try await MotoServer.shared.endpoint()
        let transport = try HTTPClient()
        let namespace = "KITTest\(UUID().uuidString.prefix(8))"
        let env = MotoServer.clientEnvironment(moto: moto)
        let client = CloudWatchClient(
            client: try AWSClient(
                service: .cloudWatch, region: "us-east-1",
                credentialProvider: EnvironmentCredentialProvider(environment: env),
                transport: transport, environment: env))
        let metrics = CloudWatchMetrics(namespace: namespace, client: client, logger: Logger(label: "test"))
        let dims = [("stream", "cam-1"), ("worker", "w1")]
        let counter = metrics.makeCounter(label: MetricName.framesSampled, dimensions: dims)
        counter.increment(by: 3)
        counter.increment(by: 4)
        metrics.makeTimer(label: MetricName.endpointLatency, dimensions: dims).recordNanoseconds(25_000_000)
        metrics.makeRecorder(label: MetricName.millisBehindNow, dimensions: dims, aggregate: false).record(Int64(1500))
        #expect(await metrics.flush() == 3)
        #expect(await metrics.flush() == 2)  // the counter reports 0, the gauge its value, the timer nothing
        let script = #"""
            import boto3, json, sys, datetime
            cw = boto3.client("cloudwatch", endpoint_url=sys.argv[1], region_name="us-east-1")
            names = sorted({m["MetricName"] for m in cw.list_metrics(Namespace=sys.argv[2])["Metrics"]})
            dims = [sorted(d["Name"] for d in m["Dimensions"]) for m in cw.list_metrics(Namespace=sys.argv[2])["Metrics"]]
            now = datetime.datetime.now(datetime.timezone.utc)
            s = cw.get_metric_statistics(Namespace=sys.argv[2], MetricName="FramesSampled",
                Dimensions=[{"Name": "StreamName", "Value": "cam-1"}, {"Name": "WorkerId", "Value": "w1"}],
                StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(hours=1),
                Period=3600, Statistics=["Sum"])
            print(json.dumps({"names": names, "dims": dims[0], "sum": sum(p["Sum"] for p in s["Datapoints"])}))
            """#
        let output = try await Subprocess.run(TestPaths.python, ["-c", script, moto, namespace], environment: env)
        #expect(output.status == 0, "\(output.stderrText)")
        let result = try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any])
        #expect(result["names"] as? [String] == ["EndpointLatency", "FramesSampled", "MillisBehindNow"])
        #expect(result["dims"] as? [String] == ["StreamName", "WorkerId"])
        #expect(result["sum"] as? Double == 7)
        await transport.shutdown()
    }
}
