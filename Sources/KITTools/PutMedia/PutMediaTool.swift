import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport

/// `kithost put-media` without the argument parsing: builds the client (the standard credential chain, the
/// region and endpoint resolved as the AWS CLI does, or the ones given), optionally creates the stream, and runs a
/// ``KVSProducer``, reporting each acknowledgement as a JSON line and progress as text.
public enum PutMediaTool {
    public struct Options: Sendable {
        public var stream: String
        public var input: KVSProducer.Input
        public var realtime = false
        public var loops = 1
        public var endpoint: String?
        public var region: String?
        public var createStream = false
        public var maxFragmentsInFlight = 4
        public var environment = ProcessInfo.processInfo.environment

        public init(stream: String, input: KVSProducer.Input) {
            self.stream = stream
            self.input = input
        }
    }

    /// Runs the producer; `output(line, isProgress)` gets one JSON line per acknowledgement (`isProgress` false)
    /// and human progress lines (`isProgress` true). Returns the one-line summary.
    public static func run(_ options: Options, output: @escaping @Sendable (String, Bool) -> Void)
        async throws(PutMediaError) -> String
    {
        let transport: HTTPClient
        do {
            transport = try HTTPClient()
        } catch {
            throw PutMediaError(.service, "cannot start the HTTP client: \(error)")
        }
        let result: Result<String, PutMediaError>
        do {
            result = .success(try await run(options, transport: transport, output: output))
        } catch {
            result = .failure(error)
        }
        await transport.shutdown()
        return try result.get()
    }

    static func run(_ options: Options, transport: HTTPClient, output: @escaping @Sendable (String, Bool) -> Void)
        async throws(PutMediaError) -> String
    {
        let credentials = RefreshingCredentialProvider.standard(
            transport: transport, environment: options.environment)
        let client: KinesisVideoClient
        do {
            client = try KinesisVideoClient(
                region: options.region, endpoint: options.endpoint, credentialProvider: credentials,
                transport: transport, environment: options.environment)
        } catch {
            throw PutMediaError(.service, "cannot set up the Kinesis Video client", underlying: error)
        }
        if options.createStream {
            do throws(AWSError) {
                _ = try await client.createStream(.init(streamName: options.stream, dataRetentionInHours: 24))
                output("created stream \(options.stream)", true)
            } catch  where error.hasServiceCode("ResourceInUseException") {
                output("stream \(options.stream) exists", true)
            } catch {
                throw PutMediaError(.service, "CreateStream \(options.stream) failed", underlying: error)
            }
        }
        let producer = KVSProducer(
            stream: .name(options.stream), input: options.input, client: client,
            options: .init(
                realtime: options.realtime, loops: options.loops, maxFragmentsInFlight: options.maxFragmentsInFlight))
        let summary = try await producer.run { event in
            switch event {
            case .connecting(let endpoint):
                output("PutMedia to \(endpoint), stream \(options.stream)", true)
            case .fragmentSent(let sent):
                output(
                    "sent fragment \(sent.index) (loop \(sent.loop), timecode \(sent.timecode), \(sent.frames) frames, "
                        + "\(sent.bytes) bytes)", true)
            case .ack(let ack):
                output(ackJSON(ack), false)
            }
        }
        let seconds =
            Double(summary.elapsed.components.seconds)
            + Double(summary.elapsed.components.attoseconds) / 1e18
        return "done: \(summary.fragmentsSent) fragments (\(summary.bytesSent) bytes) sent, \(summary.persisted) "
            + "persisted in \(String(format: "%.2f", seconds)) s"
    }

    /// An acknowledgement as KVS spells it: `{"EventType":"PERSISTED","FragmentTimecode":…,"FragmentNumber":"…"}`.
    public static func ackJSON(_ ack: PutMediaAck) -> String {
        var line = JSONLine()
        line.add("EventType", ack.eventType.rawValue)
        if let timecode = ack.fragmentTimecode { line.add("FragmentTimecode", timecode) }
        if let number = ack.fragmentNumber { line.add("FragmentNumber", number) }
        if let id = ack.errorId { line.add("ErrorId", id) }
        if let code = ack.errorCode { line.add("ErrorCode", code) }
        return line.text
    }
}
