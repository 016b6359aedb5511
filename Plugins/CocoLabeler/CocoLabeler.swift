import Foundation
import PluginAPI

/// Names what the SageMaker object-detection model saw, as the blog's Lambda does: for each record, the top
/// detections (default 5) scoring at least `threshold` are logged as "detected object: person, with probability:
/// 0.97" (the blog's words). With `liveViewDirectory` set, the record's frame is written there with the labelled
/// boxes drawn on it, as `{stream}/latest.jpg` (replaced atomically: a live view polls it) and, with
/// `keepFrames`, also as `{stream}/{fragmentNumber}-{frameTimecode}.jpg`.
///
/// Class ids outside the 80 COCO names, entries that are not `[class, score, xmin, ymin, xmax, ymax]`, and
/// outputs that are not object detection at all are logged and skipped: a model answering something else is not
/// the record's fault, so it does not fail the batch. A record whose inference failed has no output at all: it is
/// logged as a failed inference (with the error, status and attempts) and skipped, never read as "no detections".
///
/// Configuration (JSON): `threshold` (0.5), `top` (5), `liveViewDirectory`, `keepFrames` (false),
/// `jpegQuality` (85).
public struct CocoLabelerHandler: KITPluginHandler {
    public static let name = "CocoLabeler"
    public static let version = "1.0.0"

    struct Configuration: Decodable {
        var threshold: Double?
        var top: Int?
        var liveViewDirectory: String?
        var keepFrames: Bool?
        var jpegQuality: Int?
    }

    let threshold: Double
    let top: Int
    let liveView: URL?
    let keepFrames: Bool
    let quality: Int

    public init(context: PluginInitContext) throws {
        let configuration = try context.configuration.decode(Configuration.self)
        threshold = configuration.threshold ?? 0.5
        top = configuration.top ?? 5
        liveView = configuration.liveViewDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) }
        keepFrames = configuration.keepFrames ?? false
        quality = configuration.jpegQuality ?? 85
    }

    public func handle(_ event: KinesisEvent, context: PluginContext) async throws {
        for record in event.records {
            try Task.checkCancellation()
            label(record, context: context)
        }
    }

    func label(_ record: KinesisEvent.Record, context: PluginContext) {
        let logger = context.logger
        let kit: KITRecord
        let detection: ObjectDetection
        do {
            kit = try record.kitRecord()
        } catch {
            logger.warning("skipped record: \(error)", metadata: ["eventID": "\(record.eventID)"])
            return
        }
        if let failure = kit.inference.failure {
            Counter(label: "CocoLabelerFailedInferences", dimensions: [("stream", kit.streamName)]).increment()
            logger.warning(
                "skipped record: the inference failed",
                metadata: [
                    "eventID": "\(record.eventID)", "record": "\(kit.id)", "error": "\(failure.message)",
                    "status": "\(failure.status.map(String.init) ?? "none")",
                    "attempts": "\(kit.inference.attempts.map(String.init) ?? "unknown")",
                ])
            return
        }
        do {
            detection = try kit.objectDetection()
        } catch {
            logger.warning("skipped record: \(error)", metadata: ["eventID": "\(record.eventID)"])
            return
        }
        if detection.malformedEntries > 0 {
            logger.warning(
                "skipped \(detection.malformedEntries) malformed prediction entries",
                metadata: ["eventID": "\(record.eventID)"])
        }
        var boxes: [LabelledFrame.Box] = []
        for found in detection.top(top, minimumScore: threshold) {
            guard let name = CocoNames.name(found.classID) else {
                logger.warning(
                    "skipped detection with class id \(found.classID), outside the 80 COCO classes",
                    metadata: ["eventID": "\(record.eventID)"])
                continue
            }
            logger.info("detected object: \(name), with probability: \(found.score)")
            Counter(label: "CocoLabelerDetections", dimensions: [("label", name)]).increment()
            boxes.append(
                LabelledFrame.Box(
                    label: "\(name) \(Int((found.score * 100).rounded()))%", xmin: found.xmin, ymin: found.ymin,
                    xmax: found.xmax, ymax: found.ymax, classID: found.classID))
        }
        guard let liveView else { return }
        guard let image = context.image(for: record) else {
            logger.debug("no frame from the host for the live view", metadata: ["eventID": "\(record.eventID)"])
            return
        }
        guard image.contentType == "image/jpeg" else {
            logger.debug("live view draws on JPEG frames only, not \(image.contentType)")
            return
        }
        do {
            let drawn = try LabelledFrame.draw(jpeg: image.bytes, boxes: boxes, quality: quality)
            let directory = liveView.appendingPathComponent(kit.streamName, isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(drawn).write(to: directory.appendingPathComponent("latest.jpg"), options: .atomic)
            if keepFrames {
                let name = "\(kit.fragment.fragmentNumber)-\(kit.frame.timeCode).jpg"
                try Data(drawn).write(to: directory.appendingPathComponent(name), options: .atomic)
            }
        } catch {
            logger.warning("live view frame not written: \(error)", metadata: ["eventID": "\(record.eventID)"])
        }
    }
}
