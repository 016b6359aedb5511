import CKITPlugin
import KITPluginPairs

#if canImport(Glibc)
    import Glibc
#endif

/// Copies a borrowed byte buffer (rule 4: NULL with length 0 is empty).
func copyBytes(_ bytes: UnsafePointer<UInt8>?, count: Int) -> [UInt8] {
    guard let bytes, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: bytes, count: count))
}

/// A C pointer the host hands across a suspension point untouched. The pointee's lifetime is governed by the
/// ABI's ownership rules, not by Swift, which is what `@unchecked` asserts.
struct UncheckedPointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer?
}
