import Foundation
import KITTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `make demo` end to end: scripts/demo.sh runs for a short while with the products this test suite built (no setup,
/// no build), its status page is screenshotted with headless Chromium while it runs, and its outputs are checked
/// after it has stopped by itself.
@Suite("make demo")
struct DemoTests {
    static let modelVenv = TestPaths.packageRoot.appendingPathComponent(".venv-model")
    static let modelPython = modelVenv.appendingPathComponent("bin/python")
    static let chromium = TestPaths.tool("chromium") ?? TestPaths.tool("chromium-browser")
    static var prerequisitesPresent: Bool {
        FileManager.default.isExecutableFile(atPath: modelPython.path) && chromium != nil
            && FileManager.default.isExecutableFile(atPath: TestPaths.kithost.path)
    }

    @Test(
        .enabled(
            if: prerequisitesPresent,
            "needs .venv-model (make setup-model), chromium (scripts/setup.sh) and the built kithost"),
        .timeLimit(.minutes(5)))
    func demoRunsShowsDetectionsOnItsStatusPageAndLeavesNothingRunning() async throws {
        try await withTemporaryDirectory("kit-demo") { directory in
            let out = directory.appendingPathComponent("out")
            var environment = ProcessInfo.processInfo.environment
            for key in environment.keys where key.hasPrefix("AWS_") || key.hasPrefix("KIT_") || key.hasPrefix("DEMO_") {
                environment[key] = nil
            }
            environment["DEMO_KITHOST"] = TestPaths.kithost.path
            environment["DEMO_PLUGINS"] = TestPaths.productsDirectory.path
            environment["DEMO_SECONDS"] = "30"
            environment["DEMO_PORT"] = "0"
            environment["DEMO_OUT"] = out.path
            environment["DEMO_MODEL_VENV"] = Self.modelVenv.path
            // Children of the test process start with SIGTERM blocked: unblock it before exec'ing the script, so the
            // demo stops its processes as it would from a terminal.
            let launcher = """
                import os, signal, sys
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
                os.execv("/bin/bash", ["bash", sys.argv[1]])
                """
            let demo = try ChildProcess(
                Self.modelPython,
                ["-c", launcher, TestPaths.packageRoot.appendingPathComponent("scripts/demo.sh").path],
                environment: environment, label: "demo")
            defer {
                // A demo cut short by a failed expectation: nothing it started may outlive the test.
                if demo.isRunning {
                    demo.kill()
                    for (_, pid) in Self.startedProcesses(out) where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
                }
            }

            // The status page, once the astronaut stream has a person in its last result.
            var statusURL = ""
            try await waitUntil(timeout: .seconds(240), interval: .milliseconds(500), "the demo's status page") {
                if let range = demo.stdoutText.range(of: "status page: ") {
                    statusURL = String(demo.stdoutText[range.upperBound...].prefix { !$0.isWhitespace })
                    return true
                }
                guard demo.isRunning else { throw TestFailure("demo exited early:\n\(demo.stderrText.suffix(3000))") }
                return false
            }
            #expect(statusURL.hasPrefix("http://127.0.0.1:"))
            try await waitUntil(timeout: .seconds(90), interval: .milliseconds(500), "a person on the astronaut stream")
            {
                guard demo.isRunning else { throw TestFailure("demo exited early:\n\(demo.stderrText.suffix(3000))") }
                return try await Self.astronautHasPerson(statusURL: statusURL)
            }

            // Headless Chromium renders the page (its script polls /status and draws the frame with its boxes).
            let screenshot = directory.appendingPathComponent("status.png")
            let chromium = try #require(Self.chromium)
            let shot = try await Subprocess.run(
                chromium,
                [
                    "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                    "--user-data-dir=\(directory.appendingPathComponent("chromium").path)",
                    "--screenshot=\(screenshot.path)", "--window-size=1280,900", "--virtual-time-budget=5000",
                    statusURL,
                ],
                environment: environment, timeout: .seconds(120))
            #expect(shot.status == 0, "chromium: \(shot.stderrText.suffix(2000))")
            #expect(FileManager.default.fileExists(atPath: screenshot.path))
            let picture = try await Self.analyse(screenshot)
            #expect(picture.width == 1280 && picture.height == 900)
            #expect(picture.standardDeviation > 10, "a blank page: \(picture)")
            // The page draws detection boxes and labels in #00ff00 over the frame.
            #expect(picture.greenPixels >= 100, "no detection box on the page: \(picture)")
            if let keep = ProcessInfo.processInfo.environment["DEMO_TEST_SCREENSHOT"] {
                try? FileManager.default.removeItem(atPath: keep)
                try? FileManager.default.copyItem(atPath: screenshot.path, toPath: keep)
            }

            // The demo ends by itself (DEMO_SECONDS), drains and stops everything it started.
            try await waitUntil(timeout: .seconds(150), interval: .milliseconds(500), "the demo to end") {
                !demo.isRunning
            }
            #expect(demo.process.terminationStatus == 0, "demo: \(demo.stderrText.suffix(3000))")
            let started = Self.startedProcesses(out)
            #expect(Set(started.map(\.name)).isSuperset(of: ["kvs", "model", "kithost", "put-media-astronaut"]))
            for (name, pid) in started {
                #expect(kill(pid, 0) == -1 && errno == ESRCH, "\(name) (pid \(pid)) still running")
            }
            let summary = demo.stdoutText
            #expect(summary.contains("records published:"), "no summary: \(summary.suffix(2000))")
            #expect(summary.contains("\(out.path)/results.jsonl"))

            // Results: the astronaut stream's records carry a person with score >= 0.5.
            let results = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8)
            var astronaut = 0
            var withPerson = 0
            for line in results.split(separator: "\n") {
                let record = try #require(
                    try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard record["streamName"] as? String == "astronaut" else { continue }
                astronaut += 1
                let output = try #require((record["sageMakerOutput"] as? String).flatMap { Data(base64Encoded: $0) })
                let decoded = try JSONSerialization.jsonObject(with: output) as? [String: Any]
                let predictions = decoded?["prediction"] as? [[Double]] ?? []
                if predictions.contains(where: { $0.count == 6 && $0[0] == 0 && $0[1] >= 0.5 }) { withPerson += 1 }
            }
            #expect(astronaut >= 5, "astronaut records: \(astronaut)")
            #expect(withPerson >= 1 && withPerson * 2 >= astronaut, "\(withPerson) of \(astronaut) found a person")

            // S3Archive: fragments (.webm) and detection details (.txt) in the local archive.
            let archived = Self.files(under: out.appendingPathComponent("archive"))
            let webm = archived.filter { $0.hasSuffix(".webm") }
            let txt = archived.filter { $0.hasSuffix(".txt") }
            #expect(!webm.isEmpty && !txt.isEmpty, "archive: \(archived.prefix(10))")
            #expect(webm.contains { $0.contains("/astronaut/") })
            // CocoLabeler: annotated frames.
            let frames = Self.files(under: out.appendingPathComponent("frames/astronaut"))
            #expect(frames.contains { $0.hasSuffix("latest.jpg") })
        }
    }

    /// `name pid` lines scripts/demo.sh writes for every process it starts.
    static func startedProcesses(_ out: URL) -> [(name: String, pid: Int32)] {
        let text = (try? String(contentsOf: out.appendingPathComponent("pids"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let pid = Int32(parts[1]), pid > 1 else { return nil }
            return (String(parts[0]), pid)
        }
    }

    static func files(under directory: URL) -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        return walk.compactMap { $0 as? String }.map { "/" + $0 }
    }

    /// Whether `/status` shows a result with a person (class 0, score >= 0.5) for the astronaut stream.
    static func astronautHasPerson(statusURL: String) async throws -> Bool {
        guard let url = URL(string: statusURL + "status") else { throw TestFailure("bad status URL \(statusURL)") }
        guard let (data, _) = try? await URLSession.shared.data(from: url),
            let status = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let streams = status["streams"] as? [[String: Any]],
            let astronaut = streams.first(where: { $0["stream"] as? String == "astronaut" }),
            let output = (astronaut["lastOutputBase64"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let decoded = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let predictions = decoded["prediction"] as? [[Double]]
        else { return false }
        return predictions.contains { $0.count == 6 && $0[0] == 0 && $0[1] >= 0.5 }
    }

    struct Picture: Decodable, CustomStringConvertible {
        var width: Int
        var height: Int
        var standardDeviation: Double
        var greenPixels: Int
        var description: String {
            "\(width)x\(height), deviation \(standardDeviation), \(greenPixels) green pixels"
        }
    }

    /// Decodes the PNG with OpenCV (in .venv-model): size, colour spread, and pixels of the boxes' pure green.
    static func analyse(_ png: URL) async throws -> Picture {
        let script = """
            import json, sys, cv2
            image = cv2.imread(sys.argv[1], cv2.IMREAD_COLOR)
            if image is None:
                sys.exit("not a picture")
            b, g, r = (image[..., i].astype(int) for i in range(3))
            green = int(((g >= 200) & (r <= 90) & (b <= 90)).sum())
            print(json.dumps({"width": image.shape[1], "height": image.shape[0],
                              "standardDeviation": float(image.std()), "greenPixels": green}))
            """
        let run = try await Subprocess.run(modelPython, ["-c", script, png.path], timeout: .seconds(60))
        guard run.status == 0 else { throw TestFailure("analysing \(png.path): \(run.stderrText)") }
        return try JSONDecoder().decode(Picture.self, from: run.stdout)
    }
}
