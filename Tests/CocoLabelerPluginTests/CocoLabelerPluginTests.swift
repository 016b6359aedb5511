import CocoLabeler
import Foundation
import KITTestSupport
import PluginTesting
import Testing

/// CocoLabeler's own tests, in process through `PluginHarness`: the blog's log lines, its metrics through
/// swift-metrics, failed inferences named as such, and the labelled live-view frame.
@Suite struct CocoLabelerPluginTests {
    @Test func logsTheTopDetectionsInTheBlogsWordsAndCountsThem() async throws {
        let plugin = try await PluginHarness(CocoLabelerHandler.export, configuration: #"{"threshold":0.5}"#)
        let record = KITRecord.test(
            output: #"{"prediction":[[0,0.97,0.1,0.1,0.5,0.9],[16,0.61,0,0,1,1],[2,0.3,0,0,1,1]]}"#)
        #expect(try await plugin.invoke([record]).isSuccess)
        let lines = plugin.logs.messages(containing: "detected object:").map(\.message)
        #expect(
            lines == [
                "detected object: person, with probability: 0.97", "detected object: dog, with probability: 0.61",
            ])
        #expect(plugin.metrics.total("CocoLabelerDetections", dimensions: [("label", "person")]) == 1)
        #expect(plugin.metrics.total("CocoLabelerDetections") == 2, "0.3 is below the threshold")
    }

    @Test func aFailedInferenceIsNamedAndCountedNotTakenForNoDetections() async throws {
        let plugin = try await PluginHarness(CocoLabelerHandler.export)
        let failed = KITRecord.test(inferenceError: "endpoint timed out", errorStatus: nil, attempts: 8)
        #expect(try await plugin.invoke([failed]).isSuccess, "logged and skipped, never retried for ever")
        let skipped = plugin.logs.messages(containing: "the inference failed")
        #expect(skipped.count == 1 && skipped.first?.metadata["attempts"] == "8")
        #expect(plugin.metrics.total("CocoLabelerFailedInferences") == 1)
        #expect(plugin.logs.messages(containing: "detected object:").isEmpty)
    }

    @Test(.enabled(if: TestPaths.tool("ffmpeg") != nil))
    func drawsTheLabelledFrameForTheLiveView() async throws {
        try await withTemporaryDirectory("kit-coco") { directory in
            let jpegURL = directory.appendingPathComponent("frame.jpg")
            let made = try await Subprocess.run(
                try #require(TestPaths.tool("ffmpeg")),
                [
                    "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1",
                    jpegURL.path,
                ])
            try #require(made.status == 0, "\(made.stderrText)")
            let jpeg = [UInt8](try Data(contentsOf: jpegURL))
            let live = directory.appendingPathComponent("live")
            let plugin = try await PluginHarness(
                CocoLabelerHandler.export, configuration: #"{"liveViewDirectory":"\#(live.path)"}"#,
                services: TestServices(images: ["cam-1:1": FrameImage(bytes: jpeg, contentType: "image/jpeg")]))
            #expect(try await plugin.invoke([KITRecord.test()]).isSuccess)
            let drawn = [UInt8](try Data(contentsOf: live.appendingPathComponent("cam-1/latest.jpg")))
            #expect(drawn.starts(with: [0xFF, 0xD8]) && drawn != jpeg, "a JPEG with the boxes drawn on it")
        }
    }
}
