import Foundation
import Testing

@testable import AWSSigV4

@Suite("Signer details")
struct SignerTests {
    /// The credentials of the examples in the Amazon S3 API reference ("Signature Calculations for the
    /// Authorization Header" and "Authenticating Requests: Using Query Parameters").
    static let s3DocCredentials = Credentials(
        accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    /// 20130524T000000Z
    static let s3DocDate = Date(timeIntervalSince1970: 1_369_353_600)

    @Test("S3 reference example: GET object with a Range header")
    func s3GetObjectExample() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1", rules: .s3)
        let request = SigV4Request(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
            headers: [.init("Range", "bytes=0-9")])
        let signed = signer.sign(request, credentials: Self.s3DocCredentials, date: Self.s3DocDate)
        #expect(signed.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.request.headerValues(named: "x-amz-content-sha256")
                == ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"])
    }

    @Test("S3 reference example: presigned GET valid for a day")
    func s3PresignedExample() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1", rules: .s3)
        let request = SigV4Request(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt")
        let signed = signer.presign(request, credentials: Self.s3DocCredentials, date: Self.s3DocDate, expires: 86400)
        #expect(signed.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            signed.request.url()
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(signed.request.headers.isEmpty, "presigning adds no header")
    }

    @Test("the path is encoded a second time for other services, and signed as sent for S3")
    func pathRules() {
        let request = SigV4Request(method: "GET", host: "h", path: "/a%2Fb/./c d//e/../f")
        let credentials = Credentials(accessKeyId: "A", secretAccessKey: "S")
        let date = Date(timeIntervalSince1970: 0)
        let standard = SigV4Signer(service: "svc", region: "r").sign(request, credentials: credentials, date: date)
        #expect(standard.canonicalRequest.split(separator: "\n")[1] == "/a%252Fb/c%20d/f")
        let s3 = SigV4Signer(service: "s3", region: "r", rules: .s3).sign(request, credentials: credentials, date: date)
        #expect(s3.canonicalRequest.split(separator: "\n")[1] == "/a%2Fb/./c d//e/../f")
    }

    @Test("payload choices: UNSIGNED-PAYLOAD adds x-amz-content-sha256, streaming markers are signed as given")
    func payloadChoices() {
        let credentials = Credentials(accessKeyId: "A", secretAccessKey: "S")
        let date = Date(timeIntervalSince1970: 0)
        let signer = SigV4Signer(service: "kinesisvideo", region: "us-east-1")
        let unsigned = signer.sign(
            SigV4Request(method: "POST", host: "h", path: "/putMedia", payload: .unsigned), credentials: credentials,
            date: date)
        #expect(unsigned.request.headerValues(named: "X-Amz-Content-SHA256") == ["UNSIGNED-PAYLOAD"])
        #expect(unsigned.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        let streaming = signer.sign(
            SigV4Request(method: "PUT", host: "h", payload: .streamingUnsignedPayloadTrailer), credentials: credentials,
            date: date)
        #expect(streaming.request.headerValues(named: "X-Amz-Content-SHA256").isEmpty)
        #expect(streaming.canonicalRequest.hasSuffix("\nSTREAMING-UNSIGNED-PAYLOAD-TRAILER"))
        let body = Array("{\"StreamName\":\"cam\"}".utf8)
        let hashed = signer.sign(
            SigV4Request(method: "POST", host: "h", payload: .sha256(of: body)), credentials: credentials, date: date)
        #expect(hashed.canonicalRequest.hasSuffix("\n" + PayloadHash.sha256(of: Data(body)).value))
        #expect(PayloadHash.sha256(of: [UInt8]()) == .emptySHA256)
    }

    @Test("the signing-key cache changes nothing but the work done, and stays bounded")
    func keyCache() {
        let cache = SigningKeyCache(capacity: 4)
        let request = SigV4Request(method: "GET", host: "h", path: "/")
        for day in 0..<10 {
            let date = Date(timeIntervalSince1970: TimeInterval(day * 86_400))
            for region in ["us-east-1", "eu-west-1"] {
                let credentials = Credentials(accessKeyId: "A", secretAccessKey: "S\(day % 3)")
                let cached = SigV4Signer(service: "svc", region: region, keyCache: cache)
                let uncached = SigV4Signer(service: "svc", region: region, keyCache: nil)
                #expect(
                    cached.sign(request, credentials: credentials, date: date).signature
                        == uncached.sign(request, credentials: credentials, date: date).signature)
            }
        }
        #expect(cache.count <= 4)
    }

    @Test("printing a signed request never shows the session token")
    func descriptionsRedactToken() {
        let token = "FQoGZXIvYXdzEXAMPLE/session+token=="
        let credentials = Credentials(accessKeyId: "ASIA", secretAccessKey: "S", sessionToken: token)
        let signer = SigV4Signer(service: "svc", region: "r")
        let request = SigV4Request(method: "GET", host: "h", path: "/")
        let date = Date(timeIntervalSince1970: 0)
        for signed in [
            signer.sign(request, credentials: credentials, date: date),
            signer.presign(request, credentials: credentials, date: date, expires: 60),
        ] {
            var dumped = ""
            dump(signed, to: &dumped)
            for text in ["\(signed)", "\(signed.request)", String(reflecting: signed), dumped] {
                #expect(!text.contains(token) && !text.contains(URIEncoding.encodeQueryComponent(token)), "\(text)")
            }
        }
    }

    @Test("timestamps across years, leap days and before 1970")
    func timestamps() {
        #expect(AWSTimestamp.sigV4DateTime(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
        #expect(AWSTimestamp.sigV4DateTime(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(AWSTimestamp.sigV4DateTime(Date(timeIntervalSince1970: -1)) == "19691231T235959Z")
        #expect(AWSTimestamp.sigV4DateTime(Date(timeIntervalSince1970: 4_102_444_799.9)) == "20991231T235959Z")
        for seconds in stride(from: -86_400 * 400, to: 86_400 * 365 * 200, by: 86_400 * 37 + 4321) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(AWSTimestamp.parseISO8601(AWSTimestamp.iso8601(date)) == date)
        }
    }

    @Test("percent-encoding and decoding")
    func encoding() {
        #expect(URIEncoding.encodeQueryComponent("a b+c/d~e_f.g-h*ሴ") == "a%20b%2Bc%2Fd~e_f.g-h%2A%E1%88%B4")
        #expect(URIEncoding.encodePath("/my bucket/key+1/ሴ") == "/my%20bucket/key%2B1/%E1%88%B4")
        #expect(URIEncoding.decode("%E1%88%B4%2f%2F+") == "ሴ//+")
        #expect(URIEncoding.decode("%E1%88") == nil)
        #expect(URIEncoding.decode("%zz") == nil)
        #expect(URIEncoding.decode("%4") == nil)
        let request = SigV4Request(
            method: "GET", host: "h", path: "/p", queryItems: [.init("b", "2 3"), .init("a"), .init("b", "1")])
        #expect(request.pathAndQuery == "/p?b=2%203&a=&b=1")
    }
}

