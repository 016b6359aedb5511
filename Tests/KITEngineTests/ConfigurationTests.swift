import Foundation
import KITEngine
import Testing

@Suite struct ConfigurationTests {
    func write(_ text: String, ext: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kit-config-\(UUID().uuidString).\(ext)"
        )
        .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func kitKeysFromJSONWithDefaults() throws {
        let file = try write(
            """
            {"streamNames": ["cam-1", "cam-2"], "sageMakerEndpoint": "yolo", "kdsStreamName": "results",
             "tagFilters": [{"Key": "Location", "Values": ["Front", "Parking"]}]}
            """, ext: "json")
        let c = try HostConfiguration.load(file: file, environment: [:])
        #expect(c.streamNames == ["cam-1", "cam-2"])
        #expect(c.tagFilters == [.init(key: "Location", values: ["Front", "Parking"])])
        #expect(c.sageMakerEndpoint == "yolo" && c.kdsStreamName == "results")
        // KIT's defaults.
        #expect(c.inferenceInterval == 6 && c.sageMakerTaskQueueSize == 5000 && c.sageMakerTaskThreadPoolSize == 20)
        #expect(c.sageMakerTaskTimeoutInMilli == 20000 && c.endPointAcceptContentType == "image/jpeg")
        // Ours: one machine, no AWS.
        #expect(c.leaseStore == .sqlite(path: "kit-leases.sqlite") && c.leaseFailoverMillis == 10000)
        #expect(c.skipWhenBehind && c.startSelector == .now)
        #expect(c.effectiveResultsFile == nil)
    }

    @Test func yamlFileThenEnvironmentThenFlags() throws {
        let file = try write(
            """
            streamNames: cam-1, cam-2
            inferenceUrl: http://127.0.0.1:8080
            inferenceInterval: 3
            leaseStore: dynamodb:kit-leases
            plugins:
              S3Archive: {bucket: archive}
            """, ext: "yaml")
        let env = ["KIT_INFERENCE_INTERVAL": "4", "KIT_STREAM_NAMES": "[\"a\",\"b\"]", "KIT_SKIP_WHEN_BEHIND": "false"]
        let c = try HostConfiguration.load(file: file, environment: env, flags: ["inference-interval": "5"])
        #expect(c.streamNames == ["a", "b"])
        #expect(c.inferenceInterval == 5)
        #expect(!c.skipWhenBehind)
        #expect(c.leaseStore == .dynamoDB(table: "kit-leases"))
        #expect(c.plugins["S3Archive"] == .object(["bucket": .string("archive")]))
        #expect(c.effectiveResultsFile == "kit-results.jsonl")
    }

    @Test func printConfigShowsEveryKey() throws {
        let c = try HostConfiguration.load(
            environment: ["KIT_STREAM_NAMES": "cam", "KIT_INFERENCE_URL": "http://127.0.0.1:1", "KIT_WORKER_ID": "w1"])
        let text = c.printable.json
        for key in [
            "streamNames", "tagFilters", "sageMakerEndpoint", "endPointAcceptContentType", "kdsStreamName",
            "inferenceInterval", "sageMakerTaskQueueSize", "sageMakerTaskThreadPoolSize", "sageMakerTaskTimeoutInMilli",
            "region", "inferenceUrl", "startSelector", "maxFramesPerSecond", "leaseStore", "leaseFailoverMillis",
            "resultsFile", "skipWhenBehind", "metricsPort", "cloudWatchNamespace", "workerId", "pluginDir", "plugins",
            "pluginBatchSize", "pluginBatchWindowMillis", "deadLetter",
        ] {
            #expect(text.contains("\"\(key)\":"), "\(key)")
        }
        #expect(text.contains("\"workerId\":\"w1\""))
    }

    @Test(arguments: [
        ("KIT_INFERENCE_INTERVAL", "0", "inferenceInterval"),
        ("KIT_INFERENCE_INTERVAL", "six", "inferenceInterval"),
        ("KIT_END_POINT_ACCEPT_CONTENT_TYPE", "image/gif", "endPointAcceptContentType"),
        ("KIT_START_SELECTOR", "YESTERDAY", "startSelector"),
        ("KIT_LEASE_STORE", "redis:x", "leaseStore"),
        ("KIT_SKIP_WHEN_BEHIND", "maybe", "skipWhenBehind"),
        ("KIT_TAG_FILTERS", "[{\"values\":[\"x\"]}]", "tagFilters"),
        ("KIT_DEAD_LETTER", "ftp://x", "deadLetter"),
        ("KIT_METRICS_PORT", "70000", "metricsPort"),
        ("KIT_INFERENCE_URL", "127.0.0.1:8080", "inferenceUrl"),
    ])
    func invalidValuesNameTheirKey(variable: String, value: String, key: String) {
        var env = ["KIT_STREAM_NAMES": "cam", "KIT_SAGE_MAKER_ENDPOINT": "e"]
        env[variable] = value
        if variable == "KIT_INFERENCE_URL" { env["KIT_SAGE_MAKER_ENDPOINT"] = nil }
        #expect(throws: ConfigurationError.self) { try HostConfiguration.load(environment: env) }
        do {
            _ = try HostConfiguration.load(environment: env)
        } catch {
            #expect(error.key == key)
        }
    }

    @Test func missingStreamsOrEndpointAndBadFiles() throws {
        #expect(
            throws: ConfigurationError(
                key: "streamNames", message: "name at least one stream, or set tagFilters to discover them")
        ) {
            try HostConfiguration.load(environment: ["KIT_SAGE_MAKER_ENDPOINT": "e"])
        }
        #expect(throws: ConfigurationError.self) { try HostConfiguration.load(environment: ["KIT_STREAM_NAMES": "a"]) }
        let unknown = try write("{\"streamNames\": [\"a\"], \"sagemakerEndpoint\": \"typo\"}", ext: "json")
        do {
            _ = try HostConfiguration.load(file: unknown, environment: [:])
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.key == "sagemakerEndpoint")
        }
        let broken = try write("{not json", ext: "json")
        #expect(throws: ConfigurationError.self) { try HostConfiguration.load(file: broken, environment: [:]) }
        #expect(throws: ConfigurationError.self) {
            try HostConfiguration.load(file: "/nonexistent.yaml", environment: [:])
        }
        #expect(throws: ConfigurationError.self) {
            try HostConfiguration.load(
                environment: ["KIT_STREAM_NAMES": "a", "KIT_SAGE_MAKER_ENDPOINT": "e"], flags: ["no-such-flag": "1"])
        }
    }
}
