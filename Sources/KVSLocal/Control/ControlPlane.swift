import AWSClients
import Foundation

/// The control-plane operations (`kinesisvideo` REST-JSON) and Resource Groups Tagging `GetResources`: request
/// bytes in, response bytes out, every failure a ``KVSError`` as KVS reports it.
struct ControlPlane: Sendable {
    let registry: StreamRegistry
    let accountID: String
    let clock: KVSLocalClock
    /// This server's URL, which `GetDataEndpoint` hands out for every API (given the request's `Host`).
    let dataEndpoint: @Sendable (_ requestHost: String?) -> String

    static let dataEndpointAPIs: Set<String> = [
        "PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST", "GET_HLS_STREAMING_SESSION_URL",
        "GET_DASH_STREAMING_SESSION_URL", "GET_CLIP", "GET_IMAGES",
    ]
    static let maxRetentionHours = 87_600
    static let maxTags = 50

    func createStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(CreateKinesisVideoStreamInput.self, from: body)
        try Validate.streamName(input.streamName)
        if let device = input.deviceName { try Validate.name(device, field: "DeviceName", max: 128) }
        if let mediaType = input.mediaType {
            guard !mediaType.isEmpty, mediaType.count <= 128, mediaType.contains("/") else {
                throw KVSError.invalid("MediaType", "must look like 'video/h264'")
            }
        }
        let retention = input.dataRetentionInHours ?? 0
        guard (0...Self.maxRetentionHours).contains(retention) else {
            throw KVSError.invalid("DataRetentionInHours", "must be between 0 and \(Self.maxRetentionHours)")
        }
        let tags = input.tags ?? [:]
        try Validate.tags(tags, existing: [:])
        let creation = clock.now().epochMillis
        let metadata = StreamMetadata(
            name: input.streamName,
            arn: StreamMetadata.arn(
                region: region, account: accountID, name: input.streamName, creationMillis: creation),
            region: region, deviceName: input.deviceName, mediaType: input.mediaType,
            kmsKeyId: input.kmsKeyId ?? "arn:aws:kms:\(region):\(accountID):alias/aws/kinesisvideo",
            version: StreamMetadata.newVersion(), creationMillis: creation, retentionHours: retention, tags: tags)
        _ = try await registry.create(metadata)
        return JSONOutput.encode(CreateStreamOutput(streamARN: metadata.arn))
    }

    func describeStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(StreamSelector.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        return JSONOutput.encode(DescribeStreamOutput(streamInfo: KinesisVideoStreamInfo(await store.metadata)))
    }

    func listStreams(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(ListStreamsInput.self, from: body)
        let limit = input.maxResults ?? 10_000
        guard (1...10_000).contains(limit) else { throw KVSError.invalid("MaxResults", "must be between 1 and 10000") }
        var prefix: String?
        if let condition = input.streamNameCondition {
            guard condition.comparisonOperator == nil || condition.comparisonOperator == "BEGINS_WITH" else {
                throw KVSError.invalid("ComparisonOperator", "must be BEGINS_WITH")
            }
            prefix = condition.comparisonValue
        }
        let after = try input.nextToken.map { (token) throws(KVSError) -> String in try PageToken.decode(token) }
        var infos: [KinesisVideoStreamInfo] = []
        var more = false
        for store in await registry.stores(region: region) {
            let name = store.key.name
            if let prefix, !name.hasPrefix(prefix) { continue }
            if let after, name <= after { continue }
            if infos.count == limit {
                more = true
                break
            }
            infos.append(KinesisVideoStreamInfo(await store.metadata))
        }
        let next = more ? infos.last?.streamName.map(PageToken.encode) : nil
        return JSONOutput.encode(ListKinesisVideoStreamsOutput(streamInfoList: infos, nextToken: next))
    }

    func deleteStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(DeleteStreamInput.self, from: body)
        guard input.streamARN != nil || input.streamName != nil else { throw KVSError.missing("StreamARN") }
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        let metadata = await store.metadata
        if let version = input.currentVersion, version != metadata.version {
            throw KVSError(.versionMismatch, "The stream version \(version) does not match the current version.")
        }
        await registry.delete(store)
        return JSONOutput.encode(EmptyOutput())
    }

    func updateDataRetention(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(UpdateDataRetentionInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        guard input.dataRetentionChangeInHours >= 1 else {
            throw KVSError.invalid("DataRetentionChangeInHours", "must be at least 1")
        }
        let sign: Int
        switch input.operation {
        case "INCREASE_DATA_RETENTION": sign = 1
        case "DECREASE_DATA_RETENTION": sign = -1
        default: throw KVSError.invalid("Operation", "must be INCREASE_DATA_RETENTION or DECREASE_DATA_RETENTION")
        }
        _ = try await store.updateMetadata { (metadata: inout StreamMetadata) throws(KVSError) in
            guard metadata.version == input.currentVersion else {
                throw KVSError(.versionMismatch, "The stream version \(input.currentVersion) does not match.")
            }
            let updated = metadata.retentionHours + sign * input.dataRetentionChangeInHours
            guard (0...Self.maxRetentionHours).contains(updated) else {
                throw KVSError.invalid(
                    "DataRetentionChangeInHours",
                    "would make the retention \(updated) hours (0…\(Self.maxRetentionHours))")
            }
            metadata.retentionHours = updated
        }
        return JSONOutput.encode(EmptyOutput())
    }

    func updateStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(UpdateStreamInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        if let device = input.deviceName { try Validate.name(device, field: "DeviceName", max: 128) }
        _ = try await store.updateMetadata { (metadata: inout StreamMetadata) throws(KVSError) in
            guard metadata.version == input.currentVersion else {
                throw KVSError(.versionMismatch, "The stream version \(input.currentVersion) does not match.")
            }
            if let device = input.deviceName { metadata.deviceName = device }
            if let mediaType = input.mediaType { metadata.mediaType = mediaType }
        }
        return JSONOutput.encode(EmptyOutput())
    }

    func getDataEndpoint(region: String, _ body: [UInt8], requestHost: String?) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(GetDataEndpointInput.self, from: body)
        guard Self.dataEndpointAPIs.contains(input.apiName) else {
            throw KVSError.invalid(
                "APIName", "must be one of \(Self.dataEndpointAPIs.sorted().joined(separator: ", "))")
        }
        _ = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        return JSONOutput.encode(GetDataEndpointOutput(dataEndpoint: dataEndpoint(requestHost)))
    }

    // MARK: Tags

    func tagStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(TagStreamInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        try await addTags(input.tags, to: store)
        return JSONOutput.encode(EmptyOutput())
    }

    func untagStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(UntagStreamInput.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        try await removeTags(input.tagKeyList, from: store)
        return JSONOutput.encode(EmptyOutput())
    }

    func listTagsForStream(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(StreamSelector.self, from: body)
        let store = try await registry.store(region: region, name: input.streamName, arn: input.streamARN)
        return JSONOutput.encode(ListTagsForStreamOutput(tags: await store.metadata.tags, nextToken: nil))
    }

    func tagResource(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(TagResourceInput.self, from: body)
        let store = try await registry.store(region: region, name: nil, arn: input.resourceARN)
        var tags: [String: String] = [:]
        for tag in input.tags { tags[tag.key] = tag.value }
        try await addTags(tags, to: store)
        return JSONOutput.encode(EmptyOutput())
    }

    func untagResource(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(UntagResourceInput.self, from: body)
        let store = try await registry.store(region: region, name: nil, arn: input.resourceARN)
        try await removeTags(input.tagKeyList, from: store)
        return JSONOutput.encode(EmptyOutput())
    }

    func listTagsForResource(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input = try JSONInput.decode(ListTagsForResourceInput.self, from: body)
        let store = try await registry.store(region: region, name: nil, arn: input.resourceARN)
        return JSONOutput.encode(ListTagsForResourceOutput(tags: AWSTag.list(await store.metadata.tags)))
    }

    private func addTags(_ tags: [String: String], to store: StreamStore) async throws(KVSError) {
        guard !tags.isEmpty else { throw KVSError.invalid("Tags", "must hold at least one tag") }
        _ = try await store.updateMetadata { (metadata: inout StreamMetadata) throws(KVSError) in
            try Validate.tags(tags, existing: metadata.tags)
            metadata.tags.merge(tags) { _, new in new }
        }
    }

    private func removeTags(_ keys: [String], from store: StreamStore) async throws(KVSError) {
        guard !keys.isEmpty, keys.count <= Self.maxTags else {
            throw KVSError.invalid("TagKeyList", "must hold 1 to \(Self.maxTags) keys")
        }
        _ = try await store.updateMetadata { (metadata: inout StreamMetadata) throws(KVSError) in
            for key in keys { metadata.tags[key] = nil }
        }
    }

    // MARK: Resource Groups Tagging

    /// `GetResources` for `kinesisvideo:stream`: tagged streams of the request's region that pass every
    /// TagFilter (the key present and, when values are given, one of them).
    func getResources(region: String, _ body: [UInt8]) async throws(KVSError) -> [UInt8] {
        let input: GetResourcesInput
        do {
            input = try JSONInput.decode(GetResourcesInput.self, from: body)
        } catch {
            throw KVSError(.invalidParameter, error.message)
        }
        let perPage = input.resourcesPerPage ?? 100
        guard (1...100).contains(perPage) else {
            throw KVSError(.invalidParameter, "ResourcesPerPage must be between 1 and 100")
        }
        if let types = input.resourceTypeFilters, !types.isEmpty,
            !types.contains(where: { $0 == "kinesisvideo" || $0 == "kinesisvideo:stream" })
        {
            return JSONOutput.encode(GetResourcesOutput(resourceTagMappingList: [], paginationToken: ""))
        }
        let filters = input.tagFilters ?? []
        let arns = input.resourceARNList.map(Set.init)
        var after: String?
        if let token = input.paginationToken, !token.isEmpty {
            do {
                after = try PageToken.decode(token)
            } catch {
                throw KVSError(.paginationTokenExpired, "The pagination token is not valid")
            }
        }
        var mappings: [ResourceTagMapping] = []
        var more = false
        var all: [StreamMetadata] = []
        for store in await registry.stores(region: region) { all.append(await store.metadata) }
        all.sort { $0.arn < $1.arn }
        for metadata in all {
            if let after, metadata.arn <= after { continue }
            if let arns, !arns.contains(metadata.arn) { continue }
            // GetResources only knows resources that carry tags.
            guard !metadata.tags.isEmpty else { continue }
            let passes = filters.allSatisfy { filter in
                guard let key = filter.key, let value = metadata.tags[key] else { return filter.key == nil }
                guard let values = filter.values, !values.isEmpty else { return true }
                return values.contains(value)
            }
            guard passes else { continue }
            if mappings.count == perPage {
                more = true
                break
            }
            mappings.append(ResourceTagMapping(resourceARN: metadata.arn, tags: metadata.tags))
        }
        let token = more ? mappings.last.map { PageToken.encode($0.resourceARN) } ?? "" : ""
        return JSONOutput.encode(GetResourcesOutput(resourceTagMappingList: mappings, paginationToken: token))
    }
}

