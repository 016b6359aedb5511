import Foundation
import KITTestSupport
import KVSLocal
import Testing

/// Plain curl as a producer: it asks for `100 Continue` before sending a chunked body, which the server sends only
/// once it has accepted the PutMedia (a refused one gets its error instead, and curl sends nothing).
@Suite(.enabled(if: TestPaths.tool("curl") != nil && TestPaths.haveMediaTools), .timeLimit(.minutes(2)))
struct CurlTests {
    @Test func curlPutMediaWithExpectContinue() async throws {
        let curl = try #require(TestPaths.tool("curl"))
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in.mkv")
            try await MediaTools.makeTestVideo(at: input, seconds: 2)
            try await withKVSServer(dataDirectory: directory, configure: { $0.authorization = .allowUnsigned }) {
                _, url in
                _ = try await KVSTool.steps(
                    endpoint: url, [["op": "create_stream", "args": ["StreamName": "c"]]], directory: directory)
                func put(_ stream: String) async throws -> Subprocess.Output {
                    try await Subprocess.run(
                        curl,
                        [
                            "-sS", "-v", "-X", "POST", "-T", input.path, "-H", "Transfer-Encoding: chunked",
                            "-H", "x-amzn-stream-name: \(stream)", "-H", "x-amzn-fragment-timecode-type: RELATIVE",
                            "-H", "x-amzn-producer-start-timestamp: 1700000000.000", url + "/putMedia",
                        ], timeout: .seconds(60))
                }
                let accepted = try await put("c")
                #expect(accepted.stderrText.contains("HTTP/1.1 100 Continue"), "\(accepted.stderrText)")
                #expect(accepted.stdoutText.components(separatedBy: #""EventType":"PERSISTED""#).count == 3)
                let refused = try await put("missing")
                #expect(!refused.stderrText.contains("100 Continue"))
                #expect(refused.stderrText.contains("HTTP/1.1 404"))
                #expect(refused.stdoutText.contains("message"))
            }
        }
    }
}
