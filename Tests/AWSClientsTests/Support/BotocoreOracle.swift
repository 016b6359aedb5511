import AWSSigV4
import Foundation
import HTTPTransport
import KITTestSupport

/// Serializes operations with botocore 1.43.11 in one Python process: each call goes through a real botocore
/// client whose `before-send` hook captures the prepared request and answers a canned response, so nothing leaves
/// the process. CloudWatch (whose default protocol is CBOR) goes through botocore's own query serializer.
enum BotocoreOracle {
    struct Call: Encodable {
        var service: String
        /// The Python method name (`get_data_endpoint`) or, for `query`, the operation name (`PutMetricData`).
        var method: String
        var params: [String: JSONInput]
        var endpoint: String = "http://127.0.0.1:9"
        var protocolOverride: String?
        var addressing: String = "path"
        var region: String = "us-east-1"
    }

    /// What botocore would send.
    struct Serialized: Decodable {
        var method: String
        var url: String
        var headers: [String: String]
        var body: String
        /// For query-protocol calls: the form parameters.
        var queryParams: [String: String]?

        var bodyBytes: [UInt8] { Array(Data(base64Encoded: body) ?? Data()) }
    }

    static func serialize(_ calls: [Call]) async throws -> [Serialized] {
        let input = try JSONEncoder().encode(calls)
        let output = try await Subprocess.run(TestPaths.python, ["-c", script], stdin: input)
        guard output.status == 0 else { throw TestFailure("botocore oracle failed: \(output.stderrText)") }
        return try JSONDecoder().decode([Serialized].self, from: output.stdout)
    }

    static let script = #"""
        import base64, datetime, json, sys
        import botocore.session
        from botocore.awsrequest import AWSResponse
        from botocore.config import Config
        from botocore.serialize import create_serializer

        class Raw:
            def __init__(self, body): self.body = body
            def stream(self, **kw): yield self.body
            def read(self, *a, **kw):
                body, self.body = self.body, b''
                return body

        def decode(v):
            if isinstance(v, dict):
                if '__b64' in v: return base64.b64decode(v['__b64'])
                if '__float' in v: return float(v['__float'])
                if '__ts' in v: return datetime.datetime.fromtimestamp(v['__ts'], tz=datetime.timezone.utc)
                return {k: decode(x) for k, x in v.items()}
            if isinstance(v, list): return [decode(x) for x in v]
            return v

        session = botocore.session.get_session()
        out = []
        for call in json.load(sys.stdin):
            params = decode(call['params'])
            if call.get('protocolOverride') == 'query':
                model = session.get_service_model(call['service'])
                request = create_serializer('query').serialize_to_request(params, model.operation_model(call['method']))
                out.append({'method': request['method'], 'url': request['url_path'], 'headers': dict(request['headers']),
                            'body': '', 'queryParams': {k: str(v) for k, v in request['body'].items()}})
                continue
            captured = []
            config = Config(s3={'addressing_style': call['addressing']}, retries={'max_attempts': 1})
            client = session.create_client(call['service'], region_name=call['region'], endpoint_url=call['endpoint'],
                                           aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret',
                                           config=config)
            def hook(request, **kw):
                captured.append(request)
                return AWSResponse(request.url, 200, {}, Raw(b'{}'))
            client.meta.events.register('before-send', hook)
            try:
                getattr(client, call['method'])(**params)
            except Exception:
                pass  # the canned response need not parse; the request is what is compared
            r = captured[0]
            body = r.body
            if body is None: body = b''
            elif isinstance(body, str): body = body.encode()
            elif not isinstance(body, (bytes, bytearray)): body = body.read()
            out.append({'method': r.method, 'url': r.url,
                        'headers': {k: (v.decode() if isinstance(v, bytes) else v) for k, v in r.headers.items()},
                        'body': base64.b64encode(bytes(body)).decode()})
        json.dump(out, sys.stdout)
        """#
}

/// A JSON value for oracle parameters: `.bytes` and `.timestamp` become `bytes` and `datetime` in Python.
indirect enum JSONInput: Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([JSONInput])
    case object([String: JSONInput])
    case bytes([UInt8])
    case timestamp(Double)

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(floatLiteral value: Double) { self = .double(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSONInput...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONInput)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(["__float": value])  // JSON would lose the `.0` of 3.0
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .bytes(let value): try container.encode(["__b64": Data(value).base64EncodedString()])
        case .timestamp(let value): try container.encode(["__ts": value])
        }
    }
}
