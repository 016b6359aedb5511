import Foundation
import Testing

@testable import KITLeases

@Suite("lease table report")
struct LeaseTableReportTests {
    @Test("Ages and lag are computed from the given now; the table is aligned and JSON round-trips")
    func report() throws {
        let now: Int64 = 1_800_000_000_000
        let leases = [
            Lease(
                key: "cam-2", owner: "worker-b", counter: 41,
                checkpoint: Checkpoint(
                    fragmentNumber: "91343852333181432392682062607743920146264440341",
                    serverTimestampMillis: now - 2_500),
                lastUpdatedMillis: now - 300, checkpointWrittenMillis: now - 1_200),
            Lease(key: "cam-1", counter: 7, lastUpdatedMillis: now - 4_000_000),
        ]
        let report = LeaseTableReport(store: "sqlite:/tmp/l.sqlite", leases: leases, nowMillis: now)
        #expect(report.leases.map(\.key) == ["cam-1", "cam-2"])
        #expect(report.owners == ["worker-b"])
        #expect(report.leases[1].lagMillis == 2_500 && report.leases[1].checkpointAgeMillis == 1_200)
        #expect(report.leases[0].lagMillis == nil && report.leases[0].updatedAgoMillis == 4_000_000)

        let lines = report.table().split(separator: "\n").map(String.init)
        #expect(lines[0] == "sqlite:/tmp/l.sqlite: 2 lease(s), 1 owner(s)")
        #expect(lines[1].hasPrefix("STREAM  OWNER     COUNTER  SWITCHES  CHECKPOINT"))
        #expect(lines[2].hasPrefix("cam-1   -         7        0         -"))
        #expect(lines[3].hasSuffix("1.2s            2.5s"))
        // Columns line up: every row's counter starts where the header's does.
        let column = try #require(lines[1].range(of: "COUNTER")).lowerBound.utf16Offset(in: lines[1])
        for line in lines[2...] { #expect(Array(line)[column].isNumber) }

        let decoded = try JSONDecoder().decode(LeaseTableReport.self, from: Data(try report.json().utf8))
        #expect(decoded == report)
    }

    @Test("Durations read at a glance")
    func durations() {
        #expect(LeaseTableReport.duration(nil) == "-")
        #expect(LeaseTableReport.duration(850) == "850ms")
        #expect(LeaseTableReport.duration(12_345) == "12.3s")
        #expect(LeaseTableReport.duration(245_000) == "4m05s")
        #expect(LeaseTableReport.duration(7_380_000) == "2h03m")
        #expect(LeaseTableReport.duration(-1_500) == "-1.5s")
    }
}
