import Foundation
import KITTestSupport
import KVSLocal

#if canImport(Glibc)
    import Glibc
#endif

extension TestPaths {
    static let captures = shared.appendingPathComponent("testdata/kvs-getmedia")

    static var haveMediaTools: Bool { tool("ffmpeg") != nil && tool("mkvinfo") != nil }
    static var havePython: Bool { FileManager.default.isExecutableFile(atPath: python.path) }
}

/// The Python tool (boto3 and the raw PutMedia producer).
enum KVSTool {
    static func run(_ command: String, spec: [String: Any], directory: URL, timeout: Duration = .seconds(120))
        async throws -> Any
    {
        let script = directory.appendingPathComponent("kvs_tool.py")
        if !FileManager.default.fileExists(atPath: script.path) {
            try Data(KVSToolScript.source.utf8).write(to: script)
        }
        let specURL = directory.appendingPathComponent("spec-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specURL)
        let output = try await Subprocess.run(
            TestPaths.python, [script.path, command, specURL.path],
            environment: Subprocess.environment(adding: [
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            ]),
            timeout: timeout)
        guard output.status == 0 else {
            throw TestFailure("kvs_tool.py \(command) exited \(output.status): \(output.stderrText.suffix(3000))")
        }
        guard let lastLine = output.stdoutText.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8))
        else {
            throw TestFailure("kvs_tool.py \(command) printed no JSON: \(output.stdoutText.suffix(2000))")
        }
        return json
    }

    /// Runs boto3 steps; each result is `["ok": true, "result": ...]` or `["ok": false, "code": ..., ...]`.
    static func steps(endpoint: String, _ steps: [[String: Any]], directory: URL, region: String = "us-east-1")
        async throws -> [[String: Any]]
    {
        let json = try await run(
            "steps", spec: ["endpoint": endpoint, "region": region, "steps": steps], directory: directory)
        guard let results = json as? [[String: Any]], results.count == steps.count else {
            throw TestFailure("unexpected steps output: \(json)")
        }
        return results
    }

    /// Sends a Matroska file through PutMedia; returns the acks (each with `_sent`: body bytes sent when it
    /// arrived).
    static func put(
        endpoint: String, stream: String, file: URL, directory: URL, start: Double = 1_700_000_000.0,
        chunk: Int = 65_536, pace: Double = 0, extra: [String: Any] = [:]
    ) async throws -> [String: Any] {
        var spec: [String: Any] = [
            "endpoint": endpoint, "stream": stream, "file": file.path, "start": start, "chunk": chunk, "pace": pace,
        ]
        spec.merge(extra) { _, new in new }
        guard let result = try await run("put", spec: spec, directory: directory) as? [String: Any] else {
            throw TestFailure("put printed no object")
        }
        return result
    }
}

extension [String: Any] {
    func result(_ key: String) -> Any? { (self["result"] as? [String: Any])?[key] }
    var ok: Bool { self["ok"] as? Bool ?? false }
    var code: String? { self["code"] as? String }
}

/// Test media made by ffmpeg, and the independent tools that check what the server returns.
enum MediaTools {
    /// H.264 320x240 at 25 fps, one GOP (and one Cluster) per second.
    static func makeTestVideo(at url: URL, seconds: Int = 6, size: String = "320x240") async throws {
        guard let ffmpeg = TestPaths.tool("ffmpeg") else { throw TestFailure("ffmpeg is not installed") }
        let output = try await Subprocess.run(
            ffmpeg,
            [
                "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25", "-t",
                "\(seconds)", "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-f",
                "matroska",
                "-cluster_time_limit", "100000", "-cluster_size_limit", "10000000", url.path,
            ], timeout: .seconds(120))
        guard output.status == 0 else { throw TestFailure("ffmpeg failed: \(output.stderrText)") }
    }

    /// `ffmpeg -i X -map 0:v -c copy -f framemd5 -`, frame lines only (the header lines name the input).
    static func frameMD5(_ url: URL) async throws -> [String] {
        guard let ffmpeg = TestPaths.tool("ffmpeg") else { throw TestFailure("ffmpeg is not installed") }
        let output = try await Subprocess.run(
            ffmpeg,
            ["-nostdin", "-loglevel", "error", "-i", url.path, "-map", "0:v", "-c", "copy", "-f", "framemd5", "-"],
            timeout: .seconds(120))
        guard output.status == 0 else { throw TestFailure("ffmpeg framemd5 failed: \(output.stderrText)") }
        return output.stdoutText.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    /// What mkvinfo sees: the level-1 elements in order (`Tags`, `Cluster`, `Segment information`, …), each with the
    /// SimpleTags inside it as `(name, value)`.
    struct MkvinfoView {
        struct Element {
            var name: String
            var tags: [(name: String, value: String)] = []
            var tagNames: [String] { tags.map(\.name) }
        }
        var elements: [Element] = []
        var tags: [(name: String, value: String)] { elements.flatMap(\.tags) }
        var clusters: Int { elements.filter { $0.name == "Cluster" }.count }
        func values(_ name: String) -> [String] { tags.filter { $0.name == name }.map(\.value) }

        /// For every Cluster: the tag names of the Tags element right before it and right after it.
        var aroundClusters: [(before: [String], after: [String])] {
            elements.indices.filter { elements[$0].name == "Cluster" }.map { i in
                (i > 0 ? elements[i - 1].tagNames : [], i + 1 < elements.count ? elements[i + 1].tagNames : [])
            }
        }
    }

    static func mkvinfo(_ url: URL) async throws -> MkvinfoView {
        guard let mkvinfo = TestPaths.tool("mkvinfo") else { throw TestFailure("mkvinfo is not installed") }
        let output = try await Subprocess.run(mkvinfo, ["-v", "-v", url.path], timeout: .seconds(60))
        var view = MkvinfoView()
        var pendingName: String?
        for line in output.stdoutText.split(separator: "\n") {
            if line.hasPrefix("|+ ") {
                let name = stripPosition(String(line.dropFirst(3))).prefix { $0 != ":" }
                view.elements.append(.init(name: String(name)))
            }
            if let range = line.range(of: "+ Name: ") {
                pendingName = stripPosition(String(line[range.upperBound...]))
            } else if let range = line.range(of: "+ String: "), let name = pendingName, !view.elements.isEmpty {
                view.elements[view.elements.count - 1].tags.append(
                    (name, stripPosition(String(line[range.upperBound...]))))
                pendingName = nil
            }
        }
        return view
    }

    /// `-v -v` appends ` at <offset>` to every line.
    private static func stripPosition(_ text: String) -> String {
        guard let range = text.range(of: " at ", options: .backwards),
            text[range.upperBound...].allSatisfy(\.isNumber), range.upperBound < text.endIndex
        else { return text }
        return String(text[..<range.lowerBound])
    }
}
