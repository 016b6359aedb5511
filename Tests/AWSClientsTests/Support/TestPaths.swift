import AWSSigV4
import Foundation
import HTTPTransport

/// Where the package and the Python venv live, found from this file's path so tests run the same from any
/// working directory.
enum TestPaths {
    /// `<root>/Tests/AWSClientsTests/Support/TestPaths.swift` → `<root>`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `$KIT_VENV`, else `<root>/.venv` (made by scripts/setup.sh with the pinned botocore and moto).
    static var venv: URL {
        ProcessInfo.processInfo.environment["KIT_VENV"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".venv", isDirectory: true)
    }

    static var python: URL { venv.appendingPathComponent("bin/python") }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
