import Foundation

/// Where the package, the shared test data and the Python venv live, found from this file's path so the tests run
/// the same from `swift test`, Xcode or CI.
enum TestPaths {
    /// `<root>/Tests/AWSSigV4Tests/Support/TestPaths.swift` → `<root>`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The AWS SigV4 test suite, read in place from the shared checkout next to the package (never copied in).
    static let sigV4Suite: URL = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/testdata/sigv4", isDirectory: true)

    /// The venv with the pinned botocore: `$KIT_VENV`, else `<root>/.venv`.
    static var venvPython: URL {
        let venv =
            ProcessInfo.processInfo.environment["KIT_VENV"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".venv", isDirectory: true)
        return venv.appendingPathComponent("bin/python")
    }

    /// A helper script kept next to the tests.
    static func script(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/AWSSigV4Tests/Scripts/\(name)")
    }
}
