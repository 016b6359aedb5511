import Foundation
import KITTestSupport
import Testing

/// `kithost run` and the plugins its configuration names: one that does not load stops the start with exit status
/// 2 and a message naming it — before any stream is read, so nothing is checkpointed without it — unless its entry
/// says `"optional": true`; a misspelled name gets the closest real one suggested.
@Suite struct PluginStartTests {
    static let plugin = TestPaths.productsDirectory.appendingPathComponent("libS3Archive.so")
    static let ready =
        FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)
        && FileManager.default.fileExists(atPath: plugin.path)

    /// A plugin directory holding S3Archive, and a configuration with `plugins` as given.
    static func configure(_ dir: URL, plugins: [String: Any]) throws -> URL {
        let pluginDir = dir.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(
            at: pluginDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let target = pluginDir.appendingPathComponent("libS3Archive.so")
        if !FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.copyItem(at: plugin, to: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
        }
        let config: [String: Any] = [
            "streamNames": ["never-read"], "inferenceUrl": "http://127.0.0.1:9",
            "leaseStore": "sqlite:" + dir.appendingPathComponent("leases.sqlite").path,
            "resultsFile": dir.appendingPathComponent("results.jsonl").path, "metricsPort": 0,
            "metricsHost": "127.0.0.1", "region": "us-east-1", "pluginDir": pluginDir.path, "plugins": plugins,
        ]
        let file = dir.appendingPathComponent("kit.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        return file
    }

    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = "AKIDTEST"
        env["AWS_SECRET_ACCESS_KEY"] = "test-secret"
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        return env
    }

    @Test(.enabled(if: ready), .timeLimit(.minutes(2)))
    func aConfiguredPluginThatFailsCreateStopsTheStart() async throws {
        try await withTemporaryDirectory("kit-plugin-start") { dir in
            // A wrong key: S3Archive needs `destination`.
            let config = try Self.configure(dir, plugins: ["S3Archive": ["bucket": "b"]])
            let start = ContinuousClock.now
            let run = try await Subprocess.run(
                TestPaths.kithost, ["run", "--config", config.path], environment: Self.environment,
                timeout: .seconds(60))
            let elapsed = ContinuousClock.now - start
            #expect(run.status == 2, "\(run.stderrText)")
            #expect(elapsed < .seconds(5), "failed fast: \(elapsed)")
            #expect(run.stderrText.contains("plugin S3Archive"), "\(run.stderrText)")
            #expect(run.stderrText.contains("create failed"), "\(run.stderrText)")
            #expect(!run.stdoutText.contains("listening"), "the status server never started")
            // No stream was read: the lease table was never even created.
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("leases.sqlite").path))
        }
    }

    @Test(.enabled(if: ready), .timeLimit(.minutes(2)))
    func aMisspelledPluginNameStopsTheStartWithASuggestion() async throws {
        try await withTemporaryDirectory("kit-plugin-start") { dir in
            let config = try Self.configure(dir, plugins: ["S3Archiv": ["destination": "file:///tmp/x/"]])
            let run = try await Subprocess.run(
                TestPaths.kithost, ["run", "--config", config.path], environment: Self.environment,
                timeout: .seconds(60))
            #expect(run.status == 2, "\(run.stderrText)")
            #expect(run.stderrText.contains("no plugin named S3Archiv"), "\(run.stderrText)")
            #expect(run.stderrText.contains("did you mean S3Archive?"), "\(run.stderrText)")
        }
    }

    @Test(.enabled(if: ready), .timeLimit(.minutes(2)))
    func anOptionalPluginThatFailsLetsTheHostRunAndSaysSo() async throws {
        try await withTemporaryDirectory("kit-plugin-start") { dir in
            let config = try Self.configure(dir, plugins: ["S3Archive": ["bucket": "b", "optional": true]])
            let child = try ChildProcess(
                TestPaths.kithost, ["run", "--config", config.path], environment: Self.environment,
                label: "kithost-optional")
            defer { child.kill() }
            let line = try await child.firstLine(timeout: .seconds(120))
            let url = try #require(line.split(separator: " ").last.map(String.init), "\(line)")
            let health = try await Self.get(url + "/healthz")
            #expect(health.status == 200)
            #expect(health.body.hasPrefix("degraded: plugin S3Archive down"), "\(health.body)")
            let status = try await Self.get(url + "/status")
            let object = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
            let plugins = object?["plugins"] as? [[String: Any]] ?? []
            #expect(plugins.count == 1)
            #expect(plugins.first?["name"] as? String == "S3Archive")
            #expect(plugins.first?["state"] as? String == "down")
            #expect(plugins.first?["optional"] as? Bool == true)
            let metrics = try await Self.get(url + "/metrics")
            #expect(metrics.body.contains(#"kit_plugin_down{plugin="S3Archive"} 1"#), "\(metrics.body.prefix(3000))")
            #expect(child.stderrText.contains("optional plugin is down"), "\(child.stderrText.suffix(3000))")
            let stopped = await child.signal(SIGTERM, grace: .seconds(30))
            #expect(stopped.exitedByItself && stopped.status == 0)
        }
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let curl = try #require(TestPaths.tool("curl"), "curl is not installed")
        let result = try await Subprocess.run(
            curl, ["-s", "-o", "-", "-w", "\n%{http_code}", url], timeout: .seconds(30))
        let text = result.stdoutText
        let split = text.lastIndex(of: "\n") ?? text.endIndex
        return (
            Int(text[text.index(after: split)...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0,
            String(text[..<split])
        )
    }
}
