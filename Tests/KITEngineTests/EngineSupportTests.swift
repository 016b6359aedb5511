import AWSClients
import AWSSigV4
import Foundation
import HTTPTransport
import KITPlugins
import KITTestSupport
import Logging
import Synchronization
import Testing

@testable import KITEngine

/// The engine's small parts: the stop switch its task groups are stopped with, and the one region resolution.
@Suite struct EngineSupportTests {
    /// Flipping the switch cancels the body and `run` returns normally once the body has ended.
    @Test func aStopSwitchCancelsItsBody() async throws {
        let stop = StopSwitch()
        let ended = Shared<Bool?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await stop.run {
                    do {
                        try await Task.sleep(for: .seconds(600))
                        ended.withLock { $0 = false }
                    } catch {
                        ended.withLock { $0 = Task.isCancelled }
                        throw error
                    }
                }
            }
            stop.stop()
            try await group.waitForAll()
        }
        #expect(ended.withLock { $0 } != false, "the body was cancelled, not run to its end")
        #expect(stop.isStopped)
    }

    /// A body that ends by itself ends `run`, its error rethrown; a switch flipped before `run` skips the body.
    @Test func aStopSwitchPassesTheBodyThrough() async throws {
        struct Failure: Error {}
        let stop = StopSwitch()
        await #expect(throws: Failure.self) { try await stop.run { throw Failure() } }
        let ran = Shared(false)
        try await stop.run { ran.withLock { $0 = true } }
        #expect(ran.withLock { $0 })
        stop.stop()
        try await stop.run { ran.withLock { $0 = false } }
        #expect(ran.withLock { $0 }, "not run once stopped")
        await stop.sleep(for: .seconds(600))  // returns at once: stopped
    }

    /// The region comes from the `region` key, else the environment or the profile; without one there is a
    /// configuration error on `region`, never a guessed default.
    @Test func theRegionIsResolvedOnceOrRefused() async throws {
        let transport = try HTTPClient()
        let checked = Result { try Self.checkRegions(transport: transport) }
        await transport.shutdown()
        try checked.get()
    }

    static func checkRegions(transport: HTTPClient) throws {
        let credentials = EnvironmentCredentialProvider(environment: [:])
        let noFiles = ["AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/creds"]
        func factory(_ region: String?, _ environment: [String: String]) throws(ConfigurationError) -> AWSClientFactory
        {
            try AWSClientFactory(
                region: region, transport: transport, credentials: credentials,
                environment: noFiles.merging(environment) { $1 }, logger: Logger(label: "test"))
        }
        #expect(try factory("eu-west-1", ["AWS_REGION": "us-west-2"]).region == "eu-west-1")
        #expect(try factory(nil, ["AWS_REGION": "us-west-2"]).region == "us-west-2")
        #expect(try factory(nil, ["AWS_DEFAULT_REGION": "ap-south-1"]).region == "ap-south-1")
        #expect(throws: ConfigurationError.self) { try factory(nil, [:]) }
        do {
            _ = try factory(nil, [:])
        } catch {
            #expect(error.key == "region")
        }
        // Every client the factory makes is in that region.
        let aws = try factory(nil, ["AWS_REGION": "sa-east-1"])
        #expect(try aws.client(.kinesisVideo).region == "sa-east-1")
        #expect(try aws.client(.cloudWatch).region == "sa-east-1")
        #expect(aws.hostServices(logger: Logger(label: "test")).region == "sa-east-1")
    }

    /// `kithost run` with no region anywhere exits 2 naming the key, before reading any stream.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)))
    func runWithoutARegionExitsWithTwo() async throws {
        let env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin", "HOME": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent/config",
        ]
        let output = try await Subprocess.run(
            TestPaths.kithost,
            ["run", "--stream-names", "a", "--inference-url", "http://127.0.0.1:1", "--metrics-port", "0"],
            environment: env, timeout: .seconds(60))
        #expect(output.status == 2, "\(output.stderrText)")
        #expect(output.stderrText.contains("region"), "\(output.stderrText)")
    }
}

/// A value shared with child tasks.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
}
