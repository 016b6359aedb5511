import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

/// Compares what our client sent (captured by the loopback server) with what botocore would send for the same
/// call: method, path, query items, the protocol's headers (botocore's, minus per-SDK and per-signature ones),
/// and the body (JSON and form bodies compared as documents, anything else byte for byte).
enum RequestComparison {
    /// Headers every SDK fills in its own way, or that depend on the signature, time or checksum choice.
    static let ignoredHeaders: Set<String> = [
        "user-agent", "authorization", "x-amz-date", "amz-sdk-invocation-id", "amz-sdk-request", "content-length",
        "expect", "content-md5", "x-amz-sdk-checksum-algorithm", "x-amz-security-token",
    ]

    static func expectSame(
        _ ours: CaptureServer.Captured, _ theirs: BotocoreOracle.Serialized, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(ours.method == theirs.method, "\(label): method", sourceLocation: sourceLocation)
        let theirsPathAndQuery = theirs.url.hasPrefix("http") ? stripOrigin(theirs.url) : theirs.url
        let (ourPath, ourQuery) = split(ours.path)
        let (theirPath, theirQuery) = split(theirsPathAndQuery)
        #expect(ourPath == theirPath, "\(label): path", sourceLocation: sourceLocation)
        #expect(ourQuery == theirQuery, "\(label): query", sourceLocation: sourceLocation)

        for (name, value) in theirs.headers {
            let lower = name.lowercased()
            if ignoredHeaders.contains(lower) || lower.hasPrefix("x-amz-checksum-") { continue }
            #expect(ours.header(name) == value, "\(label): header \(name)", sourceLocation: sourceLocation)
        }
        if !theirs.headers.keys.contains(where: { $0.lowercased() == "content-type" }), theirs.queryParams == nil {
            #expect(
                ours.header("Content-Type") == nil, "\(label): unexpected Content-Type", sourceLocation: sourceLocation)
        }

        if let params = theirs.queryParams {
            let form = formPairs(ours.bodyBytes)
            #expect(form == params, "\(label): form body", sourceLocation: sourceLocation)
            #expect(
                ours.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true,
                "\(label): form content type", sourceLocation: sourceLocation)
        } else if (theirs.headers["Content-Type"] ?? "").contains("json"), !theirs.bodyBytes.isEmpty {
            let ourJSON = try? JSONDecoder().decode(JSONValue.self, from: Data(ours.bodyBytes))
            let theirJSON = try? JSONDecoder().decode(JSONValue.self, from: Data(theirs.bodyBytes))
            #expect(theirJSON != nil, "\(label): botocore JSON", sourceLocation: sourceLocation)
            #expect(
                ourJSON == theirJSON,
                "\(label): JSON body\n ours:   \(String(decoding: ours.bodyBytes, as: UTF8.self))\n theirs: \(String(decoding: theirs.bodyBytes, as: UTF8.self))",
                sourceLocation: sourceLocation)
        } else {
            #expect(ours.bodyBytes == theirs.bodyBytes, "\(label): body bytes", sourceLocation: sourceLocation)
        }
    }

    /// Sends nothing itself: runs the oracle on `calls` and compares with the captured requests, pairwise.
    static func compare(
        _ calls: [(label: String, call: BotocoreOracle.Call)], captured: [CaptureServer.Captured],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let serialized = try await BotocoreOracle.serialize(calls.map(\.call))
        try #require(captured.count == calls.count, "captured \(captured.count) requests for \(calls.count) calls")
        for (index, theirs) in serialized.enumerated() {
            expectSame(captured[index], theirs, calls[index].label, sourceLocation: sourceLocation)
        }
    }

    private static func stripOrigin(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        return String(rest[(rest.firstIndex(of: "/") ?? rest.endIndex)...])
    }

    /// The path as sent, and the query as sorted decoded pairs.
    private static func split(_ pathAndQuery: String) -> (String, [String]) {
        guard let mark = pathAndQuery.firstIndex(of: "?") else { return (pathAndQuery, []) }
        let query = pathAndQuery[pathAndQuery.index(after: mark)...]
        let pairs = query.split(separator: "&").map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = URIEncoding.decode(String(parts[0])) ?? String(parts[0])
            let value = parts.count > 1 ? (URIEncoding.decode(String(parts[1])) ?? String(parts[1])) : ""
            return name + "=" + value
        }
        return (String(pathAndQuery[..<mark]), pairs.sorted())
    }

    static func formPairs(_ body: [UInt8]) -> [String: String] {
        var pairs: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = URIEncoding.decode(String(parts[0]).replacingOccurrences(of: "+", with: " ")) ?? ""
            let value =
                parts.count > 1
                ? URIEncoding.decode(String(parts[1]).replacingOccurrences(of: "+", with: " ")) ?? "" : ""
            pairs[name] = value
        }
        return pairs
    }
}
