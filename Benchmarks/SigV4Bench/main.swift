// sigv4-bench: signatures per second of AWSSigV4 on one representative request. Measurements, never assertions.
// scripts/bench-sigv4.sh runs it beside botocore's signer on the same request and prints the ratio.
//
//   SigV4Bench [--seconds S]
//
// Prints `signature <hex>` (the script checks botocore computes the same), then `cached <n>` and `uncached <n>`
// signatures per second, with and without the signing-key cache (botocore derives the key every time).
import AWSSigV4
import Foundation

let seconds: Double = {
    var value = 2.0
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--seconds":
            value = arguments.popFirst().flatMap(Double.init) ?? value
        default:
            FileHandle.standardError.write(Data("usage: SigV4Bench [--seconds S]\n".utf8))
            exit(2)
        }
    }
    return value
}()

/// A Kinesis Video `GetDataEndpoint` call with temporary credentials: body hash, token header, four signed headers.
let body = Array(#"{"StreamName":"front-door","APIName":"GET_MEDIA"}"#.utf8)
let credentials = Credentials(
    accessKeyId: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDEXAMPLETOKENfor0benchmark0only")
let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z, as in the Python half

func makeRequest() -> SigV4Request {
    SigV4Request(
        method: "POST", host: "kinesisvideo.us-east-1.amazonaws.com", path: "/getDataEndpoint",
        headers: [.init("Content-Type", "application/json"), .init("User-Agent", "kit-swift/bench")],
        payload: .sha256(of: body))
}

/// Signs repeatedly for about `seconds`; returns signatures per second. The request is rebuilt (body hashed)
/// every time, as botocore does on every `add_auth`.
func measure(_ signer: SigV4Signer, seconds: Double) -> Double {
    var sink = 0
    for _ in 0..<2000 {
        sink &+= Int(signer.sign(makeRequest(), credentials: credentials, date: date).signature.utf8.count)
    }
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    var elapsed = Duration.zero
    repeat {
        for _ in 0..<1000 {
            sink &+= Int(signer.sign(makeRequest(), credentials: credentials, date: date).signature.utf8.first ?? 0)
        }
        count += 1000
        elapsed = clock.now - start
    } while elapsed < .seconds(seconds)
    if sink == 42 { print("") }  // keeps the work observable
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(count) / total
}

let cachedSigner = SigV4Signer(service: "kinesisvideo", region: "us-east-1")
let uncachedSigner = SigV4Signer(service: "kinesisvideo", region: "us-east-1", keyCache: nil)
print("signature \(cachedSigner.sign(makeRequest(), credentials: credentials, date: date).signature)")
print(String(format: "cached %.0f", measure(cachedSigner, seconds: seconds)))
print(String(format: "uncached %.0f", measure(uncachedSigner, seconds: seconds)))
