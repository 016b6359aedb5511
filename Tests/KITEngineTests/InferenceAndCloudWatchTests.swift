import AWSClients
import AWSSigV4
import AWSSigning
import CoreMetrics
import Foundation
import HTTPTransport
import KITRecords
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
                let reservation = try #require(scheduler.tryReserve())
                outcomes.append(
                    await scheduler.infer(Array("image \(i)".utf8), reservation: reservation, dimensions: []))
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
            let reservation = try #require(scheduler.tryReserve())
            let outcome = await scheduler.infer([1, 2, 3], reservation: reservation, dimensions: [])
            // Final at the 400 (an earlier attempt may have timed out on a loaded machine and been retried).
            #expect(outcome.response == nil && outcome.attempts >= 1 && !outcome.cancelled)
            #expect(outcome.error?.contains("400") == true)
            // The record will carry the answer's status and body, not only the error's text.
            #expect(outcome.failure?.status == 400)
            #expect(outcome.failure?.body == #"{"message":"injected failure"}"#)
            #expect(outcome.failure?.bodyTruncated == false)
            await transport.shutdown()
        }
    }

    /// A call that never answers has an error but neither status nor body.
    @Test func aTimeoutHasNoStatusOrBody() async throws {
        let server = EchoModelServer(.init(failEvery: 1, failStatus: 0))
        try await server.serve { url in
            let transport = try HTTPClient()
            let scheduler = try Self.scheduler(url, transport: transport, attempts: 2, timeout: .milliseconds(300))
            let reservation = try #require(scheduler.tryReserve())
            let outcome = await scheduler.infer([1], reservation: reservation, dimensions: [])
            #expect(outcome.response == nil && outcome.attempts == 2 && !outcome.cancelled)
            #expect(outcome.failure?.message.contains("timedOut") == true, "\(String(describing: outcome.failure))")
            #expect(outcome.failure?.status == nil && outcome.failure?.body == nil)
            await transport.shutdown()
        }
    }

    /// SageMaker's `ModelError` (424, final at once): its error document reaches the record as it was sent, and
    /// concurrent calls through one target each get their own answer's body.
    @Test func sageMakerErrorDocumentsReachTheOutcome() async throws {
        let transport = ModelErrorTransport()
        let client = SageMakerRuntimeClient(
            client: AWSClient(
                service: .sageMakerRuntime, region: "us-east-1",
                endpoint: try AWSEndpoint(url: "http://sagemaker.test"),
                credentialProvider: nil, transport: transport,
                configuration: AWSClient.Configuration(retry: .never, timeout: nil)))
        let scheduler = InferenceScheduler(
            target: SageMakerEndpointTarget(endpointName: "detector", client: client),
            configuration: .init(queueSize: 8, concurrency: 4, maxAttempts: 3, contentType: "image/jpeg"),
            logger: Logger(label: "test"))
        let outcomes = await withTaskGroup(of: (Int, InferenceOutcome).self) { group in
            for i in 0..<6 {
                guard let reservation = scheduler.tryReserve() else {
                    Issue.record("no queue slot for frame \(i)")
                    continue
                }
                group.addTask {
                    (i, await scheduler.infer(Array("frame \(i)".utf8), reservation: reservation, dimensions: []))
                }
            }
            var all: [Int: InferenceOutcome] = [:]
            for await (i, outcome) in group { all[i] = outcome }
            return all
        }
        for (i, outcome) in outcomes {
            #expect(outcome.attempts == 1, "a model error is final")
            #expect(outcome.failure?.status == 424)
            #expect(outcome.failure?.message.contains("ModelError") == true)
            #expect(outcome.failure?.body == ModelErrorTransport.document(for: Array("frame \(i)".utf8)))
        }
    }

    /// A call that outlives the per-call timeout is abandoned and retried.
    @Test func timeoutsAreRetried() async throws {
        let server = EchoModelServer(.init(failEvery: 2, failStatus: 0))
        try await server.serve { url in
            let transport = try HTTPClient()
            let scheduler = try Self.scheduler(url, transport: transport, timeout: .milliseconds(700))
            _ = await scheduler.infer([1], reservation: try #require(scheduler.tryReserve()), dimensions: [])
            // Call 2 hangs, call 3 answers.
            let outcome = await scheduler.infer([2], reservation: try #require(scheduler.tryReserve()), dimensions: [])
            #expect(outcome.response != nil && outcome.attempts >= 2)
            await transport.shutdown()
        }
    }

    /// The queue bound: a full queue refuses `tryReserve` (the skip path) until a slot is freed.
    @Test func queueBound() async throws {
        let transport = try HTTPClient()
        let scheduler = try Self.scheduler("http://127.0.0.1:9", transport: transport, queue: 2)
        let first = try #require(scheduler.tryReserve())
        try withExtendedLifetime(try #require(scheduler.tryReserve())) {
            #expect(scheduler.backlog == 2)
            #expect(scheduler.tryReserve() == nil)
            first.release()
            first.release()
            #expect(scheduler.backlog == 1, "released once, however often it is called")
        }
        // The second was dropped unused (as when a pipeline stops between reserving and inferring): its slot is
        // free again.
        #expect(scheduler.backlog == 0)
        #expect(scheduler.tryReserve() != nil)
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

/// Answers every request with SageMaker's `ModelError` document, naming the request's body so each caller can
/// tell its own answer.
struct ModelErrorTransport: HTTPExecuting {
    static func document(for body: [UInt8]) -> String {
        #"{"ErrorCode":"CLIENT_ERROR_FROM_MODEL","OriginalStatusCode":400,"#
            + #""OriginalMessage":"cannot read \#(String(decoding: body, as: UTF8.self))","message":"Received client error"}"#
    }

    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError) -> HTTPResponse {
        let bytes = request.body.bufferedBytes ?? []
        // Answers in a scrambled order, so concurrent calls overlap.
        try? await Task.sleep(for: .milliseconds(Int.random(in: 1...30)))
        return HTTPResponse(
            head: HTTPResponseHead(
                status: 424, headers: ["x-amzn-ErrorType": "ModelError", "Content-Type": "application/json"]),
            body: Array(Self.document(for: bytes).utf8))
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        throw HTTPError(code: .invalidRequest, message: "not used")
    }
}
