import Foundation

/// A SageMaker built-in object-detection response, `{"prediction": [[class_id, score, xmin, ymin, xmax, ymax], …]}`
/// with coordinates normalised to 0…1. Entries that are not six numbers are not guessed at: they are counted in
/// ``malformedEntries`` and left out.
public struct ObjectDetection: Sendable {
    public struct Detection: Sendable, Hashable {
        public var classID: Int
        public var score: Double
        public var xmin: Double
        public var ymin: Double
        public var xmax: Double
        public var ymax: Double

        public init(classID: Int, score: Double, xmin: Double, ymin: Double, xmax: Double, ymax: Double) {
            self.classID = classID
            self.score = score
            self.xmin = xmin
            self.ymin = ymin
            self.xmax = xmax
            self.ymax = ymax
        }
    }

    /// In the endpoint's order (SageMaker sorts by score, highest first; do not rely on it, see ``top(_:minimumScore:)``).
    public var detections: [Detection]
    public var malformedEntries: Int

    public init(detections: [Detection], malformedEntries: Int = 0) {
        self.detections = detections
        self.malformedEntries = malformedEntries
    }

    public init(json: some Collection<UInt8>) throws(KITRecordError) {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(json))
        } catch DecodingError.dataCorrupted {
            throw KITRecordError(.invalidJSON, "endpoint output is not JSON")
        } catch {
            throw KITRecordError(.notObjectDetection, "endpoint output has no \"prediction\" array of arrays")
        }
        var detections: [Detection] = []
        var malformed = 0
        for entry in wire.prediction {
            guard let numbers = entry.values, numbers.count == 6, numbers.allSatisfy(\.isFinite),
                numbers[0] == numbers[0].rounded(), abs(numbers[0]) < 1e9
            else {
                malformed += 1
                continue
            }
            detections.append(
                Detection(
                    classID: Int(numbers[0]), score: numbers[1], xmin: numbers[2], ymin: numbers[3], xmax: numbers[4],
                    ymax: numbers[5]))
        }
        self.detections = detections
        malformedEntries = malformed
    }

    private struct Wire: Decodable {
        var prediction: [Entry]
    }

    /// One entry, kept even when it is not an array of numbers (then `values` is nil) so one bad entry does not
    /// hide the good ones.
    private struct Entry: Decodable {
        var values: [Double]?
        init(from decoder: any Decoder) throws {
            values = try? decoder.singleValueContainer().decode([Double].self)
        }
    }

    /// The `count` highest-scoring detections scoring at least `minimumScore`, highest first.
    public func top(_ count: Int, minimumScore: Double = 0) -> [Detection] {
        Array(detections.filter { $0.score >= minimumScore }.sorted { $0.score > $1.score }.prefix(max(0, count)))
    }
}
