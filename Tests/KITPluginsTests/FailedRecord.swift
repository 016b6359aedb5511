import Foundation
import PluginAPI

/// A record of a frame whose inference failed for good, as the host publishes it: empty output, the error, its
/// HTTP status and body, the attempts, and every typed timestamp.
enum FailedRecord {
    static let producerMillis: Int64 = 1_511_852_108_513
    static let message = "AWSError(service, Container.Invocations, 503, HTTP 503): the model is down"
    static let body = #"{"message":"CUDA out of memory"}"#

    static func record(
        stream: String, fragment: String = "91343852333181432392682062607743920146264485263", timeCode: Int = 0,
        serverMillis: Int64 = 1_511_852_109_126
    ) -> KITRecord {
        let producer = serverMillis - 613
        let fragmentMetaData =
            "FragmentMetadata(fragmentNumberString=\(fragment), serverSideTimestampMillis=\(serverMillis), "
            + "producerSideTimestampMillis=\(producer), fragmentNumber=\(fragment), success=true, errorId=0, "
            + "errorCode=null, millisBehindNow=OptionalLong[15858], continuationToken=Optional[\(fragment)])"
        let frameMetaData =
            "Frame(trackNumber=1, timeCode=\(timeCode), keyFrame=true, invisible=false, discardable=false, lacing=NO)"
        return KITRecord(
            streamName: stream, fragmentMetaData: fragmentMetaData, frameMetaData: frameMetaData, sageMakerOutput: [],
            fragment: .init(
                fragmentNumber: fragment, serverTimestampMillis: serverMillis, producerTimestampMillis: producer,
                millisBehindNow: 15858, continuationToken: fragment),
            frame: .init(trackNumber: 1, timeCode: timeCode, timestampMillis: producer + Int64(timeCode)),
            image: .init(
                contentType: "image/jpeg", byteCount: 4321, sha256: String(repeating: "cd", count: 32), width: 320,
                height: 240),
            inference: .init(
                outputContentType: nil, endpointLatencyMillis: 2500.25, attempts: 8,
                failure: .init(message: message, status: 503, responseBody: Array(body.utf8))),
            processing: .init(
                workerId: "worker-a", receivedAtMillis: serverMillis + 100, processedAtMillis: serverMillis + 2700))
    }

    static func json(
        stream: String, fragment: String = "91343852333181432392682062607743920146264485263", timeCode: Int = 0,
        serverMillis: Int64 = 1_511_852_109_126
    ) -> [UInt8] {
        record(stream: stream, fragment: fragment, timeCode: timeCode, serverMillis: serverMillis).json()
    }
}
