import AWSSigV4
import Foundation

/// What the server reads from a request's SigV4 `Authorization` header. By default only the form is checked (any
/// credentials are accepted, as with moto); with ``KVSLocalServer/Authorization/verifySignatures(secrets:)`` the
/// signature is recomputed with `AWSSigV4` and compared.
struct SigV4Authorization: Sendable, Equatable {
    var accessKeyID: String
    var date: String
    var region: String
    var service: String
    var signedHeaders: [String]
    var signature: String
    var timestamp: String

    /// Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesisvideo/aws4_request,
    /// SignedHeaders=host;x-amz-date, Signature=<64 hex>` and the request's `X-Amz-Date`.
    static func parse(header: String?, amzDate: String?, expectedService: String) throws(KVSError) -> SigV4Authorization
    {
        guard let header, !header.isEmpty else {
            throw KVSError(.notAuthorized, "Missing Authentication Token: the request must be signed with SigV4")
        }
        let prefix = "AWS4-HMAC-SHA256 "
        guard header.hasPrefix(prefix) else {
            throw KVSError(.incompleteSignature, "Authorization header requires the AWS4-HMAC-SHA256 algorithm")
        }
        var fields: [String: String] = [:]
        for part in header.dropFirst(prefix.count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            fields[String(pair[0])] = String(pair[1])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else {
            throw KVSError(
                .incompleteSignature,
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
        }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, !scope[0].isEmpty, scope[1].count == 8, scope[1].allSatisfy(\.isNumber),
            !scope[2].isEmpty, scope[4] == "aws4_request"
        else {
            throw KVSError(
                .incompleteSignature,
                "Credential should be scoped to a valid region, like 'us-east-1': 'KEY/YYYYMMDD/REGION/SERVICE/aws4_request'"
            )
        }
        guard scope[3] == expectedService else {
            throw KVSError(.invalidSignature, "Credential should be scoped to correct service: '\(expectedService)'.")
        }
        guard signature.count == 64, signature.allSatisfy(\.isHexDigit) else {
            throw KVSError(.incompleteSignature, "Signature must be 64 hexadecimal characters")
        }
        let headers = signedHeaders.split(separator: ";").map { $0.lowercased() }
        guard headers.contains("host") else {
            throw KVSError(.incompleteSignature, "'Host' must be a signed header")
        }
        guard let amzDate, amzDate.count == 16, amzDate.hasPrefix(scope[1]), Self.date(fromAmzDate: amzDate) != nil
        else {
            throw KVSError(
                .incompleteSignature,
                "X-Amz-Date is missing or does not match the credential scope date (YYYYMMDD'T'HHMMSS'Z')")
        }
        return SigV4Authorization(
            accessKeyID: scope[0], date: scope[1], region: scope[2], service: scope[3], signedHeaders: headers,
            signature: signature.lowercased(), timestamp: amzDate)
    }

    static func date(fromAmzDate text: String) -> Date? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 16, utf8[8] == UInt8(ascii: "T"), utf8[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: utf8[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(9..<11),
            let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        return calendar.date(
            from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    /// Recomputes the signature over the signed headers and compares it.
    func verify(
        secret: String, method: String, path: String, query: [(String, String)], headers: [(String, String)],
        payloadHash: PayloadHash
    ) -> Bool {
        guard let date = Self.date(fromAmzDate: timestamp) else { return false }
        let signed = Set(signedHeaders)
        var requestHeaders: [SigV4Request.Header] = []
        var host = ""
        var token: String?
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower == "host" { host = value }
            if lower == "x-amz-security-token" { token = value }
            if signed.contains(lower), lower != "authorization" { requestHeaders.append(.init(lower, value)) }
        }
        let request = SigV4Request(
            method: method, host: host, path: path, queryItems: query.map { .init($0.0, $0.1) },
            headers: requestHeaders, payload: payloadHash)
        let signer = SigV4Signer(service: service, region: region, keyCache: nil)
        let credentials = Credentials(accessKeyId: accessKeyID, secretAccessKey: secret, sessionToken: token)
        return signer.sign(request, credentials: credentials, date: date).signature == signature
    }
}
