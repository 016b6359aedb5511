import AWSCore
import Foundation
import HTTPTransportCore

/// Amazon CloudWatch over the query protocol (one of the three the model lists, and the one moto serves):
/// publishing metrics in batches the API accepts, and dashboards.
public struct CloudWatchClient: AWSServiceClient {
    public static let service = AWSService.cloudWatch
    public let client: AWSClient
    static let apiVersion = "2010-08-01"

    public init(client: AWSClient) {
        self.client = client
    }

    /// The API's per-call limits.
    public struct Limits: Sendable, Hashable {
        /// Metric data per request (1000 since 2023).
        public var maxDataPerRequest: Int = 1000
        /// Encoded request body bytes (1 MB).
        public var maxBodyBytes: Int = 1_000_000
        /// Values (and counts) per datum (150).
        public var maxValuesPerDatum: Int = 150
        /// Dimensions per datum (30).
        public var maxDimensions: Int = 30

        public init() {}
    }

    /// Publishes `data` under `namespace` in as many `PutMetricData` calls as the limits need: data with more
    /// than ``Limits/maxValuesPerDatum`` values are split into several data, and requests are cut by datum count
    /// and body size. Returns the number of requests sent. Throws the first failed request's error (earlier
    /// batches stay published).
    @discardableResult
    public func putMetricData(
        namespace: String, data: [MetricDatum], limits: Limits = Limits(), deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> Int {
        let operation = "CloudWatch.PutMetricData"
        var split: [MetricDatum] = []
        for datum in data {
            guard datum.dimensions.count <= limits.maxDimensions else {
                throw AWSError(
                    .invalidRequest, operation: operation,
                    "\(datum.metricName) has \(datum.dimensions.count) dimensions (at most \(limits.maxDimensions))")
            }
            split += Self.splitValues(datum, max: limits.maxValuesPerDatum)
        }
        var requests = 0
        for batch in try Self.batches(namespace: namespace, data: split, limits: limits) {
            var parameters = QueryParameters(action: "PutMetricData", version: Self.apiVersion)
            parameters.add("Namespace", namespace)
            for (index, datum) in batch.enumerated() { datum.encode(into: &parameters, index: index + 1) }
            // Data points are not idempotent (a repeat counts twice), so only throttling is retried.
            _ = try await client.query(parameters, operation: operation, isIdempotent: false, deadline: deadline)
            requests += 1
        }
        return requests
    }

    /// Creates or replaces a dashboard; returns the validation messages CloudWatch reported.
    @discardableResult
    public func putDashboard(name: String, body: String, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> [DashboardValidationMessage]
    {
        var parameters = QueryParameters(action: "PutDashboard", version: Self.apiVersion)
        parameters.add("DashboardName", name)
        parameters.add("DashboardBody", body)
        let result = try await client.query(
            parameters, operation: "CloudWatch.PutDashboard", isIdempotent: true, deadline: deadline)
        return (result.child("DashboardValidationMessages")?.children("member") ?? []).map {
            DashboardValidationMessage(dataPath: $0.childText("DataPath"), message: $0.childText("Message"))
        }
    }

    static func splitValues(_ datum: MetricDatum, max: Int) -> [MetricDatum] {
        guard datum.values.count > max else { return [datum] }
        return stride(from: 0, to: datum.values.count, by: max).map { start in
            var part = datum
            let end = min(start + max, datum.values.count)
            part.values = Array(datum.values[start..<end])
            part.counts = datum.counts.isEmpty ? [] : Array(datum.counts[start..<min(end, datum.counts.count)])
            return part
        }
    }

    /// Cuts `data` into requests within the datum-count and body-size limits.
    static func batches(namespace: String, data: [MetricDatum], limits: Limits) throws(AWSError) -> [[MetricDatum]] {
        var header = QueryParameters(action: "PutMetricData", version: apiVersion)
        header.add("Namespace", namespace)
        let overhead = header.encoded.count
        var batches: [[MetricDatum]] = []
        var current: [MetricDatum] = []
        var bytes = overhead
        for datum in data {
            // Sized at the largest index it could get, so the real body is never bigger.
            var alone = QueryParameters(action: "", version: "")
            datum.encode(into: &alone, index: limits.maxDataPerRequest)
            let size = alone.encoded.count - "Action=&Version=".count + 1
            guard overhead + size <= limits.maxBodyBytes else {
                throw AWSError(
                    .invalidRequest, operation: "CloudWatch.PutMetricData",
                    "datum \(datum.metricName) alone exceeds \(limits.maxBodyBytes) bytes")
            }
            if !current.isEmpty, current.count == limits.maxDataPerRequest || bytes + size > limits.maxBodyBytes {
                batches.append(current)
                current = []
                bytes = overhead
            }
            current.append(datum)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
