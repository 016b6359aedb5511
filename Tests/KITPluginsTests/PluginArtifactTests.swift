import Foundation
import KITTestSupport
import Testing

/// The bundled plugins link only what they use: no libcurl (the host's transport is reached through the services
/// table) and no TLS or crypto library (the host signs their AWS requests); and as they ship — release, stripped
/// by `scripts/build-plugins.sh` — each is at most 5 MB.
@Suite(.timeLimit(.minutes(12))) struct PluginArtifactTests {
    static let plugins = ["S3Archive", "CocoLabeler"]

    static func linked(_ library: URL) async throws -> String {
        let ldd = try #require(TestPaths.tool("ldd"), "ldd is not installed")
        let result = try await Subprocess.run(ldd, [library.path])
        try #require(result.status == 0, "\(result.stderrText)")
        return result.stdoutText
    }

    @Test func theTestBuildsPluginsLinkNoCurlTLSOrCrypto() async throws {
        for plugin in Self.plugins {
            let libraries = try await Self.linked(try TestPaths.builtPlugin(plugin))
            for forbidden in ["libcurl", "libssl", "libcrypto", "libnghttp2"] {
                #expect(!libraries.contains(forbidden), "\(plugin) links \(forbidden):\n\(libraries)")
            }
        }
    }

    @Test func theShippedPluginsAreAtMostFiveMegabytes() async throws {
        try await withTemporaryDirectory("kit-plugin-artifacts") { directory in
            let script = TestPaths.packageRoot.appendingPathComponent("scripts/build-plugins.sh")
            let build = try await Subprocess.run(
                script, [directory.path, TestPaths.packageRoot.appendingPathComponent(".build-plugins").path],
                timeout: .seconds(11 * 60))
            try #require(build.status == 0, "\(build.stderrText.suffix(3000))")
            for plugin in Self.plugins {
                let library = directory.appendingPathComponent("lib\(plugin).so")
                let size = try FileManager.default.attributesOfItem(atPath: library.path)[.size] as? Int ?? .max
                #expect(size <= 5_000_000, "lib\(plugin).so is \(size) bytes")
                let libraries = try await Self.linked(library)
                #expect(!libraries.contains("libcurl") && !libraries.contains("libcrypto"), "\(libraries)")
            }
        }
    }
}
