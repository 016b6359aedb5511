import Foundation
import KITTestSupport

/// botocore's signer, run once per batch in the pinned venv: JSON cases on stdin, JSON results on stdout.
/// Each case picks the class botocore itself would use (`SigV4Auth`, `S3SigV4Auth`, `SigV4QueryAuth`,
/// `S3SigV4QueryAuth`) and is signed at its own fixed time by patching `botocore.auth.get_current_datetime`.
enum BotocoreOracle {
    struct Case: Codable {
        var timestamp: String
        var accessKey: String
        var secret: String
        var token: String?
        var service: String
        var region: String
        var s3: Bool
        var presign: Bool
        var expires: Int
        var method: String
        var host: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var bodyBase64: String
        /// `sha256`, `unsigned` or `trailer`.
        var payload: String
    }

    struct Output: Codable {
        var creq: String
        var sts: String
        var headers: [[String]]
        var url: String
    }

    static func sign(_ cases: [Case]) async throws -> [Output] {
        let input = try JSONEncoder().encode(cases)
        let result = try await Subprocess.run(TestPaths.python, ["-c", script], stdin: input)
        guard result.status == 0 else { throw OracleError(message: result.stderrText) }
        return try JSONDecoder().decode([Output].self, from: result.stdout)
    }

    struct OracleError: Error, CustomStringConvertible {
        var message: String
        var description: String { "botocore oracle failed: \(message)" }
    }

    static let script = #"""
        import base64, datetime, json, sys
        import botocore.auth as A
        from botocore.awsrequest import AWSRequest
        from botocore.config import Config
        from botocore.credentials import Credentials

        out = []
        for c in json.load(sys.stdin):
            ts = datetime.datetime.strptime(c['timestamp'], '%Y%m%dT%H%M%SZ')
            A.get_current_datetime = lambda *a, _ts=ts, **k: _ts
            creds = Credentials(c['accessKey'], c['secret'], c.get('token'))
            req = AWSRequest(method=c['method'], url='https://' + c['host'] + c['path'])
            for name, value in c['headers']:
                req.headers[name] = value  # HTTPMessage appends: duplicates are kept, in order
            req.params = [(k, v) for k, v in c['query']]
            body = base64.b64decode(c['bodyBase64'])
            if body:
                req.data = body
            if c['presign']:
                cls = A.S3SigV4QueryAuth if c['s3'] else A.SigV4QueryAuth
                auth = cls(creds, c['service'], c['region'], expires=c['expires'])
            else:
                cls = A.S3SigV4Auth if c['s3'] else A.SigV4Auth
                auth = cls(creds, c['service'], c['region'])
            if c['payload'] == 'unsigned':
                if c['s3']:
                    req.context['client_config'] = Config(s3={'payload_signing_enabled': False})
                else:
                    req.context['payload_signing_enabled'] = False
            elif c['payload'] == 'trailer':
                req.context['checksum'] = {'request_algorithm': {'in': 'trailer', 'name': 'x-amz-checksum-crc32'}}
            seen = {}
            def capture(method, key):
                def wrapper(*args):
                    value = method(*args)
                    seen[key] = value
                    return value
                return wrapper
            auth.canonical_request = capture(auth.canonical_request, 'creq')
            auth.string_to_sign = capture(auth.string_to_sign, 'sts')
            auth.add_auth(req)
            out.append({'creq': seen['creq'], 'sts': seen['sts'],
                        'headers': [[k, v] for k, v in req.headers.items()], 'url': req.url})
        json.dump(out, sys.stdout)
        """#
}

/// SplitMix64: a tiny seeded generator, so a failing random case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
