import Foundation
import KITTestSupport
import Testing

@testable import KITEngine

/// The deployment artefacts: the CloudFormation template lints clean, its dashboard shows every metric the host emits
/// (and no other of ours), and the container's environment names only real kithost configuration keys.
@Suite(
    .enabled(
        if: DeployPaths.haveTestVenv,
        "needs the test venv (.venv with cfn-lint and PyYAML): run scripts/setup.sh or `make setup`"),
    .timeLimit(.minutes(3)))
struct DeployTests {
    /// Every metric name the host emits (`MetricName.all`: engine per stream, worker) and the plugin dispatcher's
    /// (labels in Sources/KITPlugins/Dispatch/PluginDispatcher.swift, `plugin` dimension).
    static let ourMetrics = Set(MetricName.all).union([
        "PluginInvocations", "PluginErrors", "PluginRetries", "PluginDeadLettered", "PluginDuration",
    ])

    @Test func cfnLintPasses() async throws {
        let result = try await DeployPaths.run(
            DeployPaths.venv.appendingPathComponent("bin/cfn-lint"), [DeployPaths.template.path])
        #expect(result.status == 0, "cfn-lint found problems:\n\(result.stdout)\(result.stderr)")
    }

    @Test func dashboardShowsEveryMetricOfOurs() async throws {
        let names = try await templateLines([])
        #expect(
            Set(names) == Self.ourMetrics,
            "missing: \(Self.ourMetrics.subtracting(names).sorted()), unknown: \(Set(names).subtracting(Self.ourMetrics).sorted())"
        )
    }

    @Test func containerEnvironmentNamesRealConfigKeys() async throws {
        let names = Set(try await templateLines(["--environment"]))
        let known = Set(ConfigKey.all.map(\.environmentName))
        #expect(!names.isEmpty)
        #expect(names.isSubset(of: known), "not kithost config keys: \(names.subtracting(known).sorted())")
        // What a deployment cannot run without.
        for required in [
            "KIT_STREAM_NAMES", "KIT_TAG_FILTERS", "KIT_SAGE_MAKER_ENDPOINT", "KIT_END_POINT_ACCEPT_CONTENT_TYPE",
            "KIT_KDS_STREAM_NAME", "KIT_LEASE_STORE", "KIT_CLOUD_WATCH_NAMESPACE", "KIT_REGION",
        ] {
            #expect(names.contains(required), "\(required) is not set")
        }
    }

    /// The stack's container environment, worked out for sample parameters, is a configuration `kithost run` accepts
    /// and reads as meant (`--print-config`).
    @Test(arguments: [
        ("front,back", #"{"key":"Location","values":["Front","Parking"]}"#),
        ("front", ""),
    ])
    func containerEnvironmentIsAValidKithostConfiguration(streamNames: String, tagFilters: String) async throws {
        let parameters = [
            "AppName=kit", "SageMakerEndpoint=kit-person", "DockerImageRepository=image", "StreamNames=\(streamNames)",
            "TagFilters=\(tagFilters)", "EndPointAcceptContentType=image/png", "InferenceInterval=3",
        ]
        let lines = try await templateLines(["--environment", "--resolve"] + parameters)
        var environment = ["PATH": "/usr/bin:/bin"]
        for line in lines {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            try #require(parts.count == 2 && parts[0].hasPrefix("KIT_"), "\(line)")
            environment[parts[0]] = parts[1]
        }
        let result = try await DeployPaths.run(
            DeployPaths.kithost, ["run", "--print-config"], environment: environment)
        try #require(result.status == 0, "kithost refused the stack's environment: \(result.stderr)")
        let config = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(config["streamNames"] as? [String] == streamNames.split(separator: ",").map(String.init))
        let filters = try #require(config["tagFilters"] as? [[String: Any]])
        if tagFilters.isEmpty {
            #expect(filters.isEmpty)
        } else {
            #expect(filters.count == 1 && filters.first?["key"] as? String == "Location")
            #expect(filters.first?["values"] as? [String] == ["Front", "Parking"])
        }
        #expect(config["sageMakerEndpoint"] as? String == "kit-person")
        #expect(config["endPointAcceptContentType"] as? String == "image/png")
        #expect(config["inferenceInterval"] as? Int == 3)
        #expect(config["kdsStreamName"] as? String == "ResultsStream")  // the resource's name, here its logical id
        #expect(config["leaseStore"] as? String == "dynamodb:LeaseTable")
        #expect(config["cloudWatchNamespace"] as? String == "kit")
        #expect(config["region"] as? String == "us-east-1")
        #expect(config["pluginDir"] as? String == "/opt/kit/plugins")
        let plugins = try #require(config["plugins"] as? [String: [String: Any]])
        #expect(plugins["S3Archive"]?["destination"] as? String == "s3://ArchiveBucket/archive/")
        #expect(plugins["CocoLabeler"] != nil)
        #expect(config["deadLetter"] as? String == "s3://ArchiveBucket/dead-letter/")
    }

    @Test func scriptRejectsATemplateWithoutDashboard() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kit-deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("empty.yaml")
        try Data("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n".utf8).write(to: file)
        let result = try await DeployPaths.run(
            DeployPaths.venv.appendingPathComponent("bin/python"), [DeployPaths.metricsScript.path, file.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no AWS::CloudWatch::Dashboard"), "\(result.stderr)")
    }

    private func templateLines(_ extra: [String]) async throws -> [String] {
        let result = try await DeployPaths.run(
            DeployPaths.venv.appendingPathComponent("bin/python"),
            [DeployPaths.metricsScript.path, DeployPaths.template.path] + extra)
        try #require(result.status == 0, "template-metrics.py failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }
}

enum DeployPaths {
    static let packageRoot = TestPaths.packageRoot
    static let template = packageRoot.appendingPathComponent("deploy/cloudformation/kit.yaml")
    static let metricsScript = packageRoot.appendingPathComponent("scripts/template-metrics.py")
    /// The kithost binary built beside the test bundle.
    static var kithost: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kithost")
    }

    /// `$KIT_VENV`, else `<root>/.venv` (scripts/setup.sh).
    static var venv: URL { TestPaths.venv }

    static var haveTestVenv: Bool {
        FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/cfn-lint").path)
    }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a command to completion, both outputs read on their own threads so a chatty child never blocks.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws
        -> Output
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = executable
                        process.arguments = arguments
                        process.currentDirectoryURL = packageRoot
                        if let environment { process.environment = environment }
                        let out = Pipe()
                        let err = Pipe()
                        process.standardInput = FileHandle.nullDevice
                        process.standardOutput = out
                        process.standardError = err
                        try process.run()
                        let group = DispatchGroup()
                        let box = OutputBox()
                        group.enter()
                        DispatchQueue.global().async {
                            box.setOut(out.fileHandleForReading.readDataToEndOfFile())
                            group.leave()
                        }
                        let errData = err.fileHandleForReading.readDataToEndOfFile()
                        group.wait()
                        process.waitUntilExit()
                        return Output(
                            status: process.terminationStatus, stdout: String(decoding: box.out, as: UTF8.self),
                            stderr: String(decoding: errData, as: UTF8.self))
                    })
            }
        }
    }

    private final class OutputBox: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        private let lock = NSLock()
        private var data = Data()
        func setOut(_ value: Data) { lock.withLock { data = value } }
        var out: Data { lock.withLock { data } }
    }
}
