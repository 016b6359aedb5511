import AWSClients
import KITLeases
import KITMedia
import KVSMatroska
import Logging

/// The parts a daemon shares between its pipelines, made once at start from the ``AWSClientFactory``.
extension HostDaemon {
    struct Parts: Sendable {
        var region: String
        var control: KinesisVideoClient
        var tagging: ResourceGroupsTaggingClient?
        var scheduler: InferenceScheduler
        var publisher: any ResultPublisher
        var store: any LeaseStore
    }

    func makeParts() async throws -> Parts {
        let c = configuration
        let aws = dependencies.aws
        let control = try aws.kinesisVideo()
        let tagging = c.tagFilters.isEmpty ? nil : try aws.tagging()
        let scheduler = InferenceScheduler(
            target: try aws.inferenceTarget(url: c.inferenceUrl, endpoint: c.sageMakerEndpoint),
            configuration: .init(
                queueSize: c.sageMakerTaskQueueSize, concurrency: c.sageMakerTaskThreadPoolSize,
                timeout: .milliseconds(c.sageMakerTaskTimeoutInMilli), contentType: c.endPointAcceptContentType),
            logger: logger)
        let publisher: any ResultPublisher
        if let kds = c.kdsStreamName {
            let kinesis = try aws.kinesis()
            let summary = try await kinesis.describeStreamSummary(kds)
            publisher = KinesisResultPublisher(
                streamName: kds, streamARN: summary.streamARN, client: kinesis, workerId: c.workerId, logger: logger)
        } else if let file = c.effectiveResultsFile {
            publisher = try JSONLResultPublisher(path: file)
        } else {
            throw ConfigurationError(key: "kdsStreamName", message: "set kdsStreamName or resultsFile")
        }
        let store = try aws.leaseStore(c.leaseStore)
        try await store.prepare()
        return Parts(
            region: aws.region, control: control, tagging: tagging, scheduler: scheduler,
            publisher: publisher, store: store)
    }

    /// A pipeline for the stream of `lease`, from its checkpoint (the continuation token, else after the fragment
    /// number) or, for a lease never checkpointed, from the configured start.
    func makePipeline(
        for lease: Lease, parts: Parts, checkpointer: LeaseCheckpointer
    ) -> (pipeline: StreamPipeline, from: StreamPosition) {
        let position: StreamPosition
        if let token = lease.checkpoint?.continuationToken {
            position = .continuation(token)
        } else if let number = lease.checkpoint?.fragmentNumber {
            position = .afterFragment(number)
        } else {
            position = configuration.startSelector == .earliest ? .earliest : .now
        }
        let settings = StreamPipeline.Settings(
            inferenceInterval: configuration.inferenceInterval, maxFramesPerSecond: configuration.maxFramesPerSecond,
            skipWhenBehind: configuration.skipWhenBehind,
            imageFormat: ImageFormat(mimeType: configuration.endPointAcceptContentType) ?? .jpeg,
            workerId: configuration.workerId, region: parts.region)
        let pipeline = StreamPipeline(
            stream: lease.key, settings: settings, control: parts.control, scheduler: parts.scheduler,
            publisher: parts.publisher, dispatcher: dependencies.dispatcher, checkpointer: checkpointer,
            logger: logger)
        return (pipeline, position)
    }
}

/// Checkpoints through the lease coordinator (conditional on this worker's current tenure).
struct LeaseCheckpointer: StreamCheckpointing {
    let coordinator: LeaseCoordinator
    func checkpoint(stream: String, fragment: FragmentMetadata) async throws -> Bool {
        try await coordinator.checkpoint(
            key: stream,
            Checkpoint(
                fragmentNumber: fragment.fragmentNumber, continuationToken: fragment.continuationToken,
                serverTimestampMillis: fragment.serverTimestampMillis,
                producerTimestampMillis: fragment.producerTimestampMillis))
    }
}
