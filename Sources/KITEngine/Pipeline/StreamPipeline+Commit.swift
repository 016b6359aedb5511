import Foundation
import KITAsync
import KITMedia
import KITPlugins
import KITRecords
import KVSMatroska
import Metrics
import Synchronization

/// The committer and checkpointer stages: per fragment, in order, records → publish → plugins → checkpoint.
extension StreamPipeline {
    /// A published fragment waiting for the plugins: `delivered` returns once they took its records (`true`) or
    /// gave up on some (`false`: the fragment must not be checkpointed).
    struct CommittedFragment: Sendable {
        var metadata: FragmentMetadata
        var delivered: @Sendable () async -> Bool
    }

    /// For each fragment read, in order: awaits its frames' outcomes, publishes their records (retried until
    /// accepted) and hands them to the plugins. Finishes `checkpoints` however it ends.
    func commitStage(
        _ fragments: AsyncStream<FragmentWork>, into checkpoints: AsyncStream<CommittedFragment>.Continuation
    ) async throws {
        defer { checkpoints.finish() }
        for await work in fragments {
            var records: [KITRecord] = []
            for sampled in work.frames {
                // No outcome, or a cancelled inference: the pipeline is stopping and the fragment stays unpublished.
                guard let outcome = await sampled.outcome.value(), !outcome.cancelled else {
                    throw CancellationError()
                }
                try Task.checkCancellation()
                records.append(
                    KITRecord(
                        streamName: stream, fragment: work.metadata, sampled: sampled,
                        imageContentType: settings.imageFormat.mimeType, outcome: outcome,
                        processing: KITRecord.Processing(
                            workerId: settings.workerId, receivedAtMillis: work.receivedAtMillis,
                            processedAtMillis: Self.nowMillis)))
            }
            let delivered = try await publish(records, images: work.frames.map(\.image.bytes), of: work.metadata)
            checkpoints.yield(CommittedFragment(metadata: work.metadata, delivered: delivered))
        }
    }

    /// For each published fragment, in order: waits for the plugins' delivery, then checkpoints it, which lets the
    /// reader take one more fragment.
    func checkpointStage(_ committed: AsyncStream<CommittedFragment>, inFlight: AsyncSemaphore) async throws {
        for await fragment in committed {
            guard await fragment.delivered() else {
                throw StopReason.deliveryFailed(fragment.metadata.fragmentNumber)
            }
            try Task.checkCancellation()
            guard try await checkpointer.checkpoint(stream: stream, fragment: fragment.metadata) else {
                throw StopReason.leaseLost
            }
            stats.withLock { $0.checkpointedFragment = fragment.metadata.fragmentNumber }
            inFlight.release()
        }
    }

    /// Publishes one fragment's records and hands them to the plugins; returns how to wait for their delivery.
    private func publish(_ records: [KITRecord], images: [[UInt8]], of fragment: FragmentMetadata) async throws
        -> @Sendable () async -> Bool
    {
        guard !records.isEmpty else { return { true } }
        let payloads = records.map { $0.json() }
        let published = try await publisher.publish(stream: stream, records: payloads)
        Counter(label: MetricName.recordsPublished, dimensions: dimensions).increment(by: Int64(published.count))
        let ingestToProcess = max(0, Self.nowMillis - fragment.serverTimestampMillis)
        Timer(label: MetricName.ingestToProcessLatency, dimensions: dimensions).recordMilliseconds(ingestToProcess)
        let last = records.last
        stats.withLock {
            $0.records += records.count
            $0.inferenceErrors += records.count { $0.inference.failure != nil }
            $0.lastIngestToProcessMillis = ingestToProcess
            if let last {
                $0.lastEndpointLatencyMillis = last.inference.endpointLatencyMillis
                $0.lastOutputBase64 = Data(last.sageMakerOutput).base64EncodedString()
                $0.lastImageContentType = last.image?.contentType
            }
        }
        if let lastImage = images.last { latestImage.withLock { $0 = lastImage } }
        guard let dispatcher, !published.isEmpty else { return { true } }
        let dispatched = zip(zip(payloads, published), images).map { pair, image in
            DispatchRecord(
                streamName: stream, data: pair.0, partitionKey: stream, sequenceNumber: pair.1.sequenceNumber,
                approximateArrivalTimestamp: pair.1.arrivalTimestamp, eventSourceARN: publisher.eventSourceARN,
                awsRegion: settings.region, image: image, imageContentType: settings.imageFormat.mimeType)
        }
        return dispatcher.dispatch(stream: stream, records: dispatched)
    }
}
