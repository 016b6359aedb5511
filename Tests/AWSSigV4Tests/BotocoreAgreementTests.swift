import AWSSigV4
import Foundation
import Testing

/// Random requests signed by us and by botocore 1.43.11 (one Python process per run) must agree byte for byte:
/// canonical request, string to sign, every header of the signed request in order, and the presigned URL.
@Suite("Agreement with botocore")
struct BotocoreAgreementTests {
    static let caseCount = 300
    /// Override with `KIT_SIGV4_SEED` to explore; a failure prints the seed and the case index.
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["KIT_SIGV4_SEED"].flatMap { UInt64($0) } ?? 0x5167_5634_2026

    @Test("random requests sign exactly as botocore signs them")
    func randomRequestsAgree() async throws {
        var rng = SplitMix64(seed: Self.seed)
        let cases = (0..<Self.caseCount).map { _ in RandomRequest.make(using: &rng) }
        let expected = try await BotocoreOracle.sign(cases)
        try #require(expected.count == cases.count)

        var failures = 0
        for (index, (input, oracle)) in zip(cases, expected).enumerated() {
            let ours = Self.sign(input)
            let context =
                "seed \(Self.seed) case \(index): \(input.method) \(input.host)\(input.path) s3=\(input.s3) "
                + "presign=\(input.presign) payload=\(input.payload)"
            var agreed = true
            agreed = agreed && ours.canonicalRequest == oracle.creq
            agreed = agreed && ours.stringToSign == oracle.sts
            agreed = agreed && ours.request.headers.map { [$0.name, $0.value] } == oracle.headers
            if input.presign { agreed = agreed && ours.request.url() == oracle.url }
            if !agreed {
                failures += 1
                // Full detail for the first few only; the count tells the rest.
                if failures <= 3 {
                    #expect(ours.canonicalRequest == oracle.creq, "\(context)")
                    #expect(ours.stringToSign == oracle.sts, "\(context)")
                    #expect(ours.request.headers.map { [$0.name, $0.value] } == oracle.headers, "\(context)")
                    if input.presign { #expect(ours.request.url() == oracle.url, "\(context)") }
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) random requests disagree with botocore")
    }

    @Test("the generator covers every signing mode")
    func generatorCoversModes() {
        var rng = SplitMix64(seed: Self.seed)
        let cases = (0..<Self.caseCount).map { _ in RandomRequest.make(using: &rng) }
        for s3 in [false, true] {
            for presign in [false, true] {
                for payload in ["sha256", "unsigned", "trailer"] {
                    let count = cases.filter { $0.s3 == s3 && $0.presign == presign && $0.payload == payload }
                        .count
                    #expect(count >= 2, "s3=\(s3) presign=\(presign) payload=\(payload): \(count) cases")
                }
            }
        }
        #expect(cases.contains { $0.token != nil } && cases.contains { $0.token == nil })
        #expect(cases.contains { !$0.presign && Set($0.query.map { $0[0] }).count < $0.query.count })
        #expect(cases.contains { Set($0.headers.map { $0[0].lowercased() }).count < $0.headers.count })
    }

    static func sign(_ input: BotocoreOracle.Case) -> SigV4SignedRequest {
        let body = Data(base64Encoded: input.bodyBase64) ?? Data()
        let payload: PayloadHash =
            switch input.payload {
            case "unsigned": .unsigned
            case "trailer": .streamingUnsignedPayloadTrailer
            default: .sha256(of: body)
            }
        let request = SigV4Request(
            method: input.method, host: input.host, path: input.path,
            queryItems: input.query.map { .init($0[0], $0[1]) },
            headers: input.headers.map { .init($0[0], $0[1]) },
            payload: payload)
        let signer = SigV4Signer(
            service: input.service, region: input.region, rules: input.s3 ? .s3 : .standard)
        let credentials = Credentials(
            accessKeyId: input.accessKey, secretAccessKey: input.secret, sessionToken: input.token)
        let date = Self.date(fromSigV4: input.timestamp)
        return input.presign
            ? signer.presign(request, credentials: credentials, date: date, expires: input.expires)
            : signer.sign(request, credentials: credentials, date: date)
    }

    static func date(fromSigV4 text: String) -> Date {
        var components = DateComponents()
        let digits = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int {
            digits[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        components.year = number(0..<4)
        components.month = number(4..<6)
        components.day = number(6..<8)
        components.hour = number(9..<11)
        components.minute = number(11..<13)
        components.second = number(13..<15)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }
}

/// Random requests shaped to find disagreements: odd path bytes and dot segments, repeated and unsorted query
/// names, header case and whitespace, blacklisted and stale signer headers, tokens, S3 and presigning.
enum RandomRequest {
    static func make(using rng: inout SplitMix64) -> BotocoreOracle.Case {
        let s3 = Bool.random(using: &rng)
        let presign = Int.random(in: 0..<3, using: &rng) == 0
        let payload =
            ["sha256", "sha256", "unsigned", "trailer"].randomElement(using: &rng) ?? "sha256"
        // 2000-01-01 … 2099-12-31, so the date formatting is exercised across years, months and leap days.
        let seconds = Int.random(in: 946_684_800..<4_102_444_800, using: &rng)
        var headers: [[String]] = []
        for _ in 0..<Int.random(in: 0..<7, using: &rng) {
            headers.append([headerName(&rng), headerValue(&rng)])
        }
        if Int.random(in: 0..<4, using: &rng) == 0, let repeated = headers.randomElement(using: &rng) {
            headers.append([randomCase(repeated[0], &rng), headerValue(&rng)])
        }
        if Int.random(in: 0..<5, using: &rng) == 0 { headers.append(["Host", host(&rng)]) }
        if !presign, Int.random(in: 0..<6, using: &rng) == 0 {
            headers.append(["Authorization", "stale"])
        }
        if Int.random(in: 0..<6, using: &rng) == 0 {
            headers.append(["X-Amz-Date", "20000101T000000Z"])
        }
        if Int.random(in: 0..<8, using: &rng) == 0 {
            headers.append(["x-amz-content-sha256", String(repeating: "ab", count: 32)])
        }
        headers.shuffle(using: &rng)

        var query: [[String]] = []
        for _ in 0..<Int.random(in: 0..<6, using: &rng) {
            query.append([
                text(&rng, maxLength: 8), Bool.random(using: &rng) ? "" : text(&rng, maxLength: 12),
            ])
        }
        if !presign, Bool.random(using: &rng), let first = query.first {
            query.append([first[0], text(&rng, maxLength: 6)])  // a repeated name with another value
        }
        if presign {  // botocore presigning keeps only the first of repeated names
            var seen = Set<String>()
            query = query.filter { seen.insert($0[0]).inserted }
        }

        let body: [UInt8] =
            presign || Bool.random(using: &rng)
            ? []
            : (0..<Int.random(in: 1..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng)
            }
        return BotocoreOracle.Case(
            timestamp: sigV4Timestamp(seconds),
            accessKey: "AKIA"
                + String((0..<16).map { _ in upperAlnum.randomElement(using: &rng) ?? "A" }),
            secret: String((0..<40).map { _ in secretAlphabet.randomElement(using: &rng) ?? "x" }),
            token: Bool.random(using: &rng)
                ? String((0..<80).map { _ in secretAlphabet.randomElement(using: &rng) ?? "x" }) : nil,
            service: s3
                ? "s3"
                : ["kinesisvideo", "dynamodb", "monitoring", "sagemaker", "sts", "execute-api"]
                    .randomElement(using: &rng) ?? "sts",
            region: ["us-east-1", "eu-west-2", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
                .randomElement(using: &rng) ?? "us-east-1",
            s3: s3, presign: presign, expires: Int.random(in: 1...604_800, using: &rng),
            method: ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get"].randomElement(using: &rng)
                ?? "GET",
            host: host(&rng), path: path(&rng), query: query, headers: headers,
            bodyBase64: Data(body).base64EncodedString(), payload: payload)
    }

    static let upperAlnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let secretAlphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=")

    static func host(_ rng: inout SplitMix64) -> String {
        [
            "kinesisvideo.us-east-1.amazonaws.com", "bucket.s3.eu-west-2.amazonaws.com", "localhost:4566",
            "127.0.0.1:9000", "dynamodb.cn-north-1.amazonaws.com.cn",
            "abc123.execute-api.us-west-2.amazonaws.com",
        ].randomElement(using: &rng) ?? "localhost"
    }

    /// A wire path: unreserved text, sub-delimiters botocore re-encodes, escapes (upper and lower case hex, `%2F`,
    /// `%25`), raw UTF-8, dot segments and empty segments.
    static func path(_ rng: inout SplitMix64) -> String {
        let pieces = [
            "a", "photo.jpg", "-_.~", "my%20key", "%2F", "%2f", "%25", "%E1%88%B4", "ሴ", "é",
            "!$&'()*+,;=:@",
            ".", "..", "", "x+y", "~user", "%7E", "2024-01-01T00:00:00Z", "A%3DB",
        ]
        var segments: [String] = []
        for _ in 0..<Int.random(in: 0..<6, using: &rng) {
            var segment = ""
            for _ in 0..<Int.random(in: 1..<3, using: &rng) {
                segment += pieces.randomElement(using: &rng) ?? "a"
            }
            segments.append(segment)
        }
        var result = "/" + segments.joined(separator: "/")
        if Int.random(in: 0..<4, using: &rng) == 0 { result += "/" }
        if Int.random(in: 0..<10, using: &rng) == 0 { result = "/" + result }
        return result
    }

    /// Query names and values: anything, including characters the encoder must escape and non-BMP scalars.
    static func text(_ rng: inout SplitMix64, maxLength: Int) -> String {
        let alphabet = Array("abcXYZ019-_.~ +&=/?%#!*'();:@,$[]\"<>\\^`{|}é中😀\u{0}\t")
        let length = Int.random(in: 0...maxLength, using: &rng)
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
    }

    static func headerName(_ rng: inout SplitMix64) -> String {
        let names = [
            "Content-Type", "X-Amz-Target", "x-amz-meta-Owner", "My-Header", "X-Amz-Security-Token",
            "User-Agent",
            "Expect", "X-Amzn-Trace-Id", "Range", "If-Match", "X-Custom_Underscore", "Accept",
            "Content-Encoding",
            "x-amz-checksum-crc32", "Connection",
        ]
        return randomCase(names.randomElement(using: &rng) ?? "X-Test", &rng)
    }

    static func randomCase(_ name: String, _ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return name.lowercased()
        case 1: return name.uppercased()
        default: return name
        }
    }

    /// Values with runs of spaces and tabs, leading and trailing whitespace, Unicode spaces Python's `split()`
    /// also collapses (U+00A0, U+3000) and the odd folded line.
    static func headerValue(_ rng: inout SplitMix64) -> String {
        let pieces = [
            "value", "  ", "\t", " ", "a   b", "\"quoted  text\"", "application/x-amz-json-1.1", "é",
            "\u{A0}",
            "\u{3000}", "x\n  y", "=", ";", ",", "Kinesis_20130901.PutRecord", "bytes=0-99",
        ]
        var value = ""
        for _ in 0..<Int.random(in: 0..<5, using: &rng) {
            value += pieces.randomElement(using: &rng) ?? ""
        }
        return value
    }

    static func sigV4Timestamp(_ seconds: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second],
            from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2)
            + pad(c.minute, 2)
            + pad(c.second, 2) + "Z"
    }
}
