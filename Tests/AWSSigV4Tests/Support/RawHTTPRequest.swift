import AWSSigV4
import Foundation

/// A `.req` file of the AWS SigV4 test suite: a raw HTTP/1.1 request with `\n` line ends, obs-fold continuation
/// lines, and a request target that may hold raw UTF-8 or spaces.
struct RawHTTPRequest {
    var requestLine: String
    var method: String
    var target: String
    /// Values as written after the colon (leading spaces and folded lines kept); the signer trims them.
    var headers: [SigV4Request.Header]
    var body: [UInt8]

    init(parsing text: String) throws {
        let headerPart: Substring
        let bodyPart: Substring
        if let blank = text.range(of: "\n\n") {
            headerPart = text[..<blank.lowerBound]
            bodyPart = text[blank.upperBound...]
        } else {
            headerPart = text[...]
            bodyPart = ""
        }
        var lines = headerPart.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        guard let first = lines.first, let space = first.firstIndex(of: " "),
            let version = first.range(of: " HTTP/", options: .backwards)
        else { throw ParseError(line: lines.first ?? "") }
        requestLine = first
        method = String(first[..<space])
        target = String(first[first.index(after: space)..<version.lowerBound])
        headers = []
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                throw ParseError(line: line)
            }
        }
        body = Array(bodyPart.utf8)
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "cannot parse request line or header: \(line)" }
    }

    /// The signer's view: the path as written, query items percent-decoded (raw UTF-8 kept as is).
    func sigV4Request() -> SigV4Request {
        let path: String
        var items: [SigV4Request.QueryItem] = []
        if let question = target.firstIndex(of: "?") {
            path = String(target[..<question])
            for pair in target[target.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                let value = parts.count > 1 ? String(parts[1]) : ""
                items.append(.init(URIEncoding.decode(name) ?? name, URIEncoding.decode(value) ?? value))
            }
        } else {
            path = target
        }
        let host = headers.first { $0.name.lowercased() == "host" }?.value ?? ""
        return SigV4Request(
            method: method, host: host, path: path, queryItems: items, headers: headers,
            payload: .sha256(of: body))
    }

    /// Renders a signed request the way the suite's `.sreq` files do (`Authorization: ` has a space, the rest not).
    static func render(requestLine: String, headers: [SigV4Request.Header], body: [UInt8]) -> String {
        var lines = [requestLine]
        for header in headers {
            lines.append(
                header.name == "Authorization"
                    ? "Authorization: \(header.value)" : "\(header.name):\(header.value)")
        }
        var text = lines.joined(separator: "\n")
        if !body.isEmpty { text += "\n\n" + String(decoding: body, as: UTF8.self) }
        return text
    }
}
