import Foundation
import Metrics
import ServiceLifecycle

/// The worker's own CPU time and resident memory, read from `/proc/self` every `interval`.
struct ProcessMetrics: Service {
    let workerId: String
    var interval: Duration = .seconds(5)

    func run() async throws {
        let dimensions = [("worker", workerId)]
        let cpu = Gauge(label: MetricName.processCPUSeconds, dimensions: dimensions)
        let memory = Gauge(label: MetricName.processResidentMemory, dimensions: dimensions)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if let sample = Self.sample() {
                cpu.record(sample.cpuSeconds)
                memory.record(Double(sample.residentBytes))
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    struct Sample {
        var cpuSeconds: Double
        var residentBytes: Int64
    }

    /// `utime + stime` (fields 14 and 15 of /proc/self/stat, after the parenthesised command) and `statm`'s resident
    /// pages.
    static func sample() -> Sample? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"),
            let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) is fields[11] and stime (15) fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pages = statm.split(separator: " ")
        guard pages.count > 1, let resident = Int64(pages[1]) else { return nil }
        return Sample(
            cpuSeconds: (user + system) / max(1, ticks), residentBytes: resident * Int64(sysconf(Int32(_SC_PAGESIZE))))
    }
}