@Suite("Chunked upload signing")
struct ChunkSignerTests {
    /// The S3 API reference example "Signature Calculation: Transfer Payload in Multiple Chunks": 66560 bytes of
    /// `a` in 64 KiB chunks, REDUCED_REDUNDANCY, 20130524T000000Z.
    @Test("S3 reference example: seed and chunk signatures")
    func s3ChunkedExample() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1", rules: .s3)
        let request = SigV4Request(
            method: "PUT", host: "s3.amazonaws.com", path: "/examplebucket/chunkObject.txt",
            headers: [
                .init("x-amz-storage-class", "REDUCED_REDUNDANCY"), .init("Content-Encoding", "aws-chunked"),
                .init("x-amz-decoded-content-length", "66560"), .init("Content-Length", "66824"),
            ], payload: .streamingSignedPayload)
        let signed = signer.sign(request, credentials: SignerTests.s3DocCredentials, date: SignerTests.s3DocDate)
        #expect(
            signed.signedHeaders
                == "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                + "x-amz-storage-class")
        #expect(signed.signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")

        var chunks = signer.chunkSigner(for: signed, credentials: SignerTests.s3DocCredentials)
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 66560)
        #expect(
            chunks.signature(forChunk: body[0..<65536])
                == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        #expect(
            chunks.signature(forChunk: body[65536...])
                == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        #expect(
            chunks.signature(forChunk: [UInt8]()) == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
        #expect(SigV4ChunkSigner.encodedLength(decodedLength: 66560, chunkSize: 65536) == 66824)
    }

    @Test("framing: size in hex, signature, CRLFs")
    func framing() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1", rules: .s3)
        let signed = signer.sign(
            SigV4Request(method: "PUT", host: "h", payload: .streamingSignedPayload),
            credentials: SignerTests.s3DocCredentials, date: SignerTests.s3DocDate)
        var chunks = signer.chunkSigner(for: signed, credentials: SignerTests.s3DocCredentials)
        let frame = chunks.frame(Array("hello".utf8))
        let text = String(decoding: frame, as: UTF8.self)
        #expect(text.hasPrefix("5;chunk-signature=") && text.hasSuffix("\r\nhello\r\n"))
        #expect(
            frame.count == SigV4ChunkSigner.encodedLength(decodedLength: 5, chunkSize: 64)
                - SigV4ChunkSigner.encodedLength(decodedLength: 0, chunkSize: 64))
    }
}
