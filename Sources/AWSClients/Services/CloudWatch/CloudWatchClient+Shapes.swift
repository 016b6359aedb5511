import Foundation

public struct MetricDimension: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Pre-aggregated statistics for one datum.
public struct MetricStatisticSet: Sendable, Hashable {
    public var sampleCount: Double
    public var sum: Double
    public var minimum: Double
    public var maximum: Double

    public init(sampleCount: Double, sum: Double, minimum: Double, maximum: Double) {
        self.sampleCount = sampleCount
        self.sum = sum
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// One `MetricDatum`: a single value, a statistic set, or values with counts (a histogram).
public struct MetricDatum: Sendable, Hashable {
    public var metricName: String
    public var dimensions: [MetricDimension]
    public var timestamp: Date?
    public var value: Double?
    public var statisticValues: MetricStatisticSet?
    public var values: [Double]
    /// One count per entry of ``values`` (or empty: each value counted once).
    public var counts: [Double]
    /// `Seconds`, `Milliseconds`, `Bytes`, `Count`, `Count/Second`, … (CloudWatch's `StandardUnit`).
    public var unit: String?
    /// 1 for high resolution, 60 (default) for standard.
    public var storageResolution: Int?

    public init(
        metricName: String, dimensions: [MetricDimension] = [], timestamp: Date? = nil, value: Double? = nil,
        statisticValues: MetricStatisticSet? = nil, values: [Double] = [], counts: [Double] = [],
        unit: String? = nil, storageResolution: Int? = nil
    ) {
        self.metricName = metricName
        self.dimensions = dimensions
        self.timestamp = timestamp
        self.value = value
        self.statisticValues = statisticValues
        self.values = values
        self.counts = counts
        self.unit = unit
        self.storageResolution = storageResolution
    }

    /// Appends this datum's query parameters as `MetricData.member.{index}.…`, in the model's member order.
    func encode(into parameters: inout QueryParameters, index: Int) {
        let prefix = "MetricData.member.\(index)."
        parameters.add(prefix + "MetricName", metricName)
        for (position, dimension) in dimensions.enumerated() {
            parameters.add(prefix + "Dimensions.member.\(position + 1).Name", dimension.name)
            parameters.add(prefix + "Dimensions.member.\(position + 1).Value", dimension.value)
        }
        parameters.add(prefix + "Timestamp", timestamp.map(AWSTimestamps.iso8601))
        parameters.add(prefix + "Value", value)
        if let statisticValues {
            parameters.add(prefix + "StatisticValues.SampleCount", statisticValues.sampleCount)
            parameters.add(prefix + "StatisticValues.Sum", statisticValues.sum)
            parameters.add(prefix + "StatisticValues.Minimum", statisticValues.minimum)
            parameters.add(prefix + "StatisticValues.Maximum", statisticValues.maximum)
        }
        for (position, value) in values.enumerated() {
            parameters.add(prefix + "Values.member.\(position + 1)", value)
        }
        for (position, count) in counts.enumerated() {
            parameters.add(prefix + "Counts.member.\(position + 1)", count)
        }
        parameters.add(prefix + "Unit", unit)
        parameters.add(prefix + "StorageResolution", storageResolution)
    }
}

/// A problem `PutDashboard` found in the dashboard body (the dashboard is still saved when only warnings).
public struct DashboardValidationMessage: Sendable, Hashable {
    public var dataPath: String?
    public var message: String?
}