/// Opaque page tokens: the base64 of the last item's key (`[a-zA-Z0-9+/=]*`, as the models require).
enum PageToken {
    static func encode(_ key: String) -> String { Data(key.utf8).base64EncodedString() }

    static func decode(_ token: String) throws(KVSError) -> String {
        guard let data = Data(base64Encoded: token), let key = String(data: data, encoding: .utf8) else {
            throw KVSError.invalid("NextToken", "is not a token this server issued")
        }
        return key
    }
}

/// The models' constraints on names and tags.
enum Validate {
    static func streamName(_ name: String) throws(KVSError) { try self.name(name, field: "StreamName", max: 256) }

    /// `[a-zA-Z0-9_.-]+`, 1…`max` characters.
    static func name(_ name: String, field: String, max: Int) throws(KVSError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2E
                || c == 0x2D
        }
        guard !name.isEmpty, name.utf8.count <= max, allowed else {
            throw KVSError.invalid(field, "must match [a-zA-Z0-9_.-]+ and be 1 to \(max) characters")
        }
    }

    static func tags(_ tags: [String: String], existing: [String: String]) throws(KVSError) {
        for (key, value) in tags {
            guard !key.isEmpty, key.count <= 128 else {
                throw KVSError.invalid("Tags", "keys must be 1 to 128 characters")
            }
            guard value.count <= 256 else { throw KVSError.invalid("Tags", "values must be at most 256 characters") }
        }
        let total = Set(existing.keys).union(tags.keys).count
        guard total <= ControlPlane.maxTags else {
            throw KVSError(
                .tagsPerResourceExceededLimit,
                "The stream would have \(total) tags; the limit is \(ControlPlane.maxTags).")
        }
    }
}
