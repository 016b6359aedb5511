import CKITPlugin

#if canImport(Glibc)
    import Glibc
#endif

// The `kit_pair` conversions both sides of the plugin boundary need. The host (KITPlugins) and every plugin
// (PluginAPI) are separate images, so each links its own copy of this target; the source is one.

/// Lends `pairs` to C as a `kit_pair` array for the duration of `body` (ownership rule 1 of `kit_plugin.h`): the
/// strings are copied into C memory that is freed when `body` returns.
package func withCPairs<Result>(
    _ pairs: [(String, String)], _ body: (UnsafePointer<kit_pair>?, Int) throws -> Result
) rethrows -> Result {
    if pairs.isEmpty { return try body(nil, 0) }
    let buffer = UnsafeMutablePointer<kit_pair>.allocate(capacity: pairs.count)
    var strings: [UnsafeMutablePointer<CChar>?] = []
    strings.reserveCapacity(pairs.count * 2)
    for (index, pair) in pairs.enumerated() {
        let name = strdup(pair.0)
        let value = strdup(pair.1)
        strings.append(name)
        strings.append(value)
        buffer[index] = kit_pair(name: name, value: value)
    }
    defer {
        for string in strings { free(string) }
        buffer.deallocate()
    }
    return try body(UnsafePointer(buffer), pairs.count)
}

/// Copies a borrowed `kit_pair` array into Swift strings; entries with a NULL name or value are skipped.
package func copyPairs(_ pairs: UnsafePointer<kit_pair>?, count: Int) -> [(String, String)] {
    guard let pairs, count > 0 else { return [] }
    var result: [(String, String)] = []
    result.reserveCapacity(count)
    for index in 0..<count {
        guard let name = pairs[index].name, let value = pairs[index].value else { continue }
        result.append((String(cString: name), String(cString: value)))
    }
    return result
}
