// Transport benchmark: streaming throughput of one response, and memory per connection with many concurrent
// streams. Run through scripts/bench-transport.sh, which starts the loopback server and runs the curl CLI against
// the same server for comparison.
//
//   TransportBench throughput <url> [--runs N] [--buffer-size BYTES]
//   TransportBench memory <base-url> [--streams N]
import Foundation
import HTTPTransport

#if canImport(Glibc)
    import Glibc
#endif

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

/// Resident set size of this process, from /proc (Linux).
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
        return 0
    }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
    return 0
}

/// User + system CPU seconds used by this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func throughput(url: String, runs: Int, bufferSize: Int?) async throws {
    var configuration = HTTPClient.Configuration()
    if let bufferSize { configuration.receiveBufferSize = bufferSize }
    let client = try HTTPClient(configuration: configuration)
    var best = 0.0
    for run in 1...runs {
        let cpuStart = cpuSeconds()
        let start = ContinuousClock.now
        let response = try await client.stream(HTTPRequest(url: url))
        guard response.status == 200 else { throw BenchError(description: "status \(response.status)") }
        var bytes = 0
        for try await chunk in response.body { bytes += chunk.count }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytesPerSecond = Double(bytes) / seconds / 1e6
        let cpu = cpuSeconds() - cpuStart
        best = max(best, megabytesPerSecond)
        print(
            String(
                format: "swift run %d: %d bytes in %.3f s = %.1f MB/s, cpu %.2f s (%.2f s/GB)", run, bytes,
                seconds,
                megabytesPerSecond, cpu, cpu / (Double(bytes) / 1e9)))
    }
    print(
        String(
            format: "swift best: %.1f MB/s (receive buffer %d)", best, configuration.receiveBufferSize))
    await client.shutdown()
}

/// Counts streams that reached a milestone, and tells them when to stop.
actor Coordinator {
    private(set) var ready = 0
    private(set) var stopped = false
    private(set) var failures: [String] = []
    func markReady() { ready += 1 }
    func fail(_ message: String) { failures.append(message) }
    func stop() { stopped = true }
}

/// Opens `streams` concurrent streaming responses on one client and reports the RSS they cost.
/// `drain`: consumers keep up with a slow stream (steady state of a live camera feed);
/// otherwise consumers stop reading after the first chunk so every buffer fills to its cap (worst case).
func memory(base: String, streams: Int, drain: Bool) async throws {
    let configuration = HTTPClient.Configuration()
    let client = try HTTPClient(configuration: configuration)
    _ = try await client.execute(HTTPRequest(url: base + "/hello"))  // warm up the loop thread and allocator
    let baseline = residentBytes()
    let coordinator = Coordinator()
    let path = drain ? "/drip?chunk=4096&interval=0.05" : "/big"
    let measured = try await withThrowingTaskGroup(of: Void.self) { group -> Int in
        for _ in 0..<streams {
            group.addTask {
                do {
                    let response = try await client.stream(HTTPRequest(url: base + path))
                    var iterator = response.body.makeAsyncIterator()
                    var chunks = 0
                    while await !coordinator.stopped {
                        if drain || chunks == 0 {
                            guard try await iterator.next() != nil else { break }
                            chunks += 1
                            if chunks == (drain ? 3 : 1) { await coordinator.markReady() }
                        } else {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    response.body.cancel()
                } catch {
                    await coordinator.fail("\(error)")
                }
            }
        }
        let end = ContinuousClock.now + .seconds(60)
        while await coordinator.ready + coordinator.failures.count < streams, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .seconds(2))  // let buffers reach their steady state
        let resident = residentBytes()
        await coordinator.stop()
        try await group.waitForAll()
        return resident
    }
    let failures = await coordinator.failures
    let ready = await coordinator.ready
    let delta = measured - baseline
    print(
        String(
            format:
                "memory (%@): %d/%d streams live, %d failed; RSS %.1f MB -> %.1f MB, delta %.1f MB = %.1f KB per stream",
            drain ? "consumers keep up" : "consumers stalled, buffers full", ready, streams,
            failures.count,
            Double(baseline) / 1e6, Double(measured) / 1e6, Double(delta) / 1e6,
            Double(delta) / Double(streams) / 1e3))
    if let first = failures.first { print("first failure: \(first)") }
    print(
        "  (stream buffer cap \(configuration.streamBufferCapacity) B, curl receive buffer \(configuration.receiveBufferSize) B)"
    )
    await client.shutdown()
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "throughput" where arguments.count >= 2:
        try await throughput(
            url: arguments[1], runs: option("--runs", in: arguments).flatMap(Int.init) ?? 3,
            bufferSize: option("--buffer-size", in: arguments).flatMap(Int.init))
    case "memory" where arguments.count >= 2:
        let streams = option("--streams", in: arguments).flatMap(Int.init) ?? 200
        try await memory(base: arguments[1], streams: streams, drain: !arguments.contains("--stalled"))
    default:
        print(
            "usage: TransportBench throughput <url> [--runs N] [--buffer-size B] | memory <base-url> [--streams N] [--stalled]"
        )
        exit(2)
    }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
