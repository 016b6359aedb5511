import ArgumentParser
import KITTools

#if canImport(Glibc)
    import Glibc
#endif

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract:
            "Print one JSON line per fragment of a GetMedia capture or Matroska file; optionally extract key frames.")

    @Argument(help: "A GetMedia capture, GetMediaForFragmentList output or Matroska file; '-' reads standard input.")
    var input: String

    @Flag(help: "Also print one JSON line per frame.")
    var frames = false

    @Option(help: "Write the sampled key frames of the video track to this directory.")
    var extract: String?

    @Option(help: "Image format for --extract: jpeg or png.")
    var format = "jpeg"

    @Option(help: "Extract every Nth key frame (KIT's inferenceInterval).")
    var interval = 1

    @Option(help: "JPEG quality, 1-100.")
    var quality = 90

    @Option(help: "Bytes per read (for testing chunking).")
    var chunkSize = 1 << 16

    func run() throws {
        var options = Inspect.Options(input: input)
        options.showFrames = frames
        options.extractDirectory = extract
        options.format = format
        options.interval = interval
        options.quality = quality
        options.chunkSize = chunkSize
        let summary: Inspect.Summary
        do {
            summary = try Inspect.run(options) { print($0) }
        } catch {
            printError("kithost inspect: \(error.description)")
            throw ExitCode(2)
        }
        if summary.errors > 0 {
            printError("kithost inspect: \(summary.errors) error(s) in the input; see the \"error\" lines")
            throw ExitCode(1)
        }
    }
}

func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
