/// Every metric the host emits (docs/ARCHITECTURE.md "Metrics"). The swift-metrics label is the CloudWatch metric
/// name; Prometheus shows `kit_` + its snake_case form. Dimensions: `stream`, `worker`, `plugin`, `code`.
public enum MetricName {
    // Per stream (dimensions stream, worker).
    public static let fragmentsRead = "FragmentsRead"
    public static let bytesRead = "BytesRead"
    public static let framesSampled = "FramesSampled"
    public static let framesDecoded = "FramesDecoded"
    public static let framesSkipped = "FramesSkipped"
    public static let endpointCalls = "EndpointCalls"
    public static let endpointErrors = "EndpointErrors"
    public static let recordsPublished = "RecordsPublished"
    public static let recordsFailed = "RecordsFailed"
    public static let getMediaReconnects = "GetMediaReconnects"
    public static let decodeTime = "DecodeTime"
    public static let encodeTime = "EncodeTime"
    public static let endpointLatency = "EndpointLatency"
    public static let ingestToProcessLatency = "IngestToProcessLatency"
    public static let millisBehindNow = "MillisBehindNow"
    // Per worker.
    public static let leasesHeld = "LeasesHeld"
    public static let workersSeen = "WorkersSeen"
    public static let processCPUSeconds = "ProcessCPUSeconds"
    public static let processResidentMemory = "ProcessResidentMemory"

    public static let all = [
        fragmentsRead, bytesRead, framesSampled, framesDecoded, framesSkipped, endpointCalls, endpointErrors,
        recordsPublished, recordsFailed, getMediaReconnects, decodeTime, encodeTime, endpointLatency,
        ingestToProcessLatency, millisBehindNow, leasesHeld, workersSeen, processCPUSeconds, processResidentMemory,
    ]

    /// `FramesSampled` → `kit_frames_sampled`, `ProcessCPUSeconds` → `kit_process_cpu_seconds`.
    public static func prometheusName(_ label: String) -> String {
        if label.hasPrefix("kit_") { return label }
        let chars = Array(label)
        var out = "kit"
        for (i, c) in chars.enumerated() {
            guard c.isLetter || c.isNumber else {
                out += "_"
                continue
            }
            if c.isUppercase {
                let previous = i > 0 ? chars[i - 1] : nil
                let next = i + 1 < chars.count ? chars[i + 1] : nil
                let startsWord =
                    i == 0 || previous?.isLowercase == true || previous?.isNumber == true
                    || (previous?.isUppercase == true && next?.isLowercase == true)
                if startsWord { out += "_" }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
}
