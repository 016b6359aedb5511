import Foundation
import KITTestSupport

extension TestPaths {
    /// A plugin library built by `swift build` (the package's `.dynamic` products), beside the test bundle.
    static func builtPlugin(_ name: String) throws -> URL {
        let url = productsDirectory.appendingPathComponent("lib\(name).so")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestFailure("\(url.path) not built: run `swift build --build-tests` (it builds the plugin products)")
        }
        return url
    }

    static var havePython: Bool { FileManager.default.isExecutableFile(atPath: python.path) }
    static var haveFFmpeg: Bool { tool("ffmpeg") != nil }
}

/// Runs a program to completion (KITTestSupport's `Subprocess`), its stdout and stderr together.
func runProgram(_ executable: URL, _ arguments: [String], timeout: Duration = .seconds(120)) async throws
    -> (status: Int32, output: String)
{
    let output = try await Subprocess.run(executable, arguments, timeout: timeout)
    return (output.status, output.stdoutText + output.stderrText)
}
