import HTTPTransportCore

/// Assembles response header blocks from curl's header callback, one line at a time.
///
/// Interim responses (`100 Continue`) produce their own blocks; only a final (≥ 200) block is reported.
/// Lines after the final block (chunked trailers) are ignored.
struct HeaderParser {
    private var status: Int?
    private var reason = ""
    private var fields: [HTTPHeaders.Field] = []
    private(set) var finished = false

    enum Event {
        case none
        case complete(HTTPResponseHead)
        case malformed(String)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Event {
        guard !finished else { return .none }
        var line = Substring(decoding: bytes, as: UTF8.self)
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            // "HTTP/1.1 200 OK" — a new block starts (after an interim one, or a redirect we do not follow).
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2, let code = Int(parts[1]), (100...999).contains(code) else {
                return .malformed("bad status line: \(line)")
            }
            status = code
            reason = parts.count > 2 ? String(parts[2]) : ""
            fields = []
            return .none
        }
        if line.isEmpty {
            guard let status else { return .malformed("header block without a status line") }
            if status < 200 {
                self.status = nil
                fields = []
                return .none
            }
            finished = true
            return .complete(
                HTTPResponseHead(status: status, reason: reason, headers: HTTPHeaders(fieldList: fields)))
        }
        if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
            // obs-fold continuation line.
            fields[fields.count - 1].value += " " + line.drop { $0 == " " || $0 == "\t" }
            return .none
        }
        guard let colon = line.firstIndex(of: ":") else {
            return .malformed("bad header line: \(line)")
        }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        var trimmed = Substring(value)
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        fields.append(HTTPHeaders.Field(name: name, value: String(trimmed)))
        return .none
    }
}

extension HTTPHeaders {
    init(fieldList: [Field]) {
        self.init()
        for field in fieldList { add(name: field.name, value: field.value) }
    }
}
