import Foundation

/// An error answer as Kinesis Video Streams sends it: the error code in `x-amzn-ErrorType` (and `__type` for the
/// JSON 1.1 tagging API), the HTTP status the service models give it, and a JSON body `{"message": "..."}`.
///
/// The code is an opaque struct with static values, so adding one breaks no caller; ``serviceCode`` is the exact
/// string clients (botocore, the Java SDK) match on.
public struct KVSError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The service's own error name, e.g. `ResourceNotFoundException`.
        public let serviceCode: String
        /// The HTTP status botocore's models give the error.
        public let status: Int
        private init(_ serviceCode: String, _ status: Int) {
            self.serviceCode = serviceCode
            self.status = status
        }

        public static let resourceNotFound = Code("ResourceNotFoundException", 404)
        public static let invalidArgument = Code("InvalidArgumentException", 400)
        public static let clientLimitExceeded = Code("ClientLimitExceededException", 400)
        public static let connectionLimitExceeded = Code("ConnectionLimitExceededException", 400)
        public static let notAuthorized = Code("NotAuthorizedException", 401)
        public static let resourceInUse = Code("ResourceInUseException", 400)
        public static let versionMismatch = Code("VersionMismatchException", 400)
        public static let tagsPerResourceExceededLimit = Code("TagsPerResourceExceededLimitException", 400)
        public static let invalidResourceFormat = Code("InvalidResourceFormatException", 400)
        public static let accountStreamLimitExceeded = Code("AccountStreamLimitExceededException", 400)
        public static let invalidEndpoint = Code("InvalidEndpointException", 400)
        /// The body is not the JSON the operation takes (what AWS's JSON front ends answer).
        public static let serialization = Code("SerializationException", 400)
        /// Common AWS authentication errors the KVS models do not list but the front end sends.
        public static let incompleteSignature = Code("IncompleteSignatureException", 400)
        public static let invalidSignature = Code("InvalidSignatureException", 403)
        public static let unrecognizedClient = Code("UnrecognizedClientException", 403)
        /// An operation or path this server does not serve.
        public static let unknownOperation = Code("UnknownOperationException", 404)
        /// Resource Groups Tagging API errors.
        public static let invalidParameter = Code("InvalidParameterException", 400)
        public static let paginationTokenExpired = Code("PaginationTokenExpiredException", 400)
        /// Injected or real server-side failures.
        public static let internalFailure = Code("InternalFailure", 500)
        public static let serviceUnavailable = Code("ServiceUnavailable", 503)

        /// A server error with another status (fault injection can ask for 502, 504, …).
        public static func serverError(status: Int) -> Code {
            switch status {
            case 500: internalFailure
            case 503: serviceUnavailable
            default: Code(status == 429 ? "TooManyRequestsException" : "InternalFailure", status)
            }
        }

        public var description: String { serviceCode }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.serviceCode) (\(code.status)): \(message)" }

    /// The JSON error document (`{"message": ...}`; JSON 1.1 services also carry `__type`).
    func body(jsonTypeField: Bool) -> [UInt8] {
        var object: [String: String] = ["message": message]
        if jsonTypeField { object["__type"] = code.serviceCode }
        return JSONOutput.encode(object)
    }
}

extension KVSError {
    static func streamNotFound(_ name: String) -> KVSError {
        KVSError(.resourceNotFound, "The requested stream is not found or not active: \(name)")
    }

    static func missing(_ field: String) -> KVSError {
        KVSError(.invalidArgument, "\(field) is required")
    }

    static func invalid(_ field: String, _ why: String) -> KVSError {
        KVSError(.invalidArgument, "\(field) \(why)")
    }
}
