import Foundation
import KITLeases
import KITTestSupport
import Testing

/// Separate `kithost` processes on one SQLite file: the file locking, not just one process's threads, keeps the
/// leases consistent. `kithost lease-probe` runs one coordinator per process; `kithost status` reads the table.
@Suite("SQLite shared by processes", .serialized)
struct MultiProcessTests {
    static func probe(_ id: String, path: String, directory: URL) throws -> TestProcess {
        try TestProcess(
            TestPaths.kithost,
            [
                "lease-probe", "--store", "sqlite:\(path)", "--worker-id", id, "--streams", "s0,s1,s2,s3",
                "--failover-millis", "1200",
            ], outputFile: directory.appendingPathComponent("\(id).log"))
    }

    static func status(_ arguments: [String], directory: URL) async throws -> (status: Int32, output: String) {
        let process = try TestProcess(
            TestPaths.kithost, ["status"] + arguments,
            outputFile: directory.appendingPathComponent("status-\(UUID().uuidString).log"))
        let status = await process.closeInputAndWait()
        return (status, process.output)
    }

    static func owners(_ store: SQLiteLeaseStore) async throws -> [String: Int] {
        var owners: [String: Int] = [:]
        for lease in try await store.list() { owners[lease.owner ?? "-", default: 0] += 1 }
        return owners
    }

    @Test("Two processes split four leases; one is killed and the other takes all; status shows it; release on exit")
    func sharedFile() async throws {
        let directory = try LeaseTestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("leases.sqlite").path
        let store = SQLiteLeaseStore(path: path)
        let p1 = try Self.probe("p1", path: path, directory: directory)
        let p2 = try Self.probe("p2", path: path, directory: directory)
        defer {
            p1.kill()
            p2.kill()
        }
        try await store.prepare()  // racing the two processes' own prepare: one creates the table, all accept it
        try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200), "2/2 across the processes") {
            try await Self.owners(store) == ["p1": 2, "p2": 2]
        }
        try await waitUntil(interval: .milliseconds(200), "every stream checkpointed") {
            try await store.list().allSatisfy { $0.checkpoint != nil }
        }

        p1.kill()
        try await waitUntil(interval: .milliseconds(200), "p2 took p1's leases") {
            try await Self.owners(store) == ["p2": 4]
        }

        let config = directory.appendingPathComponent("kit.json")
        try Data(
            #"{"streamNames": "s0,s1,s2,s3", "inferenceUrl": "http://127.0.0.1:9/invocations", "leaseStore": "sqlite:\#(path)"}"#
                .utf8
        ).write(to: config)
        let json = try await Self.status(["--config", config.path, "--json"], directory: directory)
        #expect(json.status == 0, "\(json.output)")
        let report = try JSONDecoder().decode(LeaseTableReport.self, from: Data(json.output.utf8))
        #expect(report.leases.map(\.key) == ["s0", "s1", "s2", "s3"])
        #expect(report.owners == ["p2"])
        #expect(report.leases.allSatisfy { $0.checkpoint != nil && ($0.checkpointAgeMillis ?? -1) >= 0 })
        let table = try await Self.status(["--config", config.path], directory: directory)
        #expect(table.status == 0)
        let lines = table.output.split(separator: "\n")
        #expect(lines.count == 6 && lines[1].hasPrefix("STREAM") && lines[2].hasPrefix("s0"), "\(table.output)")

        #expect(await p2.closeInputAndWait() == 0, "\(p2.output)")
        let released = try await store.list()
        #expect(released.allSatisfy { $0.owner == nil && $0.checkpoint != nil }, "\(released)")
    }

    @Test("status: a missing SQLite file exits 1, a bad leaseStore exits 2, a corrupt file exits 1 naming it")
    func statusErrors() async throws {
        let directory = try LeaseTestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func config(_ leaseStore: String) throws -> String {
            let url = directory.appendingPathComponent("kit-\(UUID().uuidString).json")
            try Data(#"{"streamNames": ["s0"], "sageMakerEndpoint": "e", "leaseStore": "\#(leaseStore)"}"#.utf8)
                .write(to: url)
            return url.path
        }
        let missing = try await Self.status(
            ["--config", try config("sqlite:\(directory.path)/absent.sqlite")], directory: directory)
        #expect(missing.status == 1 && missing.output.contains("no lease store"), "\(missing.output)")
        let bad = try await Self.status(["--config", try config("redis:x")], directory: directory)
        #expect(bad.status == 2 && bad.output.contains("leaseStore"), "\(bad.output)")
        let corruptPath = directory.appendingPathComponent("corrupt.sqlite").path
        try Data(repeating: 0x5a, count: 4096).write(to: URL(fileURLWithPath: corruptPath))
        let corrupt = try await Self.status(["--config", try config("sqlite:\(corruptPath)")], directory: directory)
        #expect(corrupt.status == 1 && corrupt.output.contains("(corrupt,"), "\(corrupt.output)")
    }
}
