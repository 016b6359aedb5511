import Foundation

/// Reading the Java KVS parser library's `toString()` forms back into typed fields: what a record with only KIT's
/// four keys has to offer. The one copy of this parsing; the host writes these strings in `KVSMatroska`.
extension KITRecord.Fragment {
    /// From `FragmentMetadata(fragmentNumberString=…, serverSideTimestampMillis=…, producerSideTimestampMillis=…,
    /// fragmentNumber=…, success=…, errorId=…, errorCode=…, millisBehindNow=OptionalLong[…] | OptionalLong.empty,
    /// continuationToken=Optional[…] | Optional.empty)`.
    public init(javaString: String) throws(KITRecordError) {
        let key = "fragmentMetaData"
        let fields = try JavaToString.fields(javaString, type: "FragmentMetadata", key: key)
        func value(_ name: String) throws(KITRecordError) -> String {
            guard let value = fields[name] else {
                throw KITRecordError(.invalidField, "FragmentMetadata has no \(name): \(javaString)", key: key)
            }
            return value
        }
        func integer(_ name: String) throws(KITRecordError) -> Int64 {
            let text = try value(name)
            guard let number = Int64(text) else {
                throw KITRecordError(.invalidField, "FragmentMetadata \(name)=\(text) is not an integer", key: key)
            }
            return number
        }
        self.init(
            fragmentNumber: try value("fragmentNumberString"),
            serverTimestampMillis: try integer("serverSideTimestampMillis"),
            producerTimestampMillis: try integer("producerSideTimestampMillis"),
            success: try value("success") == "true",
            errorId: fields["errorId"].flatMap { Int64($0) } ?? 0,
            errorCode: fields["errorCode"].flatMap { $0 == "null" ? nil : $0 },
            millisBehindNow: fields["millisBehindNow"].flatMap { JavaToString.optional($0).flatMap { Int64($0) } },
            continuationToken: fields["continuationToken"].flatMap { JavaToString.optional($0) })
    }
}

extension KITRecord.Frame {
    /// From `Frame(trackNumber=…, timeCode=…, keyFrame=…, invisible=…, discardable=…, lacing=…)`. The string has no
    /// absolute time: ``timestampMillis`` is derived as `producerTimestampMillis + timeCode` (see there).
    public init(javaString: String, producerTimestampMillis: Int64) throws(KITRecordError) {
        let key = "frameMetaData"
        let fields = try JavaToString.fields(javaString, type: "Frame", key: key)
        // Track numbers are unsigned 64-bit in Matroska; the typed record clamps them to `Int`, as the host does.
        guard let track = fields["trackNumber"].flatMap({ Int($0) ?? UInt64($0).map { Int(clamping: $0) } }),
            let timeCode = fields["timeCode"].flatMap({ Int($0) })
        else {
            throw KITRecordError(
                .invalidField, "Frame has no numeric trackNumber / timeCode: \(javaString)", key: key)
        }
        self.init(
            trackNumber: track, timeCode: timeCode, keyFrame: fields["keyFrame"] == "true",
            invisible: fields["invisible"] == "true", discardable: fields["discardable"] == "true",
            lacing: fields["lacing"] ?? "NO",
            timestampMillis: producerTimestampMillis &+ Int64(timeCode))
    }
}

/// Lombok-style `Type(key=value, key=value)` strings.
enum JavaToString {
    static func fields(_ text: String, type: String, key: String) throws(KITRecordError) -> [String: String] {
        let prefix = type + "("
        guard text.hasPrefix(prefix), text.hasSuffix(")") else {
            throw KITRecordError(.invalidField, "\(key) is not a \(type)(…) string: \(text.prefix(120))", key: key)
        }
        let body = text.dropFirst(prefix.count).dropLast()
        var fields: [String: String] = [:]
        for part in body.components(separatedBy: ", ") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = String(part[..<equals])
            // The first occurrence wins: a later "key=" can only come from inside a value (a continuation token
            // with ", x=" in it).
            if fields[name] == nil { fields[name] = String(part[part.index(after: equals)...]) }
        }
        return fields
    }

    /// `OptionalLong[5]` / `Optional[x]` → the value; `OptionalLong.empty` / `Optional.empty` → nil.
    static func optional(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "["), text.hasSuffix("]") else { return nil }
        return String(text[text.index(after: open)..<text.index(before: text.endIndex)])
    }
}
