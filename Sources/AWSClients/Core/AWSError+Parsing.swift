import Foundation
import HTTPTransportCore

/// Which error codes mean "try again later", after botocore's standard retry mode
/// (`botocore/retries/standard.py`), plus Kinesis Video's `ClientLimitExceededException`.
enum AWSErrorClassification {
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException", "ClientLimitExceededException",
    ]
    static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
    static let transientStatuses: Set<Int> = [500, 502, 503, 504]
    /// Temporary credentials expired between signing and the service checking them.
    static let expiredCredentialCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException", "RequestExpired"]

    static func isThrottling(_ code: String) -> Bool { throttlingCodes.contains(code) }

    static func isRetryable(status: Int, code: String?) -> Bool {
        if status == 429 || transientStatuses.contains(status) { return true }
        guard let code else { return false }
        return throttlingCodes.contains(code) || transientCodes.contains(code)
    }

    /// botocore's normalisation: `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` and
    /// `ResourceNotFoundException:http://internal.amazon.com/…` both become `ResourceNotFoundException`.
    static func normalise(_ code: String) -> String {
        var code = Substring(code)
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        return String(code).trimmingCharacters(in: .whitespaces)
    }
}

extension AWSError {
    /// Builds the error for a non-2xx response: the code from `x-amzn-ErrorType`, a JSON `__type`/`code`, or an
    /// XML `<Code>` (query `ErrorResponse/Error`, S3 `Error`); otherwise the status itself, as botocore does.
    static func fromResponse(status: Int, headers: HTTPHeaders, body: [UInt8], operation: String) -> AWSError {
        var code: String?
        var message: String?
        var requestId =
            headers["x-amzn-RequestId"] ?? headers["x-amz-request-id"] ?? headers["x-amzn-request-id"]
        var details: [String: String] = [:]

        let firstByte = body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if firstByte == UInt8(ascii: "{"),
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(body))
        {
            code = (object["__type"] ?? object["code"] ?? object["Code"])?.stringValue
            message = (object["message"] ?? object["Message"] ?? object["errorMessage"])?.stringValue
            for (key, value) in object where !["__type", "code", "Code", "message", "Message"].contains(key) {
                if let text = value.scalarText { details[key] = text }
            }
        } else if firstByte == UInt8(ascii: "<"), let root = try? AWSXML.parse(body) {
            // Query: <ErrorResponse><Error><Code/>…</Error><RequestId/></ErrorResponse>; S3: <Error><Code/>…</Error>;
            // EC2-style: <Response><Errors><Error>…</Error></Errors><RequestID/></Response>.
            let error =
                root.name == "Error" ? root : root.child("Error") ?? root.child("Errors")?.child("Error") ?? root
            code = error.childText("Code")
            message = error.childText("Message")
            requestId =
                requestId ?? root.childText("RequestId") ?? root.childText("RequestID")
                ?? error.childText("RequestId")
            for child in error.children where !["Code", "Message", "RequestId", "Type"].contains(child.name) {
                if child.children.isEmpty { details[child.name] = child.text }
            }
        }
        // The header wins for REST-JSON (botocore's `_inject_error_code`).
        if let header = headers["x-amzn-ErrorType"], !header.isEmpty { code = header }
        let serviceCode =
            code.map(AWSErrorClassification.normalise).flatMap { $0.isEmpty ? nil : $0 }
            ?? String(status)
        let text = message.flatMap { $0.isEmpty ? nil : $0 } ?? "HTTP \(status)"
        return AWSError(
            .service, operation: operation, text, serviceCode: serviceCode, status: status, requestId: requestId,
            details: details, isRetryable: AWSErrorClassification.isRetryable(status: status, code: serviceCode))
    }
}
