import AWSSigV4
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

extension MotoIntegrationTests {
    @Suite("CloudWatch")
    struct CloudWatchTests {
        @Test("PutMetricData in batches, read back with ListMetrics and GetMetricStatistics")
        func metrics() async throws {
            try await withHTTPClient { http in
                let client = try await Moto.client(.cloudWatch, transport: http)
                let cloudWatch = CloudWatchClient(client: client)
                let namespace = "KIT/\(Moto.uniqueName("test"))"
                let now = Date()
                let data = (0..<1500).map { index in
                    MetricDatum(
                        metricName: ["FramesDecoded", "EndpointLatency", "RecordsPublished"][index % 3],
                        dimensions: [MetricDimension(name: "StreamName", value: "cam-\(index % 2)")],
                        timestamp: now, value: 1, unit: index % 3 == 1 ? "Milliseconds" : "Count")
                }
                let requests = try await cloudWatch.putMetricData(namespace: namespace, data: data)
                #expect(requests == 2)

                var list = QueryParameters(action: "ListMetrics", version: CloudWatchClient.apiVersion)
                list.add("Namespace", namespace)
                let listed = try await client.query(
                    list, operation: "CloudWatch.ListMetrics", isIdempotent: true, deadline: nil)
                let metrics = listed.child("Metrics")?.children("member") ?? []
                let pairs = Set(
                    metrics.map { metric in
                        "\(metric.childText("MetricName") ?? "")/\(metric.child("Dimensions")?.child("member")?.childText("Value") ?? "")"
                    })
                #expect(
                    pairs == [
                        "FramesDecoded/cam-0", "FramesDecoded/cam-1", "EndpointLatency/cam-0",
                        "EndpointLatency/cam-1", "RecordsPublished/cam-0", "RecordsPublished/cam-1",
                    ])

                var statistics = QueryParameters(action: "GetMetricStatistics", version: CloudWatchClient.apiVersion)
                statistics.add("Namespace", namespace)
                statistics.add("MetricName", "FramesDecoded")
                statistics.add("Dimensions.member.1.Name", "StreamName")
                statistics.add("Dimensions.member.1.Value", "cam-0")
                statistics.add("StartTime", AWSTimestamps.iso8601(now.addingTimeInterval(-600)))
                statistics.add("EndTime", AWSTimestamps.iso8601(now.addingTimeInterval(600)))
                statistics.add("Period", 60)
                statistics.add("Statistics.member.1", "Sum")
                statistics.add("Statistics.member.2", "SampleCount")
                let result = try await client.query(
                    statistics, operation: "CloudWatch.GetMetricStatistics", isIdempotent: true, deadline: nil)
                let points = result.child("Datapoints")?.children("member") ?? []
                let sum = points.compactMap { $0.childText("Sum").flatMap(Double.init) }.reduce(0, +)
                // 1500 data: every third is FramesDecoded (500), half of those on cam-0.
                #expect(sum == 250)
            }
        }

        @Test("PutDashboard stores the body; GetDashboard returns it")
        func dashboard() async throws {
            try await withHTTPClient { http in
                let client = try await Moto.client(.cloudWatch, transport: http)
                let cloudWatch = CloudWatchClient(client: client)
                let name = Moto.uniqueName("KIT")
                let body =
                    #"{"widgets":[{"type":"metric","properties":{"metrics":[["KIT","FramesDecoded"]],"region":"us-east-1"}}]}"#
                let messages = try await cloudWatch.putDashboard(name: name, body: body)
                #expect(messages.isEmpty)
                var get = QueryParameters(action: "GetDashboard", version: CloudWatchClient.apiVersion)
                get.add("DashboardName", name)
                let result = try await client.query(
                    get, operation: "CloudWatch.GetDashboard", isIdempotent: true, deadline: nil)
                #expect(result.childText("DashboardBody") == body)

                let invalid = await #expect(throws: AWSError.self) {
                    try await cloudWatch.putDashboard(name: name, body: "{not json")
                }
                #expect(
                    invalid?.serviceCode == "InvalidParameterInput"
                        || invalid?.serviceCode == "DashboardInvalidInputError")
            }
        }
    }
}
