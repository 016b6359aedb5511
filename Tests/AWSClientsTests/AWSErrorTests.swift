import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

@Suite("Error mapping")
struct AWSErrorTests {
    @Test("JSON __type with a namespace is normalised; message and request id are kept")
    func jsonNamespacedType() {
        let error = AWSError.fromResponse(
            status: 400, headers: ["x-amzn-RequestId": "REQ1"],
            body:
                #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#
                .bytes,
            operation: "DynamoDB.PutItem")
        #expect(error.code == .service)
        #expect(error.serviceCode == "ConditionalCheckFailedException")
        #expect(error.isConditionalCheckFailed)
        #expect(error.message == "The conditional request failed")
        #expect(error.requestId == "REQ1")
        #expect(error.status == 400)
        #expect(!error.isRetryable)
    }

    @Test("x-amzn-ErrorType wins over the body (REST-JSON), with its ':' suffix dropped")
    func restJSONHeader() {
        let error = AWSError.fromResponse(
            status: 404,
            headers: [
                "x-amzn-ErrorType":
                    "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.kinesisvideo/"
            ],
            body: #"{"Message":"The requested stream is not found or not active."}"#.bytes,
            operation: "KinesisVideo.DescribeStream")
        #expect(error.serviceCode == "ResourceNotFoundException")
        #expect(error.message == "The requested stream is not found or not active.")
        #expect(error.isNotFound)
    }

    @Test("Throttling codes and 5xx/429 are retryable")
    func throttling() {
        for (status, code) in [
            (400, "ThrottlingException"), (400, "ProvisionedThroughputExceededException"),
            (400, "ClientLimitExceededException"), (503, "SlowDown"),
        ] {
            let error = AWSError.fromResponse(
                status: status, headers: [:], body: "{\"__type\":\"\(code)\"}".bytes, operation: "X")
            #expect(error.isRetryable, "\(code)")
            #expect(error.isThrottling, "\(code)")
        }
        let serverError = AWSError.fromResponse(status: 500, headers: [:], body: [], operation: "X")
        #expect(serverError.isRetryable)
        #expect(serverError.serviceCode == "500")
        #expect(!serverError.isThrottling)
        let tooMany = AWSError.fromResponse(status: 429, headers: [:], body: "busy".bytes, operation: "X")
        #expect(tooMany.isRetryable && tooMany.isThrottling)
        let validation = AWSError.fromResponse(
            status: 400, headers: [:], body: #"{"__type":"ValidationException","message":"bad"}"#.bytes,
            operation: "X")
        #expect(!validation.isRetryable)
    }

    @Test("Query-protocol XML error: code, message and request id from the document")
    func queryXML() {
        let body = """
            <ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
              <Error><Type>Sender</Type><Code>InvalidParameterValue</Code>
                <Message>The value &lt;x&gt; for parameter MetricData.member.1.Value is invalid.</Message></Error>
              <RequestId>5f1c-query</RequestId>
            </ErrorResponse>
            """
        let error = AWSError.fromResponse(status: 400, headers: [:], body: body.bytes, operation: "CloudWatch.X")
        #expect(error.serviceCode == "InvalidParameterValue")
        #expect(error.message == "The value <x> for parameter MetricData.member.1.Value is invalid.")
        #expect(error.requestId == "5f1c-query")
    }

    @Test("S3 XML error, and a bodiless HEAD 404 (code = status, as botocore)")
    func s3Errors() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a/b.txt</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>h</HostId></Error>
            """
        let error = AWSError.fromResponse(
            status: 404, headers: ["x-amz-request-id": "4442587FB7D0A2F9"], body: body.bytes, operation: "S3.GetObject")
        #expect(error.serviceCode == "NoSuchKey")
        #expect(error.requestId == "4442587FB7D0A2F9")
        #expect(error.details["Key"] == "a/b.txt")
        #expect(error.isNotFound)
        let head = AWSError.fromResponse(
            status: 404, headers: ["x-amz-request-id": "R"], body: [], operation: "S3.HeadObject")
        #expect(head.serviceCode == "404")
        #expect(head.isNotFound)
        #expect(head.requestId == "R")
    }

    @Test("SageMaker ModelError (424) exposes the container's status, message and log stream")
    func modelError() throws {
        let body = #"""
            {"ErrorCode":"CLIENT_ERROR_FROM_MODEL","LogStreamArn":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/ep",
             "Message":"Received client error (400) from primary with message \"bad image\".","OriginalMessage":"bad image","OriginalStatusCode":400}
            """#
        let error = AWSError.fromResponse(
            status: 424,
            headers: ["x-amzn-ErrorType": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/"],
            body: body.bytes, operation: "SageMakerRuntime.InvokeEndpoint")
        #expect(error.serviceCode == "ModelError")
        #expect(!error.isRetryable)
        let details = try #require(SageMakerModelError(error))
        #expect(details.originalStatusCode == 400)
        #expect(details.originalMessage == "bad image")
        #expect(details.logStreamArn == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/ep")
        #expect(error.details["ErrorCode"] == "CLIENT_ERROR_FROM_MODEL")
    }

    @Test("A non-AWS error body still yields the status as the code")
    func plainBody() {
        let error = AWSError.fromResponse(status: 502, headers: [:], body: "<html>bad gateway".bytes, operation: "X")
        #expect(error.serviceCode == "502")
        #expect(error.message == "HTTP 502")
        #expect(error.isRetryable)
    }

    @Test("Transport errors map to opaque codes; descriptions carry no credentials")
    func transportMapping() {
        #expect(AWSError.from(HTTPError(code: .timedOut, message: "t"), operation: "X").code == .timedOut)
        #expect(AWSError.from(HTTPError(code: .cancelled, message: "c"), operation: "X").code == .cancelled)
        let refused = AWSError.from(HTTPError(code: .connectFailed, message: "refused"), operation: "X")
        #expect(refused.code == .transport)
        #expect(refused.isRetryable)
    }
}
