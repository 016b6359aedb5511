import Foundation
import KITPlugins

/// The engine's seam to the plugins: each fragment's published records go to the ``PluginDispatcher`` (Lambda
/// event-source-mapping semantics, in process); the fragment may be checkpointed once every plugin took or
/// dead-lettered them.
public struct PluginResultDispatcher: ResultDispatching {
    public let dispatcher: PluginDispatcher

    public init(dispatcher: PluginDispatcher) { self.dispatcher = dispatcher }

    public func dispatch(stream: String, records: [ResultEnvelope]) -> @Sendable () async -> Bool {
        let delivery = dispatcher.enqueue(
            stream: stream,
            records: records.map {
                DispatchRecord(
                    streamName: $0.streamName, data: $0.data, partitionKey: $0.partitionKey,
                    sequenceNumber: $0.sequenceNumber, approximateArrivalTimestamp: $0.arrivalTimestamp,
                    eventSourceARN: $0.eventSourceARN, awsRegion: $0.awsRegion, image: $0.image,
                    imageContentType: $0.imageContentType)
            })
        return { await delivery.wait() }
    }
}

extension HostConfiguration {
    /// The dispatcher settings from `pluginDir`, `plugins`, `pluginBatchSize`, `pluginBatchWindowMillis` and
    /// `deadLetter` (default: a `dead-letter` directory beside the working directory).
    public var pluginDispatcherConfiguration: PluginDispatcher.Configuration {
        var configs: [String: [UInt8]] = [:]
        for (name, value) in plugins { configs[name] = Array(value.json.utf8) }
        let deadLetter: DeadLetterDestination =
            switch self.deadLetter {
            case .directory(let path)?: .directory(path)
            case .s3(let bucket, let prefix)?: .s3(bucket: bucket, prefix: prefix)
            case nil: .directory("dead-letter")
            }
        return PluginDispatcher.Configuration(
            pluginDirectory: pluginDir, pluginConfigs: configs, batchSize: pluginBatchSize,
            batchWindow: .milliseconds(pluginBatchWindowMillis), deadline: .milliseconds(pluginDeadlineMillis),
            maxRetries: pluginMaxRetries, deadLetter: deadLetter, allowedDigests: Set(pluginAllowedDigests))
    }
}
