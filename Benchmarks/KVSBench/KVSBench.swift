// KVSBench: load for a running `kithost kvs-local` (see scripts/bench-kvs.sh).
//
//   KVSBench ingest URL FILE --streams N --loops L [--prefix P]
//       N concurrent KVSProducers (as fast as acks allow), each sending FILE L times to its own new stream.
//   KVSBench getmedia URL --prefix P --streams N --fragments F
//       N concurrent GetMedia sessions from EARLIEST, each parsed with MatroskaStreamParser until F fragments.
//   KVSBench live URL FILE --streams K --seconds S --server-pid PID [--prefix P]
//       K live streams (a real-time producer and a GetMedia NOW consumer each); the server's RSS before and after.
import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITTools
import KVSMatroska
import Synchronization

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

func option(_ name: String, _ arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func rssKB(pid: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
}

func makeClient(_ url: String, transport: HTTPClient) throws -> KinesisVideoClient {
    let credentials = StaticCredentialProvider(Credentials(accessKeyId: "AKIDBENCH", secretAccessKey: "bench"))
    return try KinesisVideoClient(
        region: "us-east-1", endpoint: url, credentialProvider: credentials, transport: transport, environment: [:])
}

/// Creates a stream unless it exists.
func createStream(_ client: KinesisVideoClient, name: String) async throws(AWSError) {
    do {
        _ = try await client.createStream(.init(streamName: name, dataRetentionInHours: 1))
    } catch {
        guard error.hasServiceCode("ResourceInUseException") else { throw error }
    }
}

func createStreams(_ client: KinesisVideoClient, names: [String]) async throws {
    for name in names { try await createStream(client, name: name) }
}

func ingest(_ url: String, file: String, streams: Int, loops: Int, prefix: String, transport: HTTPClient)
    async throws
{
    let client = try makeClient(url, transport: transport)
    let names = (0..<streams).map { "\(prefix)-\($0)" }
    try await createStreams(client, names: names)
    let started = ContinuousClock.now
    let summaries = try await withThrowingTaskGroup(of: KVSProducer.Summary.self) { group in
        for name in names {
            group.addTask {
                let producer = KVSProducer(
                    stream: .name(name), input: .file(file), client: client,
                    options: .init(realtime: false, loops: loops, maxFragmentsInFlight: 8))
                return try await producer.run()
            }
        }
        var all: [KVSProducer.Summary] = []
        for try await summary in group { all.append(summary) }
        return all
    }
    let elapsed = seconds(ContinuousClock.now - started)
    let bytes = summaries.reduce(0) { $0 + $1.bytesSent }
    let fragments = summaries.reduce(0) { $0 + $1.persisted }
    print(
        String(
            format: "ingest: %d stream(s), %d fragments persisted, %.1f MB in %.2f s = %.1f MB/s, %.0f fragments/s",
            streams, fragments, Double(bytes) / 1e6, elapsed, Double(bytes) / 1e6 / elapsed,
            Double(fragments) / elapsed))
}

/// Reads one GetMedia session until `fragments` fragments are parsed (nil: until it ends or the task is
/// cancelled), counting into `tally`.
func consume(
    _ client: KinesisVideoClient, stream: String, fragments: Int?, selector: KinesisVideoStartSelector,
    tally: Tally
) async throws {
    let media = try await client.mediaClient(for: .name(stream), api: .getMedia)
    let session = try await media.getMedia(GetMediaInput(stream: .name(stream), startSelector: selector))
    var parser = MatroskaStreamParser()
    let mine = Tally()
    var iterator = session.payload.makeAsyncIterator()
    while let chunk = try await iterator.next() {
        mine.add(bytes: chunk.count)
        tally.add(bytes: chunk.count)
        parser.feed(chunk) { event in
            switch event {
            case .fragment:
                mine.add(fragments: 1)
                tally.add(fragments: 1)
            case .error:
                tally.add(errors: 1)
            }
        }
        if let fragments, mine.fragments >= fragments { break }
        try Task.checkCancellation()
    }
}

/// Counts across concurrent consumers.
final class Tally: Sendable {
    private let counts = Mutex((bytes: 0, fragments: 0, errors: 0))
    func add(bytes: Int = 0, fragments: Int = 0, errors: Int = 0) {
        counts.withLock {
            $0.bytes += bytes
            $0.fragments += fragments
            $0.errors += errors
        }
    }
    var bytes: Int { counts.withLock { $0.bytes } }
    var fragments: Int { counts.withLock { $0.fragments } }
    var errors: Int { counts.withLock { $0.errors } }
}

func getMedia(_ url: String, prefix: String, streams: Int, fragments: Int, transport: HTTPClient) async throws {
    let client = try makeClient(url, transport: transport)
    let tally = Tally()
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<streams {
            group.addTask {
                try await consume(
                    client, stream: "\(prefix)-\(index)", fragments: fragments, selector: .earliest, tally: tally)
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(ContinuousClock.now - started)
    guard tally.errors == 0 else { throw BenchError(description: "\(tally.errors) parse errors") }
    let bytes = tally.bytes
    let count = tally.fragments
    print(
        String(
            format: "getmedia swift: %d session(s), %d fragments, %.1f MB in %.2f s = %.1f MB/s, %.0f fragments/s",
            streams, count, Double(bytes) / 1e6, elapsed, Double(bytes) / 1e6 / elapsed, Double(count) / elapsed))
}

func live(_ url: String, file: String, streams: Int, duration: Int, pid: String, prefix: String, transport: HTTPClient)
    async throws
{
    let client = try makeClient(url, transport: transport)
    let names = (0..<streams).map { "\(prefix)-\($0)" }
    try await createStreams(client, names: names)
    try await Task.sleep(for: .seconds(1))
    let before = rssKB(pid: pid) ?? 0
    let tally = Tally()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for name in names {
            group.addTask {
                let producer = KVSProducer(
                    stream: .name(name), input: .file(file), client: client,
                    options: .init(realtime: true, loops: 1000))
                _ = try? await producer.run()
            }
            group.addTask {
                try? await consume(client, stream: name, fragments: nil, selector: .now, tally: tally)
            }
        }
        try await Task.sleep(for: .seconds(duration))
        let after = rssKB(pid: pid) ?? 0
        print(
            String(
                format: "live: %d streams (a real-time producer and a GetMedia consumer each) for %d s: server RSS "
                    + "%.1f MB -> %.1f MB = %.0f KB per live stream", streams, duration, Double(before) / 1024,
                Double(after) / 1024, Double(after - before) / Double(streams)))
        group.cancelAll()
    }
    let consumed = tally.fragments
    print("live: consumers received \(consumed) fragments")
}

@main
struct KVSBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first, arguments.count >= 2 else {
            throw BenchError(description: "usage: KVSBench ingest|getmedia|live URL …")
        }
        let url = arguments[1]
        let transport = try HTTPClient()
        do {
            switch command {
            case "ingest":
                try await ingest(
                    url, file: arguments[2], streams: Int(option("--streams", arguments) ?? "1") ?? 1,
                    loops: Int(option("--loops", arguments) ?? "1") ?? 1,
                    prefix: option("--prefix", arguments) ?? "bench",
                    transport: transport)
            case "getmedia":
                try await getMedia(
                    url, prefix: option("--prefix", arguments) ?? "bench",
                    streams: Int(option("--streams", arguments) ?? "1") ?? 1,
                    fragments: Int(option("--fragments", arguments) ?? "1") ?? 1, transport: transport)
            case "live":
                try await live(
                    url, file: arguments[2], streams: Int(option("--streams", arguments) ?? "10") ?? 10,
                    duration: Int(option("--seconds", arguments) ?? "10") ?? 10,
                    pid: option("--server-pid", arguments) ?? "",
                    prefix: option("--prefix", arguments) ?? "live", transport: transport)
            default:
                throw BenchError(description: "unknown command \(command)")
            }
        } catch {
            print("KVSBench: \(error)")
            await transport.shutdown()
            exit(1)
        }
        await transport.shutdown()
    }
}
