import AWSCore

/// Printable forms that can go to logs: the session token (header or query parameter) is redacted, and so is it
/// inside a canonical request. The signature and the access key id are not secrets and stay visible.
extension SigV4Request: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    static let redacted = "<redacted>"

    public var description: String {
        var lines = ["\(method) \(host)\(redactedPathAndQuery)"]
        for header in headers {
            let value =
                header.name.asciiCaseInsensitiveEquals("X-Amz-Security-Token") ? Self.redacted : header.value
            lines.append("\(header.name): \(value)")
        }
        lines.append("payload: \(payload.value)")
        return lines.joined(separator: "\n")
    }

    public var debugDescription: String { description }

    /// `dump()` shows the redacted description, not the raw fields.
    public var customMirror: Mirror { Mirror(self, children: ["request": description]) }

    private var redactedPathAndQuery: String {
        var copy = self
        for index in copy.queryItems.indices where copy.queryItems[index].name == "X-Amz-Security-Token" {
            copy.queryItems[index].value = Self.redacted
        }
        return copy.pathAndQuery
    }
}

extension SigV4SignedRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var canonical = canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("x-amz-security-token:") ? "x-amz-security-token:\(SigV4Request.redacted)" : String(line)
        }
        if canonical.count > 2 {  // the query line of a presigned request carries the token too
            canonical[2] = canonical[2].split(separator: "&", omittingEmptySubsequences: false).map { item in
                item.hasPrefix("X-Amz-Security-Token=") ? "X-Amz-Security-Token=\(SigV4Request.redacted)" : String(item)
            }.joined(separator: "&")
        }
        return """
            \(request)
            --- canonical request
            \(canonical.joined(separator: "\n"))
            --- string to sign
            \(stringToSign)
            """
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["signed": description]) }
}
