import Foundation
import KITTestSupport

extension TestPaths {
    /// The AWS SigV4 test suite, read in place from the shared checkout next to the package (never copied in).
    static let sigV4Suite: URL = shared.appendingPathComponent("testdata/sigv4", isDirectory: true)
}
