import ArgumentParser

/// `kithost`: the KIT-Swift command line. Kept thin: each subcommand parses its flags and calls a library.
@main
struct KITHost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kithost",
        abstract: "Kinesis Video Streams → key frames → ML inference → plugins.",
        subcommands: [
            // One line per subcommand; each lives in Commands/.
            InspectCommand.self,
            KVSLocalCommand.self,
            PutMediaCommand.self,
            PluginsCommand.self,
            RunCommand.self,
            StatusCommand.self,
            LeaseProbeCommand.self,
        ])
}
