// The port of the blog's Lambda shown in docs/PLUGINS.md, compiled and run so the guide stays true. (Its export
// line is left out: a test bundle may hold only one `kit_plugin_entry`, and the harness does not need it.)
import Foundation
import PluginAPI
import PluginTesting
import Testing

struct BlogArchive: KITRecordHandler {  // one record at a time, decoded, in order
    static let name = "BlogArchive"
    static let version = "1.0.0"
    struct Configuration: Decodable { var bucket: String }
    let bucket: String
    let s3: S3Client
    let aws: PluginAWS

    init(context: PluginInitContext) async throws {
        bucket = try context.configuration.decode(Configuration.self).bucket  // a typo'd key is an error
        aws = context.aws
        s3 = try aws.s3()  // signed by the host, sent by its transport
    }

    func handle(_ record: KITRecord, context: PluginContext) async throws {
        if let failure = record.inference.failure {  // Python would print an empty prediction here
            context.logger.warning("no inference for \(record.id): \(failure)")
            return
        }
        for found in try record.objectDetection().top(5) {
            context.logger.info("detected object: \(category(found.classID)), with probability: \(found.score)")
        }
        let media = try await aws.archivedMedia(for: record.streamName, deadline: context.deadline)
            .getMediaForFragmentList(.name(record.streamName), fragments: [record.fragment.fragmentNumber])
        var webm: [UInt8] = []
        for try await chunk in media.payload { webm += chunk }
        let key = "\(record.streamName)/\(record.fragment.fragmentNumber)-\(record.frame.timeCode)"  // no collisions
        try await s3.putObject(bucket: bucket, key: key + ".webm", body: webm, contentType: "video/webm")
        try await s3.putObject(bucket: bucket, key: key + ".txt", body: record.json(), contentType: "application/json")
    }
}

let objectCategories = ["person", "bicycle", "car", "motorbike", "aeroplane"]  // … the blog's 80 COCO names
func category(_ id: Int) -> String { objectCategories.indices.contains(id) ? objectCategories[id] : "class \(id)" }

@Suite struct PortGuideTests {
    @Test func theGuidesPortSkipsAFailedInferenceAndRefusesAnUnknownKey() async throws {
        let plugin = try await PluginHarness(BlogArchive.export, configuration: #"{"bucket":"b"}"#)
        let response = try await plugin.invoke([KITRecord.test(inferenceError: "HTTP 503", errorStatus: 503)])
        #expect(response.isSuccess)
        #expect(!plugin.logs.messages(containing: "no inference for").isEmpty)
        await #expect(throws: PluginConfigurationError.self) {
            _ = try await PluginHarness(BlogArchive.export, configuration: #"{"bucket":"b","bucker":"c"}"#)
        }
    }
}
