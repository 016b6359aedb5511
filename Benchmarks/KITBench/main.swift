// kit-bench: measurements, never assertions. One subcommand per concern, each in its own file.
import Foundation

let usage = """
    usage: kit-bench <subcommand> [options]
      jpeg FILE.mkv [--format jpeg|png] [--quality Q] [--png-level L] [--out DIR] [--repeat N]
                       decode every key frame and encode it, on one thread; prints frames/s
      parser FILE... [--seconds S] [--chunk BYTES]
                       Matroska parser throughput per core
    """

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "jpeg":
    exit(runJPEGBench(Array(arguments.dropFirst())))
case "parser":
    exit(runParserBench(Array(arguments.dropFirst())))
default:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
