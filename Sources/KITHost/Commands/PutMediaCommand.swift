import ArgumentParser
import KITTools

/// `kithost put-media`: streams a Matroska file through PutMedia, one Cluster per GOP. Acknowledgements go to
/// standard output, one JSON line each; progress and the summary go to standard error.
struct PutMediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put-media",
        abstract: "Stream a Matroska file to a Kinesis video stream through PutMedia (one fragment per GOP).")

    @Option(help: "Stream name.")
    var stream: String

    @Argument(help: "A Matroska file; '-' reads standard input.")
    var input: String

    @Flag(help: "Send each GOP when its time comes (a camera's pace) instead of as fast as acks allow.")
    var realtime = false

    @Option(help: "Send the file this many times; timecodes continue across loops.")
    var loop = 1

    @Option(help: "Service endpoint (default: AWS_ENDPOINT_URL_KINESIS_VIDEO, AWS_ENDPOINT_URL, else AWS).")
    var endpointUrl: String?

    @Option(help: "Region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region).")
    var region: String?

    @Flag(help: "Create the stream first if it does not exist.")
    var createStream = false

    @Option(help: "Fragments sent ahead of the last acknowledgement (without --realtime).")
    var inFlight = 4

    @Flag(help: "Do not print progress to standard error.")
    var quiet = false

    func validate() throws {
        guard loop >= 1 else { throw ValidationError("--loop must be at least 1") }
        guard inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        guard !(input == "-" && loop > 1) else { throw ValidationError("standard input cannot be looped; give a file") }
    }

    func run() async throws {
        var options = PutMediaTool.Options(stream: stream, input: input == "-" ? .standardInput : .file(input))
        options.realtime = realtime
        options.loops = loop
        options.endpoint = endpointUrl
        options.region = region
        options.createStream = createStream
        options.maxFragmentsInFlight = inFlight
        let quiet = quiet
        do {
            let summary = try await PutMediaTool.run(options) { line, isProgress in
                if isProgress {
                    if !quiet { writeLine(line, to: 2) }
                } else {
                    writeLine(line, to: 1)
                }
            }
            if !quiet { writeLine(summary, to: 2) }
        } catch {
            printError("kithost put-media: \(error)")
            throw ExitCode(1)
        }
    }
}
